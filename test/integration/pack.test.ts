import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {ROOT} from '../helpers/cli.js'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'mcp-pack-'))
after(() => rmSync(dir, {recursive: true, force: true}))

/** What a user's shell has: no dev tools on PATH beyond node and npm, no config, no colour. */
function userEnv(): NodeJS.ProcessEnv {
  const home = process.env.HOME ?? dir
  return {
    PATH: process.env.PATH,
    HOME: dir,
    NO_COLOR: '1',
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    // npm's own settings stay the machine's: its cache, its registry config and the CA that reaches it.
    npm_config_cache: process.env.npm_config_cache ?? join(home, '.npm'),
    npm_config_userconfig: process.env.npm_config_userconfig ?? join(home, '.npmrc'),
    ...(process.env.NODE_EXTRA_CA_CERTS ? {NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS} : {}),
  }
}

describe('npm pack → install into an empty directory → run', () => {
  test('the packed package installs without dev dependencies and answers --help', {timeout: 900_000}, async () => {
    // The suite runs after `npm run build`: dist/ and oclif.manifest.json are current.
    const {stdout: packed} = await exec('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      timeout: 300_000,
    })
    const [{filename, files}] = JSON.parse(packed) as {filename: string; files: {path: string}[]}[]
    const paths = files.map((f) => f.path)
    for (const needed of [
      'bin/run.js',
      'dist/root-help.txt',
      'dist/version.txt',
      'oclif.manifest.json',
      'dist/commands/discover.js',
      'dist/hooks/command-not-found.js',
    ]) {
      assert.ok(paths.includes(needed), `${needed} is in the package`)
    }

    assert.ok(
      !paths.some((p) => p.startsWith('test/') || p.startsWith('src/') || p === 'bin/dev.js'),
      'no sources, tests or the tsx dev runner',
    )

    // The README's install command, word for word, into a prefix of the test's own (npm_config_prefix
    // is what `--prefix` sets): a global install as an operator runs it.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const install = /^npm install -g (\.\/\S+\.tgz)\b/m.exec(readme)
    assert.ok(install, 'README shows `npm install -g ./<tarball>.tgz`')
    assert.equal(install[1], `./${filename}`, 'the README names the tarball npm pack writes')
    const prefix = join(dir, 'prefix')
    await exec('npm', ['install', '-g', install[1]!, '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      env: {...userEnv(), npm_config_prefix: prefix},
      timeout: 300_000,
    })
    const installed = join(prefix, 'lib', 'node_modules', '@mcp-control-plane', 'cli')
    const modules = readdirSync(join(installed, 'node_modules'))
    for (const dev of ['typescript', 'tsx', 'oclif', 'playwright-core', 'fast-check'])
      assert.ok(!modules.includes(dev), `${dev} (a dev dependency) is not installed`)

    const mcp = join(prefix, 'bin', 'mcp')
    assert.ok(existsSync(mcp))
    const app = join(dir, 'app')
    mkdirSync(app)
    const help = await exec(mcp, ['--help'], {cwd: app, env: userEnv(), timeout: 30_000})
    assert.match(help.stdout, /^Operate and troubleshoot/)
    assert.match(help.stdout, /\n {2}discover /)
    assert.doesNotMatch(help.stdout, /\{\{runtime\}\}/)
    // Through oclif proper: the manifest, the command module and its runtime dependencies.
    const discover = await exec(mcp, ['discover', '--help'], {cwd: app, env: userEnv(), timeout: 30_000})
    assert.match(discover.stdout, /\$ mcp discover/)
    assert.match(discover.stdout, /EXAMPLES\n {2}\$ mcp discover\n/)
    const version = await exec(mcp, ['--version'], {cwd: app, env: userEnv(), timeout: 30_000})
    assert.match(version.stdout, /^@mcp-control-plane\/cli\/\d+\.\d+\.\d+ /)

    // `mcp schema` prints the schema the package ships; the README's editor line, after the
    // README's `mcp schema --out`, names a file that exists beside the config and is that schema.
    const shipped = readFileSync(join(installed, 'schema', 'gateway.schema.json'), 'utf8')
    const schema = await exec(mcp, ['schema'], {cwd: app, env: userEnv(), timeout: 30_000})
    assert.deepEqual(JSON.parse(schema.stdout), JSON.parse(shipped))
    const outCommand = /^mcp schema --out (\S+)$/m.exec(readme)
    assert.ok(outCommand, 'README shows `mcp schema --out FILE`')
    await exec(mcp, ['schema', '--out', outCommand[1]!], {cwd: app, env: userEnv(), timeout: 30_000})
    const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readme)
    assert.ok(modeline, 'README shows the yaml-language-server modeline')
    assert.ok(!/^[a-z]+:/i.test(modeline[1]!), 'the modeline names a path, not a URL')
    const target = join(app, modeline[1]!) // relative to a gateway.yaml in app/
    assert.deepEqual(JSON.parse(readFileSync(target, 'utf8')), JSON.parse(shipped))

    // Every rule's helpUri points into the shipped docs, and the page it names is there.
    const project = join(app, 'project')
    mkdirSync(project)
    writeFileSync(
      join(project, 'compose.yaml'),
      'services:\n  web:\n    image: busybox\n    labels: {mcp.service.name: web}\n',
    )
    writeFileSync(join(project, 'gateway.yaml'), 'version: 1\n')
    const sarif = await exec(mcp, ['validate', '--format', 'sarif', '--fail-on', 'none'], {
      cwd: project,
      env: userEnv(),
      timeout: 30_000,
    })
    const uris = [...sarif.stdout.matchAll(/"helpUri": "([^"]+)"/g)].map((m) => m[1]!)
    assert.ok(uris.length > 0, 'SARIF names help URIs')
    for (const uri of new Set(uris.map((u) => u.replace(/#.*/, ''))))
      assert.ok(existsSync(fileURLToPath(uri)), `${uri} exists in the installed package`)

    // Node takes `--env-file` from anywhere on its command line: the installed mcp must keep it its own.
    writeFileSync(
      join(app, 'docker-compose.yml'),
      'services:\n  api:\n    image: x\n    labels:\n      mcp.service.name: api\n      mcp.service.port: ${PORT}\n      mcp.health.path: /health\n',
    )
    const missing = await exec(mcp, ['lint-labels', '--env-file', 'nope.env'], {
      cwd: app,
      env: userEnv(),
      timeout: 30_000,
    }).catch((error) => error)
    assert.equal(missing.code, 3, missing.stderr)
    assert.match(missing.stderr, /^mcp: nope\.env: no such file\n/)
    assert.doesNotMatch(missing.stderr, /node:/)
    // A file that exists is read by mcp (compose interpolation), not loaded into mcp's own environment.
    writeFileSync(join(app, 'prod.env'), 'PORT=8080\nDOCKER_HOST=tcp://127.0.0.1:1\n')
    const unset = await exec(mcp, ['lint-labels'], {cwd: app, env: userEnv(), timeout: 30_000}).catch((error) => error)
    assert.match(unset.stdout, /unresolved-variable/, 'without the env file, PORT is unset')
    const found = await exec(mcp, ['lint-labels', '--env-file', 'prod.env'], {
      cwd: app,
      env: userEnv(),
      timeout: 30_000,
    })
    assert.match(found.stdout, /no problems/)
  })
})
