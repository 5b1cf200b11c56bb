import assert from 'node:assert/strict'
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {ROOT, runCli, testEnv} from '../helpers/cli.js'
import {cleanupDocker, requireDocker, requireEtcd, runContainer, TEST_ETCD, uniqueName} from '../helpers/services.js'

const FIXTURES = join(ROOT, 'test/fixtures/config')
let dir: string

/** A schema-valid config with n routes, every route distinct and none shadowing another. */
export function bigConfig(n: number): Record<string, unknown> {
  const routes = Array.from({length: n}, (_, i) => ({
    name: `route-${i}`,
    match: {pathPrefix: `/svc-${i}/`, methods: ['GET', 'POST']},
    service: `svc-${i}`,
    timeout: '5s',
    retries: 2,
  }))
  return {
    version: 1,
    registry: {type: 'etcd', endpoints: ['http://127.0.0.1:2379'], ttl: '30s'},
    healthCheck: {interval: '10s', timeout: '2s'},
    routes,
  }
}

function toYaml(config: Record<string, unknown>): string {
  // Block-style YAML written by hand (no library), as people write gateway configs.
  const routes = (
    config.routes as {
      name: string
      match: {pathPrefix: string; methods: string[]}
      service: string
      timeout: string
      retries: number
    }[]
  )
    .map(
      (r) =>
        `  - name: ${r.name}\n    match:\n      pathPrefix: ${r.match.pathPrefix}\n      methods: [${r.match.methods.join(', ')}]\n    service: ${r.service}\n    timeout: ${r.timeout}\n    retries: ${r.retries}\n`,
    )
    .join('')
  return `# yaml-language-server: $schema=../schema/gateway.schema.json\nversion: 1\nregistry:\n  type: etcd\n  endpoints: [http://127.0.0.1:2379]\n  ttl: 30s\nhealthCheck:\n  interval: 10s\n  timeout: 2s\nroutes:\n${routes}`
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-lint-config-'))
  const w = (name: string, content: string | Buffer) => writeFileSync(join(dir, name), content)
  w('syntax.yaml', 'routes:\n  - match: {pathPrefix: /a\n    service: a\n')
  w('dupkey.yaml', 'version: 1\nhealthCheck:\n  interval: 5s\n  interval: 6s\n')
  w('dupkey.json', '{\n  "version": 1,\n  "version": 1\n}\n')
  w('syntax.json', '{\n  "version": 1,\n}\n')
  w(
    'bomb.yaml',
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
  )
  w('empty.yaml', '')
  w('comments.yaml', '# nothing here\n')
  w('binary.yaml', Buffer.from([0x76, 0x65, 0x72, 0x00, 0x01, 0x02]))
  w('latin1.yaml', Buffer.from('version: 1\nrouteName: caf\u00E9\n', 'latin1'))
  w('huge.yaml', 'version: 1\nrateLimit:\n  burst: 10\n' + `# ${'x'.repeat(98)}\n`.repeat(100_000))
  w('big.yaml', toYaml(bigConfig(5000)))
  w('big.json', JSON.stringify(bigConfig(5000), null, 2))
})

after(() => rmSync(dir, {recursive: true, force: true}))

const p = (name: string) => join(dir, name)

