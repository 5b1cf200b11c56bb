import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {ROOT, runCli, testEnv} from '../helpers/cli.js'
import {cleanupDocker, docker, requireDocker, runContainer, uniqueName} from '../helpers/services.js'
import {GOLDEN_FIXTURE, goldenPath, normalizeOutput} from '../unit/report/golden.js'

const F = 'test/fixtures/labels'
const lint = (args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}) =>
  runCli(['lint-labels', ...args], {cwd: options.cwd, env: testEnv(options.env)})

function tempProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-lint-labels-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

describe('lint-labels output', () => {
  for (const format of ['stylish', 'json', 'sarif', 'github', 'junit', 'checkstyle', 'gitlab']) {
    test(`--format ${format} prints the pinned output and exits 1 (errors)`, async () => {
      const r = await lint(['-f', GOLDEN_FIXTURE, '--format', format])
      assert.equal(r.stderr, '')
      assert.equal(normalizeOutput(r.stdout, ROOT), readFileSync(join(ROOT, goldenPath(format)), 'utf8'))
      assert.equal(r.code, 1)
    })
  }

  test('--json returns the object the json format prints', async () => {
    const a = await lint(['-f', GOLDEN_FIXTURE, '--json'])
    const b = await lint(['-f', GOLDEN_FIXTURE, '--format', 'json'])
    assert.deepEqual(JSON.parse(a.stdout), JSON.parse(b.stdout))
    assert.equal(a.code, 1)
  })
})

