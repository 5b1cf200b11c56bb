import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'
import {promisify} from 'node:util'

import {ROOT} from '../helpers/cli.js'

const exec = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'mcp-pack-'))
after(() => rmSync(dir, {recursive: true, force: true}))

/** What a user's shell has: no dev tools on PATH beyond node and npm, no config, no colour. */
function userEnv(): NodeJS.ProcessEnv {
  return {PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache'), npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? dir, '.npm')}
}

describe('npm pack → install into an empty directory → run', () => {
  test('the packed package installs without dev dependencies and answers --help', {timeout: 400_000}, async () => {
    // The suite runs after `npm run build`: dist/ and oclif.manifest.json are current.
    const {stdout: packed} = await exec('npm', ['pack', '--json', '--pack-destination', dir], {cwd: ROOT, timeout: 170_000})
    const [{filename, files}] = JSON.parse(packed) as {filename: string; files: {path: string}[]}[]
    const paths = files.map((f) => f.path)
    for (const needed of ['bin/run.js', 'dist/root-help.txt', 'dist/version.txt', 'oclif.manifest.json', 'dist/commands/discover.js', 'dist/hooks/command-not-found.js']) {
      assert.ok(paths.includes(needed), `${needed} is in the package`)
    }
    assert.ok(!paths.some((p) => p.startsWith('test/') || p.startsWith('src/') || p === 'bin/dev.js'), 'no sources, tests or the tsx dev runner')

    const app = join(dir, 'app')
    mkdirSync(app)
    await exec('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', join(dir, filename!)], {cwd: app, env: userEnv(), timeout: 150_000})
    const modules = readdirSync(join(app, 'node_modules'))
    for (const dev of ['typescript', 'tsx', 'oclif', 'playwright-core', 'fast-check']) assert.ok(!modules.includes(dev), `${dev} (a dev dependency) is not installed`)

    const mcp = join(app, 'node_modules', '.bin', 'mcp')
    assert.ok(existsSync(mcp))
    const help = await exec(mcp, ['--help'], {cwd: app, env: userEnv(), timeout: 30_000})
    assert.match(help.stdout, /^Operate and troubleshoot/)
    assert.match(help.stdout, /\n {2}discover /)
    assert.doesNotMatch(help.stdout, /\{\{runtime\}\}/)
    // Through oclif proper: the manifest, the command module and its runtime dependencies.
    const discover = await exec(mcp, ['discover', '--help'], {cwd: app, env: userEnv(), timeout: 30_000})
    assert.match(discover.stdout, /\$ mcp discover/)
    assert.match(discover.stdout, /EXAMPLES\n {2}\$ mcp discover\n/)
    const version = await exec(mcp, ['--version'], {cwd: app, env: userEnv(), timeout: 30_000})
    assert.match(version.stdout, /^mcp-cli\/\d+\.\d+\.\d+ /)

    // Node takes `--env-file` from anywhere on its command line: the installed mcp must keep it its own.
    writeFileSync(join(app, 'docker-compose.yml'), 'services:\n  api:\n    image: x\n    labels:\n      mcp.service.name: api\n      mcp.service.port: ${PORT}\n      mcp.health.path: /health\n')
    const missing = await exec(mcp, ['lint-labels', '--env-file', 'nope.env'], {cwd: app, env: userEnv(), timeout: 30_000}).catch((e) => e)
    assert.equal(missing.code, 3, missing.stderr)
    assert.match(missing.stderr, /^mcp: nope\.env: no such file\n/)
    assert.doesNotMatch(missing.stderr, /node:/)
    // A file that exists is read by mcp (compose interpolation), not loaded into mcp's own environment.
    writeFileSync(join(app, 'prod.env'), 'PORT=8080\nDOCKER_HOST=tcp://127.0.0.1:1\n')
    const unset = await exec(mcp, ['lint-labels'], {cwd: app, env: userEnv(), timeout: 30_000}).catch((e) => e)
    assert.match(unset.stdout, /unresolved-variable/, 'without the env file, PORT is unset')
    const found = await exec(mcp, ['lint-labels', '--env-file', 'prod.env'], {cwd: app, env: userEnv(), timeout: 30_000})
    assert.match(found.stdout, /no problems/)
  })
})
