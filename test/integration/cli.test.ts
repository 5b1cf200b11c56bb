import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'
import {promisify} from 'node:util'

import {ROOT, runCli, testEnv} from '../helpers/cli.js'

const exec = promisify(execFile)
const cache = mkdtempSync(join(tmpdir(), 'mcp-cli-it-'))
after(() => rmSync(cache, {recursive: true, force: true}))

interface ManifestCommand {
  id: string
  pluginType: string
  hidden?: boolean
  examples?: string[]
  flags: Record<string, unknown>
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, ManifestCommand>
}
// What a user can type: not the hidden __complete that the completion scripts call.
const ours = Object.values(manifest.commands).filter((c) => c.pluginType === 'core' && !c.hidden)
const shown = (id: string) => id.split(':')

describe('CLI conventions', () => {
  test('bash completion: the generated script completes commands, topics and flags', async () => {
    const env = testEnv({XDG_CACHE_HOME: cache})
    const r = await runCli(['autocomplete', 'bash'], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /mcp autocomplete script bash/)
    const script = await runCli(['autocomplete', 'script', 'bash'], {env})
    assert.match(script.stdout, /MCP_AC_BASH_SETUP_PATH=.*bash_setup/)
    // Source what a user's .bashrc would, then ask the completion function like bash does on <TAB>.
    const complete = async (...words: string[]): Promise<string[]> => {
      const shell = `${script.stdout.trim()}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${words.join(' ')}'; COMP_POINT=\${#COMP_LINE}\n_mcp_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`
      const {stdout} = await exec('bash', ['-c', shell], {env, timeout: 10_000})
      return stdout
        .trim()
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean)
        .sort()
    }

    assert.deepEqual(await complete('mcp', 'disc'), ['discover'])
    assert.deepEqual(await complete('mcp', 'config', ''), ['list', 'show', 'trust', 'use'])
    assert.ok((await complete('mcp', 'discover', '--etcd-')).includes('--etcd-endpoints'))
  })

  test('zsh completion: a script and the completion function', async () => {
    const env = testEnv({XDG_CACHE_HOME: cache})
    assert.equal((await runCli(['autocomplete', 'zsh'], {env})).code, 0)
    const script = await runCli(['autocomplete', 'script', 'zsh'], {env})
    assert.match(script.stdout, /MCP_AC_ZSH_SETUP_PATH=.*zsh_setup/)
    const fn = readFileSync(join(cache, 'mcp', 'autocomplete', 'functions', 'zsh', '_mcp'), 'utf8')
    assert.match(fn, /#compdef mcp/)
    assert.match(fn, /"discover\[Show every instance/)
  })

  test('an unknown command: one line with did-you-mean, exit 2, no prompt without a terminal', async () => {
    const r = await runCli(['discver'], {timeoutMs: 15_000})
    assert.equal(r.signal, null, 'did not hang')
    assert.equal(r.code, 2)
    assert.equal(r.stderr, 'mcp: "discver" is not an mcp command; did you mean "discover"? (mcp --help lists them)\n')
    assert.equal(r.stdout, '')
    const topic = await runCli(['config', 'shwo'])
    assert.equal(topic.code, 2)
    assert.match(topic.stderr, /did you mean "config show"\?/)
    const far = await runCli(['frobnicate'])
    assert.equal(far.stderr, 'mcp: "frobnicate" is not an mcp command (mcp --help lists them)\n')
  })

  test('`mcp help X` and `mcp X -h` are `mcp X --help`, as in git, docker and kubectl', async () => {
    const help = await runCli(['lint-config', '--help'])
    assert.equal(help.code, 0)
    for (const args of [
      ['help', 'lint-config'],
      ['lint-config', '-h'],
    ]) {
      const r = await runCli(args)
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, help.stdout, args.join(' '))
    }

    const topic = await runCli(['help', 'config', 'list'])
    assert.equal(topic.code, 0, topic.stderr)
    assert.match(topic.stdout, /\$ mcp config list/)
  })

  test('parse errors are one line and a hint, with did-you-mean for flags, values and rule ids', async () => {
    const cases: [string[], string][] = [
      [
        ['lint-config', '--fiks'],
        'mcp: unknown flag --fiks\n  hint: did you mean --fix? (mcp lint-config --help lists the flags)\n',
      ],
      [
        ['lint-labels', '--rule', 'health-path-mising=off'],
        'mcp: --rule names an unknown rule "health-path-mising"\n  hint: did you mean health-path-missing? (mcp rules lists the rule ids)\n',
      ],
      [
        ['lint-config', '--format', 'sarf'],
        'mcp: --format "sarf" is not one of: stylish, json, sarif, github, junit, checkstyle, gitlab\n  hint: did you mean --format sarif?\n',
      ],
      [['discover', '--timeout'], 'mcp: --timeout needs a value\n  hint: mcp discover --help shows what it takes\n'],
      [
        ['loadtest', 'http://127.0.0.1:1/', 'extra'],
        'mcp: unexpected argument: extra\n  hint: mcp loadtest --help shows what it takes\n',
      ],
      [
        ['loadtest', 'http://127.0.0.1:1/', '-c', 'x'],
        'mcp: --connections: expected an integer but received: x\n  hint: mcp loadtest --help shows what it takes\n',
      ],
      [
        ['loadtest', 'http://127.0.0.1:1/', '--body', 'a', '--body-file', 'b'],
        'mcp: --body and --body-file cannot be used together\n  hint: mcp loadtest --help shows which flags go together\n',
      ],
      [
        ['loadtest'],
        'mcp: missing argument TARGET (http(s) URL, or a service name to resolve through discovery) or --targets FILE\n  hint: mcp loadtest --help shows what it takes\n',
      ],
    ]
    for (const [args, stderr] of cases) {
      const r = await runCli(args)
      assert.equal(r.code, 2, args.join(' '))
      assert.equal(r.stderr, stderr, args.join(' '))
      assert.equal(r.stdout, '')
    }
  })

  test('help DESCRIPTION text is wrapped by oclif, not hard-wrapped in the source (no ragged lines at 80 columns)', async () => {
    for (const c of ours) {
      const r = await runCli([...shown(c.id), '--help'], {env: testEnv({COLUMNS: '80'})})
      const description = /\nDESCRIPTION\n([^]*?)\n(?:[A-Z][A-Z ]+\n|$)/.exec(r.stdout)?.[1] ?? ''
      const lines = description.split('\n')
      for (let i = 0; i + 1 < lines.length; i++) {
        const [line, next] = [lines[i]!, lines[i + 1]!]
        if (!line.trim() || !next.trim()) continue
        // A line the next one's first word would have fitted on was broken by hand.
        assert.ok(
          line.length + 1 + next.trim().split(' ')[0]!.length > 80,
          `${c.id}: ragged after ${JSON.stringify(line)}`,
        )
      }
    }
  })

  test('--json with another --format is refused (it printed JSON and dropped the other without a word)', async () => {
    const file = join(ROOT, 'test/fixtures/config/valid.yaml')
    for (const args of [
      ['--json', '-o', 'sarif'],
      ['--format=junit', '--json'],
      ['-ogithub', '--json'],
    ]) {
      const r = await runCli(['lint-config', file, ...args])
      assert.equal(r.code, 2, args.join(' '))
      const {error} = JSON.parse(r.stdout) as {error: {kind: string; message: string; hint: string}}
      assert.equal(error.kind, 'usage')
      assert.match(error.message, /^--json and --format (sarif|junit|github) ask for two different outputs$/)
    }

    const same = await runCli(['lint-config', file, '--json', '-o', 'json'])
    assert.equal(same.code, 0, same.stdout)
  })

  test('mcp rules lists every rule; mcp rules ID explains one with examples; --json; did-you-mean', async () => {
    const list = await runCli(['rules'])
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, /^ID +COMMAND +SEVERITY +WHAT\n/)
    assert.match(list.stdout, /\nhealth-path-missing +lint-labels +info +No health path label/)
    assert.match(list.stdout, /\nroute-shadowed +lint-config +warning /)
    assert.match(list.stdout, /\nUNREGISTERED +doctor +error /)
    const one = await runCli(['rules', 'service-name-missing'])
    assert.equal(one.code, 0)
    assert.match(one.stdout, /^service-name-missing {2}lint-labels, error by default\n/)
    assert.match(one.stdout, /\n {4,}mcp\.service\.name: user-api +# ✔\n/, 'the good example, as an indented block')
    assert.match(one.stdout, /\nfile:\/\/\/\S+\/docs\/rules\.md#service-name-missing\n$/)
    const json = JSON.parse((await runCli(['rules', 'unknown-key', '--json'])).stdout) as {
      rules: {id: string; command: string; explanation: string}[]
    }
    assert.deepEqual(
      json.rules.map((r) => r.command),
      ['lint-labels', 'lint-config'],
    )
    const typo = await runCli(['rules', 'healt-path-missing'])
    assert.equal(typo.code, 2)
    assert.equal(
      typo.stderr,
      'mcp: no rule "healt-path-missing"\n  hint: did you mean health-path-missing? (mcp rules lists them all)\n',
    )
  })

  test("every command's --help has examples", async () => {
    assert.ok(ours.length >= 5, 'commands found in the manifest')
    for (const c of ours) {
      assert.ok((c.examples ?? []).length > 0, `${c.id} has static examples`)
      const r = await runCli([...shown(c.id), '--help'])
      assert.equal(r.code, 0, `${c.id} --help: ${r.stderr}`)
      assert.match(r.stdout, /\nEXAMPLES\n {2}\$ mcp /, `${c.id} --help shows them`)
    }
  })

  test('every command takes --json, --quiet and --no-color; errors under --json share one envelope', async () => {
    for (const c of ours) {
      for (const flag of ['json', 'quiet', 'color']) assert.ok(flag in c.flags, `${c.id} has --${flag}`)
      const r = await runCli([...shown(c.id), '--no-such-flag', '--json'])
      assert.equal(r.code, 2, `${c.id}: ${r.stdout}${r.stderr}`)
      const doc = JSON.parse(r.stdout) as {error: {kind: string; message: string; exitCode: number}}
      assert.equal(doc.error.kind, 'usage', c.id)
      assert.equal(doc.error.exitCode, 2, c.id)
      assert.match(doc.error.message, /no-such-flag/, c.id)
    }
  })

  test("a command's start loads no Node module it has no use for (scripts/build.mjs: oclif-is-wsl, oclif-fs-sync)", async () => {
    // oclif's platform check loaded wsl-utils (node:child_process, node:fs/promises) and its JSON
    // reads went through node:fs/promises: ~2.5 ms each of every start (docs/performance.md).
    const list = join(cache, 'modules.txt')
    const preload = join(cache, 'modules.cjs')
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')))`,
    )
    const r = await runCli(['schema', '--json'], {env: testEnv({NODE_OPTIONS: `--require=${preload}`})})
    assert.equal(r.code, 0, r.stderr)
    const loaded = new Set(readFileSync(list, 'utf8').split('\n'))
    assert.ok(loaded.has('NativeModule fs'), 'the list is what Node loaded')
    for (const name of ['child_process', 'fs/promises'])
      assert.ok(!loaded.has(`NativeModule ${name}`), `node:${name} loaded`)
  })

  test('--json into a file (written directly, not through the stream) is the document a pipe gets', async () => {
    const file = join(cache, 'out.json')
    const run = (args: string) =>
      exec('/bin/sh', ['-c', `"${process.execPath}" bin/run.js ${args} > "${file}"`], {
        cwd: ROOT,
        env: testEnv(),
      }).catch((error: {code?: number}) => error)
    await run('schema --json')
    const piped = await runCli(['schema', '--json'])
    assert.equal(piped.code, 0, piped.stderr)
    assert.equal(readFileSync(file, 'utf8'), piped.stdout)
    assert.ok(piped.stdout.endsWith('}\n'))
    // The error envelope takes the same path.
    const failed = (await run('discover --no-such-flag --json')) as {code?: number}
    assert.equal(failed.code, 2)
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).error.kind, 'usage')
  })

  test('colour: --color forces it, NO_COLOR and --no-color turn it off', async () => {
    const compose = join(ROOT, 'test', 'fixtures', 'labels', 'compose')
    const files = ['-f', join(compose, 'deploy-labels-only.yaml')]
    const env = testEnv()
    delete env.NO_COLOR
    const forced = await runCli(['lint-labels', ...files, '--color'], {env})
    assert.match(forced.stdout, /\u001B\[/)
    const off = await runCli(['lint-labels', ...files, '--color'], {env: testEnv({NO_COLOR: '1'})})
    assert.doesNotMatch(off.stdout, /\u001B\[/)
    const no = await runCli(['lint-labels', ...files, '--no-color'], {env})
    assert.doesNotMatch(no.stdout, /\u001B\[/)
  })
})