describe('mcp lint-config: bad input is one line per problem, exit 3, no stack', () => {
  const cases: [string, RegExp][] = [
    ['syntax.yaml', /syntax\.yaml:\d+:\d+/],
    ['dupkey.yaml', /dupkey\.yaml:4:3 .*duplicate key/],
    ['dupkey.json', /dupkey\.json:3:3 .*duplicate key/],
    ['syntax.json', /syntax\.json:3:1 /],
    ['bomb.yaml', /alias/],
    ['empty.yaml', /is empty/],
    ['comments.yaml', /contains no configuration/],
    ['binary.yaml', /binary file/],
    ['latin1.yaml', /not valid UTF-8/],
    ['missing.yaml', /no such file/],
  ]
  for (const [file, pattern] of cases) {
    test(file, async () => {
      const r = await runCli(['lint-config', '-o', 'github', p(file)])
      assert.equal(r.code, 3, r.stdout + r.stderr)
      const lines = r.stdout.trim().split('\n')
      assert.equal(lines.length, 1, r.stdout)
      assert.match(lines[0]!.replace(/,line=(\d+),col=(\d+)/, ':$1:$2 ').replace(/^::error file=/, ''), pattern)
      assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /)
    })
  }

  test('an unreadable file does not stop the others being checked', async () => {
    const r = await runCli(['lint-config', p('missing.yaml'), join(FIXTURES, 'split-weights-sum.yaml')])
    assert.equal(r.code, 3)
    assert.match(r.stdout, /no such file/)
    assert.match(r.stdout, /split-weights-sum/)
  })

  test('a 10 MB file is read and checked', async () => {
    const r = await runCli(['lint-config', p('huge.yaml')])
    assert.equal(r.code, 0, r.stdout + r.stderr)
  })

  for (const file of ['big.yaml', 'big.json']) {
    test(`a schema-valid ${file} with 5,000 routes passes in well under a second`, async () => {
      const started = performance.now()
      const r = await runCli(['lint-config', p(file)])
      const ms = performance.now() - started
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.match(r.stdout, /no problems/)
      assert.ok(ms < 1000, `took ${Math.round(ms)} ms`)
    })
  }
})

describe('mcp lint-config: findings, formats, exit codes', () => {
  test('stylish output: file:line:col, rule ids, hints; exit 1', async () => {
    const r = await runCli(['lint-config', join(FIXTURES, 'unknown-key.yaml')])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /3:1 +error +unknown key "health_check" +unknown-key/)
    assert.match(r.stdout, /did you mean "healthCheck"\?/)
  })

  test('a clean file exits 0; --fail-on warning turns warnings into exit 1', async () => {
    assert.equal((await runCli(['lint-config', join(FIXTURES, 'valid.yaml')])).code, 0)
    assert.equal((await runCli(['lint-config', join(FIXTURES, 'route-shadowed.yaml')])).code, 0)
    assert.equal((await runCli(['lint-config', '--fail-on', 'warning', join(FIXTURES, 'route-shadowed.yaml')])).code, 1)
  })

  test('every format renders; sarif and json parse', async () => {
    const file = join(FIXTURES, 'schema.yaml')
    const sarif = JSON.parse((await runCli(['lint-config', '-o', 'sarif', file])).stdout)
    assert.equal(sarif.runs[0].results.length, 4)
    assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine, 4)
    const json = JSON.parse((await runCli(['lint-config', '--json', file])).stdout)
    assert.equal(json.summary.errors, 4)
    assert.match((await runCli(['lint-config', '-o', 'junit', file])).stdout, /<testsuites/)
    assert.match(
      (await runCli(['lint-config', '-o', 'github', file])).stdout,
      /^::error file=.*schema\.yaml,line=4,col=13/m,
    )
  })

  test('--rule and .mcp.yaml change severities; an unknown --rule id is a usage error', async () => {
    const file = join(FIXTURES, 'split-weights-sum.yaml')
    assert.equal((await runCli(['lint-config', '--rule', 'split-weights-sum=warning', file])).code, 0)
    const project = mkdtempSync(join(tmpdir(), 'mcp-lint-config-project-'))
    try {
      writeFileSync(join(project, '.mcp.yaml'), 'rules:\n  split-weights-sum: off\n  some-labels-rule: off\n')
      const r = await runCli(['lint-config', file], {cwd: project})
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.match(r.stdout, /no problems/)
    } finally {
      rmSync(project, {recursive: true, force: true})
    }

    const bad = await runCli(['lint-config', '--rule', 'no-such-rule=off', file])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /unknown rule "no-such-rule"/)
  })

  test('--env-file resolves ${VAR}', async () => {
    writeFileSync(p('vars.env'), 'MCP_TEST_UNSET_LEASE_TTL=30s\n')
    const r = await runCli(['lint-config', '--env-file', p('vars.env'), join(FIXTURES, 'unresolved-variable.yaml')])
    assert.equal(r.code, 0, r.stdout)
    assert.match(r.stdout, /no problems/)
  })

  test('no file and no gateway.yaml here is a usage error', async () => {
    const r = await runCli(['lint-config'], {cwd: dir})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no config file given/)
  })

  test('standard input', async () => {
    const r = await runCli(['lint-config', '-'], {input: 'healthCheck:\n  interval: 5\n'})
    assert.equal(r.code, 1)
    assert.match(r.stdout, /<stdin>/)
    assert.match(r.stdout, /2:13 +error +healthCheck\.interval is the number 5/)
  })
})

