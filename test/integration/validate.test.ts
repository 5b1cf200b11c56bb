import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'
import {parse} from 'yaml'

import {CLI, ROOT, runCli, testEnv} from '../helpers/cli.js'

const exec = promisify(execFile)
const FIXTURES = join(ROOT, 'test/fixtures/validate')

describe('mcp validate', () => {
  test('a clean project: exit 0', async () => {
    const r = await runCli(['validate', join(FIXTURES, 'good')])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /no problems/)
  })

  test('label and config findings in one report, one exit code', async () => {
    const r = await runCli(['validate', '--json', join(FIXTURES, 'bad')])
    assert.equal(r.code, 1)
    const out = JSON.parse(r.stdout)
    const ids = out.findings.map((f: {ruleId: string}) => f.ruleId)
    assert.ok(ids.includes('service-port-invalid'), ids.join(','))
    assert.ok(ids.includes('unknown-key'), ids.join(','))
    assert.equal(out.checked.compose.length, 1)
    assert.equal(out.checked.configs.length, 1)
  })

  test('every format; SARIF carries both rule sets', async () => {
    const sarif = JSON.parse((await runCli(['validate', '-o', 'sarif', join(FIXTURES, 'bad')])).stdout)
    const ruleIds = sarif.runs[0].tool.driver.rules.map((r: {id: string}) => r.id)
    assert.ok(ruleIds.includes('service-port-invalid') && ruleIds.includes('split-weights-sum'))
    assert.equal(new Set(ruleIds).size, ruleIds.length, 'rule ids are unique in the SARIF table')
    for (const format of ['stylish', 'github', 'junit', 'json']) {
      const r = await runCli(['validate', '-o', format, join(FIXTURES, 'bad')])
      assert.equal(r.code, 1, format)
    }
  })

  test('an unreadable config is exit 3 while the compose file is still checked', async () => {
    const r = await runCli([
      'validate',
      '--config',
      join(FIXTURES, 'missing-gateway.yaml'),
      join(FIXTURES, 'bad', 'compose.yaml'),
    ])
    assert.equal(r.code, 3)
    assert.match(r.stdout, /no such file/)
    assert.match(r.stdout, /service-port-invalid/)
  })

  test('a named file that is not YAML or JSON is "not a gateway config", exit 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-validate-'))
    writeFileSync(
      join(dir, 'server.js'),
      'const http = require("http")\nhttp.createServer((q, s) => s.end("ok")).listen(8080)\n',
    )
    writeFileSync(join(dir, 'app.js'), 'const a = {b: 1}\nconsole.log(a)\n')
    for (const file of ['server.js', 'app.js']) {
      const r = await runCli(['validate', file], {cwd: dir})
      assert.equal(r.code, 3, r.stdout)
      assert.match(r.stdout, /error +not a gateway config \(/)
    }
  })

  test('nothing to validate is a usage error', async () => {
    const r = await runCli(['validate', join(ROOT, 'docs')])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /nothing to validate/)
  })

  test('--rule reaches both halves', async () => {
    const r = await runCli([
      'validate',
      '--rule',
      'service-port-invalid=off',
      '--rule',
      'unknown-key=off',
      join(FIXTURES, 'bad'),
    ])
    assert.equal(r.code, 0, r.stdout)
  })
})

describe('action.yml (composite GitHub Action)', () => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'))
  const step = action.runs.steps.find((s: {id?: string}) => s.id === 'validate')

  test('is a composite action whose step reads only declared inputs', () => {
    assert.equal(action.runs.using, 'composite')
    for (const value of Object.values(step.env) as string[]) {
      const m = /\$\{\{ inputs\.([\w-]+) \}\}/.exec(value)
      if (m) assert.ok(m[1]! in action.inputs, `input ${m[1]} is not declared`)
    }
  })

  test("exports no input under a name the CLI reads as a setting of its own (MCP_CONFIG is .mcp.yaml's path)", () => {
    const own = new Set([
      'MCP_CONFIG',
      'MCP_PROFILE',
      'MCP_TIMEOUT',
      'MCP_LABEL_PREFIX',
      'MCP_REGISTRY_PREFIX',
      'MCP_DEBUG',
    ])
    for (const name of Object.keys(step.env)) assert.ok(!own.has(name), `${name} is read by mcp itself`)
  })

  /** Run the action's validate step as GitHub would, with inputs as its env block maps them. */
  async function runStep(inputs: Record<string, string>, cwd: string) {
    const env: Record<string, string> = {...(testEnv() as Record<string, string>)}
    for (const [name, value] of Object.entries(step.env) as [string, string][]) {
      const input = /\$\{\{ inputs\.([\w-]+) \}\}/.exec(value)?.[1]
      env[name] = input
        ? (inputs[input] ?? action.inputs[input].default)
        : value.replace('${{ github.action_path }}/', ROOT)
    }

    assert.equal(env.MCP_BIN, CLI)
    try {
      const {stdout} = await exec('bash', ['-c', step.run], {cwd, env, timeout: 60_000})
      return {code: 0, stdout}
    } catch (error) {
      const e = error as {code: number; stdout: string}
      return {code: e.code, stdout: e.stdout}
    }
  }

  test('annotates findings and fails on a bad project, passes a good one', async () => {
    const bad = await runStep({}, join(FIXTURES, 'bad'))
    assert.equal(bad.code, 1)
    assert.match(bad.stdout, /^::error file=gateway\.yaml,line=3,col=1/m)
    const good = await runStep({paths: 'good'}, FIXTURES)
    assert.equal(good.code, 0, good.stdout)
  })

  test('writes SARIF when asked, and fail-on none passes', async () => {
    const sarifPath = join(ROOT, 'test-output', `action-${process.pid}.sarif`)
    await exec('mkdir', ['-p', join(ROOT, 'test-output')])
    const r = await runStep({'fail-on': 'none', 'sarif-file': sarifPath}, join(FIXTURES, 'bad'))
    assert.equal(r.code, 0)
    assert.equal(JSON.parse(readFileSync(sarifPath, 'utf8')).version, '2.1.0')
  })
})

describe('.pre-commit-hooks.yaml', () => {
  const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as {
    id: string
    entry: string
    files: string
    pass_filenames: boolean
  }[]
  const fixtureFiles = (dir: string) =>
    readdirSync(join(FIXTURES, dir)).map((f) => `test/fixtures/validate/${dir}/${f}`)

  for (const hook of hooks) {
    test(`${hook.id}: runs its entry on the files it matches`, async () => {
      assert.match(hook.entry, /^mcp /)
      const files = new RegExp(hook.files)
      const args = hook.entry.split(' ').slice(1)
      const good = fixtureFiles('good').filter((f) => files.test(f))
      const bad = fixtureFiles('bad').filter((f) => files.test(f))
      assert.ok(good.length > 0 && bad.length > 0, `${hook.id} matches no fixture`)
      assert.ok(!files.test('README.md') && !files.test('src/index.ts'))
      assert.equal((await runCli([...args, ...good])).code, 0)
      assert.equal((await runCli([...args, ...bad])).code, 1)
    })
  }
})