describe('lint-labels exit codes', () => {
  test('3: a file that is not what it was named as (a mistyped path must not pass in CI)', async () => {
    const dir = tempProject({
      'gateway.yaml': 'routes:\n  - path: /api\n    service: api\n',
      'hello.yaml': 'hello: world\n',
      'empty-services.yaml': 'services: {}\n',
      'docker-compose.yml': 'services:\n  api:\n    image: x\n',
      Dockerfile: '# syntax=docker/dockerfile:1\nARG V=1\nFROM busybox\n',
    })
    for (const args of [
      ['-f', 'gateway.yaml'],
      ['-f', 'hello.yaml'],
    ]) {
      const r = await lint(args, {cwd: dir})
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stdout}`)
      assert.match(r.stdout, new RegExp(`${args[1]}\\n.*error +not a compose file \\(no services:\\)`))
    }

    const notDockerfile = await lint(['--dockerfile', 'docker-compose.yml'], {cwd: dir})
    assert.equal(notDockerfile.code, 3, notDockerfile.stdout)
    assert.match(notDockerfile.stdout, /not a Dockerfile \(no FROM\)/)
    // A compose file with no services yet, and a Dockerfile with an ARG before FROM, are what they say.
    const fine = await lint(['-f', 'empty-services.yaml', '--dockerfile', 'Dockerfile'], {cwd: dir})
    assert.equal(fine.code, 0, fine.stdout)
  })

  test("--help shows only the connection flags lint-labels reads (Docker's, not etcd's or Consul's)", async () => {
    const r = await lint(['--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /--docker-host/)
    assert.match(r.stdout, /--label-prefix/)
    assert.doesNotMatch(r.stdout, /--etcd-|--consul-addr|--registry-prefix/)
  })

  test('# mcp-ignore: suppresses a finding on or below it; an unused or unknown one is reported', async () => {
    const dir = tempProject({
      'compose.yaml': [
        'services:',
        '  api:',
        '    image: x',
        '    labels:',
        '      mcp.service.name: api',
        '      mcp.service.port: "8080"',
        '      # mcp-ignore: unknown-key read by the old gateway',
        '      mcp.servcie.version: "1"',
        '      mcp.health.path: /health   # mcp-ignore: health-path-missing nothing here',
        '',
      ].join('\n'),
      Dockerfile:
        'FROM busybox\n# mcp-ignore: service-port-missing, health-path-mising base image\nLABEL mcp.service.name=base \\\n      mcp.health.path=/h\n',
    })
    const r = await lint(['-f', 'compose.yaml', '--dockerfile', 'Dockerfile', '--json'], {cwd: dir})
    const found = (
      JSON.parse(r.stdout).findings as {ruleId: string; message: string; location: {file: string; line: number}}[]
    ).map((f) => `${f.location.file}:${f.location.line} ${f.ruleId} ${f.message}`)
    assert.deepEqual(found.sort(), [
      'Dockerfile:2 unused-suppression mcp-ignore names an unknown rule "health-path-mising"',
      'compose.yaml:9 unused-suppression mcp-ignore: health-path-missing suppresses nothing here',
    ])
    assert.equal(r.code, 0)
    const off = await lint(['-f', 'compose.yaml', '--dockerfile', 'Dockerfile', '--rule', 'unused-suppression=off'], {
      cwd: dir,
    })
    assert.equal(off.stdout, '✔ no problems\n')
  })

  test('3: a missing --env-file is named as written', async () => {
    const dir = tempProject({'docker-compose.yml': 'services:\n  api:\n    image: x\n'})
    const r = await lint(['--env-file', 'nope.env'], {cwd: dir})
    assert.equal(r.code, 3)
    assert.equal(r.stderr, 'mcp: nope.env: no such file\n  hint: check the path\n')
  })

  test('0: clean files', async () => {
    const r = await lint(['-f', `${F}/compose/clean.yaml`, '--dockerfile', `${F}/dockerfile/clean.Dockerfile`])
    assert.equal(r.stdout, '✔ no problems\n')
    assert.equal(r.code, 0)
  })

  test('warnings: 0 by default, 1 with --fail-on warning or over --max-warnings', async () => {
    const file = `${F}/compose/unknown-key.yaml`
    assert.equal((await lint(['-f', file])).code, 0)
    assert.equal((await lint(['-f', file, '--fail-on', 'warning'])).code, 1)
    // Exit 1 with output that looks like a pass would leave the reader guessing: say why, as ESLint does.
    const over = await lint(['-f', file, '--max-warnings', '1'])
    assert.equal(over.code, 1)
    assert.equal(over.stderr, 'mcp: too many warnings (2, maximum 1)\n')
    const within = await lint(['-f', file, '--max-warnings', '2'])
    assert.equal(within.code, 0)
    assert.equal(within.stderr, '')
    const config = await runCli(
      ['lint-config', '--max-warnings', '0', '-o', 'json', join(ROOT, 'test/fixtures/config/route-shadowed.yaml')],
      {env: testEnv()},
    )
    assert.equal(config.code, 1)
    assert.equal(config.stderr, 'mcp: too many warnings (2, maximum 0)\n')
    assert.equal(JSON.parse(config.stdout).summary.warnings, 2, 'stdout stays the document')
  })

  test('1 → 0 when the rule is turned off with --rule; --fail-on none', async () => {
    const file = `${F}/compose/service-port-invalid.yaml`
    assert.equal((await lint(['-f', file])).code, 1)
    assert.equal((await lint(['-f', file, '--rule', 'service-port-invalid=off'])).code, 0)
    const warn = await lint(['-f', file, '--rule', 'service-port-invalid=warning', '--format', 'json'])
    assert.deepEqual(JSON.parse(warn.stdout).summary, {errors: 0, warnings: 2, infos: 0, inputErrors: 0})
    assert.equal(warn.code, 0)
    assert.equal((await lint(['-f', file, '--fail-on', 'none'])).code, 0)
  })

  test('.mcp.yaml rules: change severities; --rule wins', async () => {
    const dir = tempProject({
      'compose.yaml': readFileSync(join(ROOT, F, 'compose/service-port-invalid.yaml'), 'utf8'),
      '.mcp.yaml': 'rules:\n  service-port-invalid: info\n  some-doctor-code: off\n',
    })
    assert.equal((await lint([], {cwd: dir})).code, 0)
    assert.equal((await lint(['--rule', 'service-port-invalid=error'], {cwd: dir})).code, 1)
    writeFileSync(join(dir, '.mcp.yaml'), 'rules:\n  service-port-invalid: loud\n')
    const bad = await lint([], {cwd: dir})
    assert.equal(bad.code, 3)
    assert.match(bad.stderr, /rules\.service-port-invalid: "loud" is not off, info, warning or error/)
  })

  test('3: a file that cannot be read or parsed; the others still checked, one line each, no stack', async () => {
    // The -f files are one compose project (compose refuses it whole); the Dockerfile is still checked.
    const r = await lint([
      '-f',
      `${F}/bad/invalid.yaml`,
      '-f',
      `${F}/bad/missing.yaml`,
      '--dockerfile',
      `${F}/dockerfile/service-port-invalid.Dockerfile`,
    ])
    assert.equal(r.code, 3)
    assert.match(r.stdout, /bad\/invalid\.yaml\n {2}4:1 +error +Flow sequence in block collection/)
    assert.match(r.stdout, /bad\/missing\.yaml\n {2}1:1 +error +no such file/)
    assert.match(r.stdout, /out of range 1-65535/)
    assert.doesNotMatch(r.stdout + r.stderr, /\bat .*\.js:\d+/)
  })

  test('3: what compose or BuildKit refuses: ${VAR:?msg} unset, LABEL key without a value', async () => {
    const required = await lint(['-f', 'test/fixtures/compose-model/interpolation/required.yaml'])
    assert.equal(required.code, 3)
    assert.match(
      required.stdout,
      /5:25 +error +required variable PORT is missing a value: set PORT to the service port +input-error/,
    )
    assert.doesNotMatch(
      (await lint(['-f', 'test/fixtures/compose-model/interpolation/required.yaml'], {env: {PORT: '8080'}})).stdout,
      /input-error/,
    )
    const dir = mkdtempSync(join(tmpdir(), 'mcp-df-'))
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nLABEL mcp.service.port\n')
    const refused = await lint(['--dockerfile', join(dir, 'Dockerfile')])
    assert.equal(refused.code, 3)
    assert.match(refused.stdout, /2:7 +error +LABEL: LABEL must have two arguments/)
  })

  test('--compose-profile and COMPOSE_PROFILES: services of other profiles are not judged', async () => {
    const file = 'test/fixtures/compose-model/profiles/compose.yaml'
    assert.doesNotMatch((await lint(['-f', file])).stdout, /service-conflict/)
    assert.match((await lint(['-f', file, '--compose-profile', 'debug'])).stdout, /service-conflict/)
    assert.match((await lint(['-f', file], {env: {COMPOSE_PROFILES: 'debug'}})).stdout, /service-conflict/)
  })

  test('an input read only in part says so in one warning line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-inline-'))
    writeFileSync(
      join(dir, 'compose.yaml'),
      'services:\n  api:\n    build:\n      dockerfile_inline: "FROM scratch"\n    labels: {mcp.service.name: api, mcp.service.port: "80", mcp.health.path: /h}\n',
    )
    const r = await lint(['-f', join(dir, 'compose.yaml')])
    assert.match(
      r.stderr,
      /^mcp: warning: .*compose\.yaml:4:26: build\.dockerfile_inline is not read; the LABELs and EXPOSEs of service api's image are not checked$/m,
    )
  })

  test('2: bad flags', async () => {
    const unknownRule = await lint(['-f', `${F}/compose/clean.yaml`, '--rule', 'no-such-rule=off'])
    assert.equal(unknownRule.code, 2)
    assert.match(unknownRule.stderr, /unknown rule "no-such-rule"/)
    assert.equal((await lint(['-f', `${F}/compose/clean.yaml`, '--rule', 'unknown-key=loud'])).code, 2)
    assert.equal((await lint(['-f', `${F}/compose/clean.yaml`, '--format', 'xml'])).code, 2)
    assert.equal((await lint(['-f', `${F}/compose/clean.yaml`, '--label-prefix', 'Bad Prefix'])).code, 2)
  })

  test('2: no compose file found and nothing named', async () => {
    const dir = tempProject({'README.md': 'x'})
    const r = await lint([], {cwd: dir})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no compose file in .*looked for compose\.yaml/)
  })

  test('default discovery, --env-file and --label-prefix', async () => {
    const dir = tempProject({
      'docker-compose.yml':
        'services:\n  a:\n    image: x\n    labels:\n      gw.service.name: ${NAME}\n      gw.service.port: "80"\n      gw.health.path: /h\n    expose: ["80"]\n',
      'prod.env': 'NAME=Not_A_Label\n',
    })
    assert.equal((await lint(['--label-prefix', 'gw'], {cwd: dir, env: {NAME: 'api'}})).code, 0)
    const r = await lint(['--label-prefix', 'gw', '--env-file', 'prod.env', '--format', 'github'], {cwd: dir})
    assert.equal(r.code, 1)
    assert.match(
      r.stdout,
      /^::error file=docker-compose\.yml,line=5,col=24,title=service-name-format::gw\.service\.name "Not_A_Label"/,
    )
  })

  test('5: --docker alone and Docker does not answer; 4: files were checked', async () => {
    const env = {DOCKER_HOST: 'unix:///nonexistent/docker.sock'}
    const alone = await lint(['--docker'], {env})
    assert.equal(alone.code, 5)
    assert.equal(alone.stdout, '')
    assert.match(alone.stderr, /Docker did not answer: socket not found/)
    const partial = await lint(['--docker', '-f', `${F}/compose/clean.yaml`], {env})
    assert.equal(partial.code, 4)
  })
})

describe('lint-labels --docker on the real engine', () => {
  const prefix = uniqueName('labels')
  const net = `${prefix}-net`

  before(async () => {
    await requireDocker()
    // The default bridge may be unavailable; a network of our own also gives the network rule something to check.
    await docker(['network', 'create', net])
    await Promise.all([
      runContainer(`${prefix}-a-good`, {
        network: net,
        labels: {
          'mcp.service.name': `${prefix}-good`,
          'mcp.service.port': '8080',
          'mcp.health.path': '/health',
          'mcp.service.network': net,
        },
      }),
      runContainer(`${prefix}-b-bad`, {
        network: net,
        labels: {
          'mcp.service.name': `${prefix}-good`,
          'mcp.service.port': '9090',
          'mcp.servcie.version': '1.0.0',
          'mcp.service.network': 'elsewhere',
          'mcp.health.path': '/health',
        },
      }),
      runContainer(`${prefix}-c-noport`, {
        network: net,
        labels: {'mcp.service.name': `${prefix}-x`, 'mcp.health.path': 'health'},
      }),
    ])
  })

  after(async () => {
    await cleanupDocker(prefix)
  })

  test('findings for labeled containers, located by container', async () => {
    const r = await lint(['--docker', '--json'])
    const {findings} = JSON.parse(r.stdout) as {
      findings: {ruleId: string; location: {kind: string; container: string}; instance?: string}[]
    }
    const mine = findings.filter((f) => f.location?.kind === 'container' && f.location.container.startsWith(prefix))
    const by = (name: string) =>
      mine
        .filter((f) => f.location.container === `${prefix}-${name}`)
        .map((f) => f.ruleId)
        .sort()
    assert.deepEqual(by('a-good'), [])
    // The same service name as a-good with another port: reported at the second container by name.
    assert.deepEqual(by('b-bad'), [
      'service-conflict',
      'service-network-unknown',
      'service-port-not-exposed',
      'unknown-key',
    ])
    assert.deepEqual(by('c-noport'), ['health-path-invalid', 'service-port-missing'])
    assert.ok([0, 1].includes(r.code ?? -1))
  })

  test('stylish groups by container; files and containers together', async () => {
    const r = await lint(['--docker', '-f', `${F}/compose/clean.yaml`, '--format', 'stylish'])
    const group = r.stdout.split('\n\n').find((g) => g.startsWith(`container ${prefix}-c-noport\n`))
    assert.ok(group, r.stdout)
    // Named once, by the heading: not again in a column and in the message of every row.
    assert.match(group, /\n {2}error +has mcp\.\* labels but no mcp\.service\.port +service-port-missing\n/)
    assert.equal(group.split(`${prefix}-c-noport`).length - 1, 1, group)
    assert.match(r.stdout, /\d+ problems? \(/)
    assert.equal(r.code, 1)
  })
})