describe('mcp lint-config: schema findings in words', () => {
  test('a pattern the value misses says what is wrong and the fix, as the label rules do', async () => {
    const file = join(dir, 'patterns.yaml')
    writeFileSync(
      file,
      'version: 1\nregistry:\n  prefix: services\ndiscovery:\n  labelPrefix: My_Prefix\nhealthCheck:\n  path: health\nroutes:\n  - match: {pathPrefix: /a}\n    service: User_API\n',
    )
    const r = await runCli(['lint-config', '--json', file])
    const found = (JSON.parse(r.stdout).findings as {message: string; hint?: string}[]).map((f) => [f.message, f.hint])
    assert.deepEqual(found, [
      ['registry.prefix "services" must start and end with \'/\'', 'write /services/'],
      [
        'discovery.labelPrefix "My_Prefix" is not a label prefix (lowercase letters and digits, joined by single . _ or -)',
        'e.g. my_prefix',
      ],
      ['healthCheck.path "health" does not start with \'/\'', 'write /health'],
      ['routes[0].service "User_API" is not a DNS label', 'use lowercase letters, digits and dashes, e.g. user-api'],
    ])
  })
})

describe('mcp lint-config --fix', () => {
  test('rewrites snake_case keys and loose durations in place, keeps comments, prints what changed', async () => {
    const file = p('fixme.yaml')
    writeFileSync(
      file,
      '# my gateway\nhealth_check:   # from the 2019 blog post\n  interval: 10 seconds\n  timeout: "2 sec"\ndiscovery:\n  fallback_timeout: 5s\n',
    )
    const r = await runCli(['lint-config', '--fix', file])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /fixed .*fixme\.yaml:2:1 +health_check → healthCheck/)
    assert.match(r.stdout, /"10 seconds" → 10s/)
    assert.equal(
      readFileSync(file, 'utf8'),
      '# my gateway\nhealthCheck:   # from the 2019 blog post\n  interval: 10s\n  timeout: "2s"\ndiscovery:\n  fallbackTimeout: 5s\n',
    )
  })

  test('writes an allowed value spelt another way (round-robin → round_robin); a typo is only suggested', async () => {
    const file = p('enum.yaml')
    writeFileSync(file, 'loadBalancer:\n  strategy: "round-robin"   # as in the docs\n')
    const r = await runCli(['lint-config', '--fix', file])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /fixed .*enum\.yaml:2:13 +"round-robin" → round_robin +schema/)
    assert.equal(readFileSync(file, 'utf8'), 'loadBalancer:\n  strategy: "round_robin"   # as in the docs\n')
    const typo = p('enum-typo.yaml')
    writeFileSync(typo, 'loadBalancer:\n  strategy: round_robbin\n')
    const t = await runCli(['lint-config', '--fix', typo])
    assert.equal(t.code, 1)
    assert.match(t.stdout, /did you mean "round_robin"\?/)
    assert.equal(readFileSync(typo, 'utf8'), 'loadBalancer:\n  strategy: round_robbin\n')
  })

  test('# mcp-ignore: suppresses a finding, and --fix leaves the suppressed value alone', async () => {
    const file = p('suppressed.yaml')
    const text =
      'loadBalancer:\n  # mcp-ignore: schema our gateway build accepts it\n  strategy: least-connections\nhealthCheck:\n  intreval: 5s   # mcp-ignore: unknwn-key\n'
    writeFileSync(file, text)
    const r = await runCli(['lint-config', '--fix', '--json', file])
    const found = (
      JSON.parse(r.stdout).findings as {ruleId: string; message: string; hint: string; location: {line: number}}[]
    ).map((f) => [f.location.line, f.ruleId, f.message, f.hint])
    assert.deepEqual(found, [
      [5, 'unknown-key', 'unknown key "intreval" in healthCheck', 'did you mean "interval"?'],
      [5, 'unused-suppression', 'mcp-ignore names an unknown rule "unknwn-key"', 'did you mean unknown-key?'],
    ])
    assert.equal(readFileSync(file, 'utf8'), text, 'nothing fixed')
  })

  test('leaves what is not mechanical, and a clean file untouched', async () => {
    const file = p('typo.yaml')
    const text = 'healthCheck:\n  intreval: 5s\n'
    writeFileSync(file, text)
    const r = await runCli(['lint-config', '--fix', file])
    assert.equal(r.code, 1)
    assert.equal(readFileSync(file, 'utf8'), text)
    assert.doesNotMatch(r.stdout, /fixed/)
  })

  test('JSON too', async () => {
    const file = p('fixme.json')
    copyFileSync(join(FIXTURES, 'valid.yaml'), p('unused.yaml'))
    writeFileSync(file, '{\n  "discovery": {"fallback_timeout": "5 secs"}\n}\n')
    const r = await runCli(['lint-config', '--fix', '--json', file])
    assert.equal(r.code, 0, r.stdout)
    assert.equal(JSON.parse(r.stdout).fixed[0].fixes.length, 2)
    assert.equal(readFileSync(file, 'utf8'), '{\n  "discovery": {"fallbackTimeout": "5s"}\n}\n')
  })
})

