import assert from 'node:assert/strict'
import {execFile, execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {type AddressInfo, createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'
import {promisify} from 'node:util'

import {CLI, runCli, testEnv} from '../helpers/cli.js'
import {cleanupDocker, etcdctl, requireDocker, requireEtcd, runContainer, uniqueName} from '../helpers/services.js'

const exec = promisify(execFile)
const home = mkdtempSync(join(tmpdir(), 'mcp-completion-it-'))
const binDir = join(home, 'bin')
mkdirSync(binDir)
// The scripts call `mcp` as the user typed it: put the built binary on PATH under that name.
symlinkSync(CLI, join(binDir, 'mcp'))
mkdirSync(join(home, 'config', 'mcp'), {recursive: true})
writeFileSync(
  join(home, 'config', 'mcp', 'config.yaml'),
  'profiles:\n  prod-eu:\n    timeout: 2s\n  staging:\n    timeout: 2s\n',
)
// A docker CLI store with one context besides the default (its socket is never used).
const contextMeta = join(home, 'docker', 'contexts', 'meta', createHash('sha256').update('staging-ctx').digest('hex'))
mkdirSync(contextMeta, {recursive: true})
writeFileSync(
  join(contextMeta, 'meta.json'),
  JSON.stringify({Name: 'staging-ctx', Endpoints: {docker: {Host: 'unix:///nonexistent/docker.sock'}}}),
)
const env = testEnv({
  PATH: `${binDir}:${process.env.PATH}`,
  XDG_CONFIG_HOME: join(home, 'config'),
  HOME: home,
  DOCKER_CONFIG: join(home, 'docker'),
})

const has = (shell: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${shell}`], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell], {env})
  assert.equal(r.code, 0, r.stderr)
  const file = join(home, `mcp.${shell}`)
  writeFileSync(file, r.stdout)
  return file
}

/** What bash offers on <TAB> after `line` (the completion function called as bash calls it). */
async function bashComplete(line: string): Promise<string[]> {
  const file = await script('bash')
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
  const shell = `source ${q(file)}\nCOMP_LINE=${q(line)}; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=(${line.split(/\s+/).map(q).join(' ')}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1))\n_mcp_complete; printf '%s\\n' "\${COMPREPLY[@]}"`
  const {stdout} = await exec('bash', ['-c', shell], {env, timeout: 20_000})
  return stdout.split('\n').filter(Boolean).sort()
}

const dir = uniqueName('compl')
const prefix = `/${dir}/`
const labelPrefix = dir.replaceAll('-', '')

after(async () => {
  await cleanupDocker(dir)
  await etcdctl(['del', '--prefix', prefix]).catch(() => undefined)
  rmSync(home, {recursive: true, force: true})
})

describe('shell completion of values: the scripts ask `mcp __complete`', () => {
  test('bash: commands, profiles from the user config, rule ids then severities, doctor codes, fixed options, Docker contexts', async () => {
    assert.deepEqual(await bashComplete('mcp conf'), ['config'])
    assert.deepEqual(await bashComplete('mcp config use '), ['prod-eu', 'staging'])
    assert.deepEqual(await bashComplete('mcp discover --profile st'), ['staging'])
    assert.deepEqual(await bashComplete('mcp rules health-path-m'), ['health-path-missing'])
    assert.deepEqual(await bashComplete('mcp lint-labels --rule health-path-mi'), ['health-path-missing='])
    // bash replaces what follows the "=" (a word break): the severity alone is offered.
    assert.deepEqual(await bashComplete('mcp lint-labels --rule health-path-missing=w'), ['warning'])
    assert.deepEqual(await bashComplete('mcp doctor --only UNREG'), ['UNREGISTERED'])
    assert.deepEqual(await bashComplete('mcp lint-config -o s'), ['sarif', 'stylish'])
    assert.ok((await bashComplete('mcp loadtest --tar')).includes('--targets'))
    assert.deepEqual(await bashComplete('mcp discover --context '), ['default', 'staging-ctx'])
    assert.deepEqual(await bashComplete('mcp trace ID --docker-context st'), ['staging-ctx'])
  })

  test('service names from Docker labels and etcd keys; a source that hangs costs at most ~0.5 s and offers nothing', async () => {
    await requireDocker()
    await requireEtcd()
    await etcdctl(['put', `${prefix}orders-${dir}/i1`, '127.0.0.1:18080'])
    await runContainer(`${dir}-web`, {
      labels: {[`${labelPrefix}.service.name`]: `web-${dir}`, [`${labelPrefix}.service.port`]: '80'},
    })
    const words = `mcp loadtest --registry-prefix ${prefix} --label-prefix ${labelPrefix} `
    assert.deepEqual(await bashComplete(words), [`orders-${dir}`, `web-${dir}`])
    assert.deepEqual(
      await bashComplete(`mcp discover --registry-prefix ${prefix} --label-prefix ${labelPrefix} -s o`),
      [`orders-${dir}`],
    )

    // An etcd that accepts the connection and never answers, on 127.0.0.1.
    const sockets: Socket[] = []
    const hung: Server = createServer((s) => sockets.push(s))
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
    try {
      const {port} = hung.address() as AddressInfo
      const started = Date.now()
      const r = await runCli(
        ['__complete', '--', 'discover', '--source', 'etcd', '--etcd-endpoints', `http://127.0.0.1:${port}`, '-s', ''],
        {env, timeoutMs: 10_000},
      )
      const took = Date.now() - started
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, ':4\n')
      assert.ok(took < 2500, `took ${took} ms`)
    } finally {
      for (const s of sockets) s.destroy()
      hung.close()
    }
  })

  test(
    'zsh: the same candidates with descriptions, through _describe (and _files when there are none)',
    {skip: !has('zsh')},
    async () => {
      const file = await script('zsh')
      // Stand-ins for compsys: print what the script hands to _describe and _files.
      const run = async (...words: string[]) => {
        const shell = [
          'autoload -U compinit 2>/dev/null; compdef() { :; }',
          `_describe() { local -a c; c=("\${(@P)4}"); print -r -- "ARGS $*"; print -rl -- "\${c[@]}" }`,
          '_files() { print -r -- FILES }',
          `source ${file}`,
          `words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}`,
          '_mcp_complete',
        ].join('\n')
        const {stdout} = await exec('zsh', ['-f', '-c', shell], {env, timeout: 20_000})
        return stdout.split('\n').filter(Boolean)
      }

      assert.deepEqual((await run('mcp', 'config', 'use', '')).slice(1), ['prod-eu', 'staging'])
      const rules = await run('mcp', 'lint-labels', '--rule', 'health-path-mi')
      assert.deepEqual(rules.slice(1), ['health-path-missing=:No health path label: the gateway probes /health'])
      assert.match(rules[0]!, / -S $/, 'no space after "id="')
      assert.deepEqual(await run('mcp', 'lint-config', ''), ['FILES'])
    },
  )

  test(
    'fish: complete -C gives the same values with descriptions; files where a file is meant',
    {skip: !has('fish')},
    async () => {
      const file = await script('fish')
      const run = async (line: string) => {
        const {stdout} = await exec('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`], {
          env,
          timeout: 20_000,
        })
        return stdout.split('\n').filter(Boolean)
      }

      assert.deepEqual(await run('mcp config use '), ['prod-eu', 'staging'])
      assert.deepEqual(await run('mcp rules health-path-mi'), [
        'health-path-missing\tNo health path label: the gateway probes /health',
      ])
      assert.deepEqual(await run('mcp doctor --ignore NOT_READY,NO_'), ['NOT_READY,NO_LEASE'])
      writeFileSync(join(home, 'targets-x.txt'), 'GET http://127.0.0.1:1/\n')
      const {stdout} = await exec(
        'fish',
        ['--no-config', '-c', `cd ${home}; source ${file}; complete -C 'mcp loadtest --targets targets-'`],
        {env, timeout: 20_000},
      )
      assert.match(stdout, /^targets-x\.txt/m)
    },
  )

  test('completion SHELL: an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'tcsh'], {env})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /tcsh/)
  })
})