describe('mcp schema', () => {
  test('prints the published schema', async () => {
    const r = await runCli(['schema'])
    assert.equal(r.code, 0)
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(readFileSync(join(ROOT, 'schema/gateway.schema.json'), 'utf8')))
    assert.deepEqual(JSON.parse((await runCli(['schema', '--json'])).stdout), JSON.parse(r.stdout))
  })
})

describe('mcp lint-config --discover (real Docker and etcd)', () => {
  const prefix = uniqueName('lintcfg')
  const service = `${prefix}-svc`.toLowerCase()
  before(async () => {
    await requireDocker()
    await requireEtcd()
    await runContainer(`${prefix}-1`, {
      labels: {'mcp.service.name': service, 'mcp.service.port': '8080', 'mcp.service.version': 'v1'},
    })
  })
  after(() => cleanupDocker(prefix))

  test('a route to a service with no instances, a split to a version no instance carries', async () => {
    const file = p('live.yaml')
    mkdirSync(dir, {recursive: true})
    writeFileSync(
      file,
      `routes:\n  - match: {pathPrefix: /live}\n    service: ${service}\n    splits:\n      - {version: v1, weight: 90}\n      - {version: v2, weight: 10}\n  - match: {pathPrefix: /ghost}\n    service: ${service}-ghost\n`,
    )
    const r = await runCli(
      ['lint-config', '--discover', '--source', 'docker,etcd', '--registry-prefix', `/${prefix}/`, '--json', file],
      {env: testEnv()},
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const findings = JSON.parse(r.stdout).findings as {ruleId: string; message: string}[]
    assert.deepEqual(findings.map((f) => f.ruleId).sort(), ['route-service-no-instances', 'split-version-no-instances'])
    assert.match(findings.find((f) => f.ruleId === 'split-version-no-instances')!.message, /"v2" \(live: v1\)/)
    assert.ok(TEST_ETCD)
  })

  test("containers are listed under the config's discovery.labelPrefix", async () => {
    const labelPrefix = `${prefix}-labels`.toLowerCase()
    await runContainer(`${prefix}-2`, {
      labels: {[`${labelPrefix}.service.name`]: `${service}-p`, [`${labelPrefix}.service.port`]: '8080'},
    })
    const file = p('live-prefix.yaml')
    writeFileSync(
      file,
      `discovery:\n  labelPrefix: ${labelPrefix}\nroutes:\n  - match: {pathPrefix: /p}\n    service: ${service}-p\n`,
    )
    const r = await runCli(['lint-config', '--discover', '--source', 'docker', '--json', file])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.deepEqual(JSON.parse(r.stdout).findings, [])
  })

  test('an unreachable etcd makes the answer partial (exit 4), Docker still answers', async () => {
    const r = await runCli([
      'lint-config',
      '--discover',
      '--source',
      'docker,etcd',
      '--etcd-endpoints',
      'http://127.0.0.1:1',
      '--timeout',
      '1s',
      join(FIXTURES, 'valid.yaml'),
    ])
    assert.equal(r.code, 4, r.stdout + r.stderr)
    assert.match(r.stderr, /etcd/)
  })
})
