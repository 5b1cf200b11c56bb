import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {Finding} from '../../../src/report/findings/index.js'

import {CONFIG_RULE_METAS, CONFIG_RULES, lintConfigDocument} from '../../../src/config/index.js'
import {lintConfigSource} from '../../../src/config/lint.js'
import {parseConfigSource} from '../../../src/config/source.js'

/**
 * What each config rule says in the cases its fixtures do not reach (found by mutation testing,
 * docs/mutation.md): every branch of the schema messages, the hints with their fixes, the edges of the
 * duration and route rules. Through lintConfigDocument only, so the tests hold whatever shape a rule has.
 */
const lintResult = (text: string, options = {}) =>
  lintConfigDocument({path: 'gateway.yaml', text, hadBom: false}, {vars: {}, ...options})
const lint = (text: string, options = {}) => lintResult(text, options).findings
const of = (rule: string, text: string, options = {}) => lint(text, options).filter((f) => f.ruleId === rule)
const at = (f: Finding | undefined) => (f?.location?.kind === 'file' ? [f.location.line, f.location.column] : undefined)
/** message | hint of each finding of a rule, in order. */
const said = (rule: string, text: string, options = {}) =>
  of(rule, text, options).map((f) => `${f.message} | ${f.hint ?? '-'}`)

describe('schema findings, one per keyword', () => {
  test('a wrong type names the expected type and the value given, in words', () => {
    const text =
      'healthCheck:\n  enabled: yes please\n  healthyThreshold: null\n  unhealthyThreshold: true\n  path: [a]\n' +
      'retry: {maxRetries: {a: 1}}\n'
    assert.deepEqual(said('schema', text).sort(), [
      'healthCheck.enabled must be boolean, not string "yes please" | -',
      'healthCheck.healthyThreshold must be integer, not null | -',
      'healthCheck.path must be string, not a list | -',
      'healthCheck.unhealthyThreshold must be integer, not boolean true | -',
      'retry.maxRetries must be integer, not a mapping | -',
    ])
  })
  test('a value of several allowed types lists them all', () => {
    assert.deepEqual(said('schema', 'discovery:\n  metadata:\n    a: [1]\n'), [
      'discovery.metadata.a must be string, number, or boolean, not a list | -',
    ])
  })
  test('an enum value names the allowed ones; a number gets no guess', () => {
    const allowed = '"round_robin", "least_connections", "weighted_response_time", "ip_hash", "consistent_hash"'
    assert.deepEqual(said('schema', 'loadBalancer:\n  strategy: 5\n'), [
      `loadBalancer.strategy is 5; expected one of ${allowed} | -`,
    ])
    assert.deepEqual(said('schema', 'loadBalancer:\n  strategy: zzzzzzzzzz\n'), [
      `loadBalancer.strategy is "zzzzzzzzzz"; expected one of ${allowed} | -`,
    ])
    assert.deepEqual(said('schema', 'version: 2\n'), ['version is 2; expected one of 1, "1" | -'])
  })
  test('an enum value in another spelling is fixed, a typo only suggested', () => {
    const r = lintResult('loadBalancer:\n  strategy: RoundRobin\n')
    assert.equal(r.findings[0]?.hint, 'did you mean "round_robin"? (mcp lint-config --fix writes it)')
    assert.deepEqual(
      r.fixes.map((f) => [f.ruleId, f.text, f.description, f.line, f.column]),
      [['schema', 'round_robin', '"RoundRobin" → round_robin', 2, 13]],
    )
    const typo = lintResult('loadBalancer:\n  strategy: ip_hsah\n')
    assert.equal(typo.findings[0]?.hint, 'did you mean "ip_hash"?')
    assert.deepEqual(typo.fixes, [])
  })
  test('a missing key: the config at the top level, the path below it', () => {
    assert.deepEqual(said('schema', 'routes:\n  - service: api\n'), ['routes[0] is missing required key "match" | -'])
    assert.deepEqual(said('schema', 'registry:\n  consul: {}\n'), [])
  })
  test('anyOf names every branch', () => {
    assert.deepEqual(said('schema', 'routes:\n  - match: {}\n    service: a\n'), [
      'routes[0].match needs "path" or "pathPrefix" | -',
    ])
    assert.deepEqual(said('schema', 'routes:\n  - match: {pathPrefix: /a}\n    splits:\n      - {weight: 100}\n'), [
      'routes[0].splits[0] needs "service" or "version" | -',
    ])
    assert.deepEqual(said('schema', 'routes:\n  - match: {pathPrefix: /a}\n'), [
      'routes[0] needs "service" or "splits" | -',
    ])
  })
  test('keys that go together', () => {
    const [f] = of('schema', 'tls:\n  keyFile: /dev/null\n')
    assert.equal(
      `${f?.message} | ${f?.hint}`,
      'tls sets "keyFile" but not "certFile" | keyFile and certFile go together',
    )
    assert.deepEqual(at(f), [2, 3])
  })
  test('the same item twice', () => {
    assert.deepEqual(
      said('schema', 'routes:\n  - match: {pathPrefix: /a, methods: [GET, PUT, GET]}\n    service: a\n'),
      ['routes[0].match.methods lists the same item twice (items 0 and 2) | -'],
    )
  })
  test('other keywords: ajv words, and the value when it is a scalar', () => {
    assert.deepEqual(said('schema', 'routes:\n  - name: ""\n    match: {pathPrefix: /a}\n    service: a\n'), [
      'routes[0].name must NOT have fewer than 1 characters, not "" | -',
    ])
    assert.deepEqual(said('schema', 'registry:\n  endpoints: []\n'), [
      'registry.endpoints must NOT have fewer than 1 items | -',
    ])
  })
  test('the evidence names the keyword and the schema path; the finding points at the value', () => {
    const [f] = of('schema', 'healthCheck:\n  healthyThreshold: 0\n')
    assert.deepEqual(f?.evidence, {
      keyword: 'minimum',
      schemaPath: '#/properties/healthCheck/properties/healthyThreshold/minimum',
    })
    assert.deepEqual(at(f), [2, 21])
    assert.equal(f?.severity, 'error')
  })
})

describe('schema patterns in words', () => {
  test('a path that does not start with /', () => {
    assert.deepEqual(said('schema', 'healthCheck:\n  path: health\n'), [
      'healthCheck.path "health" does not start with \'/\' | write /health',
    ])
    assert.deepEqual(said('schema', 'healthCheck:\n  path: http://x:8/hz?a=1\n'), [
      'healthCheck.path "http://x:8/hz?a=1" does not start with \'/\' | write only the path: /hz?a=1',
    ])
    assert.deepEqual(said('schema', 'healthCheck:\n  path: HTTPS://x\n'), [
      'healthCheck.path "HTTPS://x" does not start with \'/\' | write only the path: /',
    ])
    // Not a URL: a scheme needs letters only, and a host.
    assert.deepEqual(said('schema', 'healthCheck:\n  path: h2c+x://x/a\n'), [
      'healthCheck.path "h2c+x://x/a" does not start with \'/\' | write /h2c+x://x/a',
    ])
    assert.deepEqual(said('schema', 'healthCheck:\n  path: "http:///a"\n'), [
      'healthCheck.path "http:///a" does not start with \'/\' | write /http:///a',
    ])
    assert.deepEqual(said('schema', 'healthCheck:\n  path: " http://x/a"\n'), [
      'healthCheck.path " http://x/a" does not start with \'/\' | write / http://x/a',
    ])
  })
  test('a prefix that must start and end with /', () => {
    assert.deepEqual(said('schema', 'registry:\n  prefix: mcp\n'), [
      'registry.prefix "mcp" must start and end with \'/\' | write /mcp/',
    ])
    assert.deepEqual(said('schema', 'registry:\n  prefix: "//a/b//"\n'), [])
    assert.deepEqual(said('schema', 'registry:\n  prefix: "a/b//"\n'), [
      'registry.prefix "a/b//" must start and end with \'/\' | write /a/b/',
    ])
    assert.deepEqual(said('schema', 'registry:\n  prefix: "//a/b"\n'), [
      'registry.prefix "//a/b" must start and end with \'/\' | write /a/b/',
    ])
    assert.deepEqual(said('schema', 'registry:\n  prefix: "a/b/c"\n'), [
      'registry.prefix "a/b/c" must start and end with \'/\' | write /a/b/c/',
    ])
    assert.deepEqual(said('schema', 'registry:\n  prefix: "x"\n'), [
      'registry.prefix "x" must start and end with \'/\' | write /x/',
    ])
  })
  test('a service that is not a DNS label, with the label it most likely meant', () => {
    const service = (name: string) => said('schema', `routes:\n  - match: {pathPrefix: /a}\n    service: "${name}"\n`)
    assert.deepEqual(service('My_Service!'), [
      'routes[0].service "My_Service!" is not a DNS label | use lowercase letters, digits and dashes, e.g. my-service',
    ])
    assert.deepEqual(service('--a__b--'), [
      'routes[0].service "--a__b--" is not a DNS label | use lowercase letters, digits and dashes, e.g. a-b',
    ])
    assert.deepEqual(service('!!'), [
      'routes[0].service "!!" is not a DNS label | use lowercase letters, digits and dashes',
    ])
    assert.deepEqual(service('A'.repeat(70)), [
      `routes[0].service "${'A'.repeat(70)}" is not a DNS label | use lowercase letters, digits and dashes, e.g. ${'a'.repeat(63)}`,
    ])
  })
  test('a label prefix, with the prefix it most likely meant', () => {
    const prefix = (p: string) => said('schema', `discovery:\n  labelPrefix: "${p}"\n`)
    const words = 'is not a label prefix (lowercase letters and digits, joined by single . _ or -)'
    assert.deepEqual(prefix('My..Prefix'), [`discovery.labelPrefix "My..Prefix" ${words} | e.g. my.prefix`])
    assert.deepEqual(prefix('.a b_-c.'), [`discovery.labelPrefix ".a b_-c." ${words} | e.g. a-b_c`])
    assert.deepEqual(prefix('a  b'), [`discovery.labelPrefix "a  b" ${words} | e.g. a-b`])
    assert.deepEqual(prefix('-.-'), [`discovery.labelPrefix "-.-" ${words} | e.g. mcp`])
    assert.deepEqual(prefix('__a__'), [`discovery.labelPrefix "__a__" ${words} | e.g. a`])
    assert.deepEqual(prefix('A..b.'), [`discovery.labelPrefix "A..b." ${words} | e.g. a.b`])
    assert.deepEqual(prefix('.a..B'), [`discovery.labelPrefix ".a..B" ${words} | e.g. a.b`])
  })
})

describe('secret values are named, never shown', () => {
  test('a scalar under a secret-named key', () => {
    for (const text of [
      'registry:\n  consul:\n    token: 81234567890123\n',
      'registry:\n  consul:\n    Token: 81234567890123\n',
    ]) {
      const findings = lint(text)
      assert.doesNotMatch(JSON.stringify(findings), /81234567890123/)
    }

    assert.deepEqual(said('schema', 'registry:\n  consul:\n    token: 81234567890123\n'), [
      'registry.consul.token has a value the schema does not allow (must be string; value not shown)' +
        ' | write ${VARIABLE} and keep the secret in the environment',
    ])
  })
  test('the key name counts in any case and anywhere in the path; non-secret keys keep their value', () => {
    const password = said('schema', 'discovery:\n  metadata:\n    dbPassword: [1]\n    SECRET_x: null\n')
    // A list, a mapping or null is no secret value: its type is named as usual.
    assert.deepEqual(password, [
      'discovery.metadata.dbPassword must be string, number, or boolean, not a list | -',
      'discovery.metadata.SECRET_x must be string, number, or boolean, not null | -',
    ])
    assert.deepEqual(said('schema', 'registry:\n  consul:\n    address: 5\n'), [
      'registry.consul.address must be string, not number 5 | -',
    ])
  })
})

describe('invalid durations', () => {
  test('a number, a non-string, a bare number in a string, and a spelling that can be fixed', () => {
    const text =
      'healthCheck:\n  interval: 30\n  timeout: [1]\ndiscovery:\n  resync: " 2.5 "\n  fallbackTimeout: "10"\n' +
      'registry:\n  ttl: 5 s\n  consul: {}\n'
    assert.deepEqual(said('invalid-duration', text), [
      'registry.ttl "5 s" is not a duration | write "5s" (mcp lint-config --fix does it)',
      'discovery.fallbackTimeout "10" is not a duration | add a unit: "10s" or "10ms"',
      'discovery.resync " 2.5 " is not a duration | add a unit: "2.5s" or "2.5ms"',
      'healthCheck.interval is the number 30; a duration needs a unit | write "30s" or "30ms", whichever is meant',
      'healthCheck.timeout must be a duration string like "5s", not a list | -',
    ])
    assert.deepEqual(said('invalid-duration', 'healthCheck:\n  interval: "1.5.5"\n  timeout: "a1"\n'), [
      'healthCheck.interval "1.5.5" is not a duration | use a number with a unit: 500ms, 5s, 1m, 1h30m',
      'healthCheck.timeout "a1" is not a duration | use a number with a unit: 500ms, 5s, 1m, 1h30m',
    ])
    assert.deepEqual(said('invalid-duration', 'healthCheck:\n  interval: "1."\n  timeout: ".5"\n'), [
      'healthCheck.interval "1." is not a duration | use a number with a unit: 500ms, 5s, 1m, 1h30m',
      'healthCheck.timeout ".5" is not a duration | use a number with a unit: 500ms, 5s, 1m, 1h30m',
    ])
    assert.deepEqual(said('invalid-duration', 'healthCheck:\n  interval: "x10"\n  timeout: "10x"\n'), [
      'healthCheck.interval "x10" is not a duration | use a number with a unit: 500ms, 5s, 1m, 1h30m',
      'healthCheck.timeout "10x" is not a duration | use a number with a unit: 500ms, 5s, 1m, 1h30m',
    ])
  })
  test('one finding per value, not one per schema error; none from the schema rule', () => {
    const findings = lint('healthCheck:\n  interval: 10 seconds\n')
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['invalid-duration'],
    )
    assert.deepEqual(at(findings[0]), [2, 13])
    assert.equal(findings[0]?.severity, 'error')
  })
  test('--fix rewrites a literal spelling, not a value from a variable default', () => {
    const r = lintResult('healthCheck:\n  interval: 5 s\n')
    assert.deepEqual(
      r.fixes.map((f) => [f.ruleId, f.text, f.description]),
      [['invalid-duration', '5s', '"5 s" → 5s']],
    )
    const fromDefault = lintResult('healthCheck:\n  interval: ${X:-5 s}\n')
    assert.equal(fromDefault.findings[0]?.hint, 'write "5s" (mcp lint-config --fix does it)')
    assert.deepEqual(fromDefault.fixes, [])
  })
  test("a value holding an unset variable is the variable rule's, not a duration error", () => {
    assert.deepEqual(
      lint('healthCheck:\n  interval: ${X}s\n').map((f) => f.ruleId),
      ['unresolved-variable'],
    )
    assert.deepEqual(
      lint('healthCheck:\n  interval: 5${X}\n  timeout: ${Y}\n').map((f) => f.ruleId),
      ['unresolved-variable', 'unresolved-variable'],
    )
  })
})

describe('unset variables', () => {
  test('each value names its variables once, is or are', () => {
    const text = 'registry:\n  ttl: ${A}\n  endpoints: ["${B}${C}${B}"]\n'
    const findings = of('unresolved-variable', text)
    assert.deepEqual(
      findings.map((f) => `${f.message} | ${f.hint}`),
      [
        'registry.ttl uses ${A}, which is not set | set A, pass --env-file, or give a default: ${A:-value}',
        'registry.endpoints[0] uses ${B}, ${C}, which are not set | set B, C, pass --env-file, or give a default: ${B:-value}',
      ],
    )
    assert.deepEqual(
      findings.map((f) => f.evidence),
      [{variables: ['A']}, {variables: ['B', 'C']}],
    )
    assert.deepEqual(findings.map(at), [
      [2, 8],
      [3, 15],
    ])
    assert.equal(findings[0]?.severity, 'warning')
  })
  test('a key path with / and ~ is found again from its pointer', () => {
    const [f] = of('unresolved-variable', 'discovery:\n  metadata:\n    "a/b~c": ${X}\n')
    assert.equal(f?.message, 'discovery.metadata.a/b~c uses ${X}, which is not set')
    assert.deepEqual(at(f), [3, 14])
  })
})

describe('unknown keys', () => {
  test('a key with no near name lists the known keys; at the top level no "in"', () => {
    const [f] = of('unknown-key', 'tls:\n  zzzzzzzz: 1\n')
    assert.equal(f?.message, 'unknown key "zzzzzzzz" in tls')
    assert.equal(f?.hint, 'known keys here: certFile, keyFile, caFile, minVersion')
    assert.deepEqual(f?.evidence, {key: 'zzzzzzzz', known: ['certFile', 'keyFile', 'caFile', 'minVersion']})
    assert.deepEqual(at(f), [2, 3])
    const [top] = of('unknown-key', 'zzzzzzzzzzzz: 1\n')
    assert.equal(top?.message, 'unknown key "zzzzzzzzzzzz"')
  })
  test('a camelCase spelling is fixed; when the right key is also set, keep one', () => {
    const r = lintResult('discovery:\n  fallback-timeout: 5s\n')
    assert.deepEqual(
      r.fixes.map((f) => [f.text, f.description]),
      [['fallbackTimeout', 'fallback-timeout → fallbackTimeout']],
    )
    const both = lintResult('discovery:\n  fallback_timeout: 5s\n  fallbackTimeout: 5s\n')
    assert.equal(both.findings[0]?.hint, 'did you mean "fallbackTimeout"? ("fallbackTimeout" is also set; keep one)')
    assert.deepEqual(both.fixes, [])
    const typo = lintResult('discovery:\n  fallbakTimeout: 5s\n  fallbackTimeout: 5s\n')
    assert.equal(typo.findings[0]?.hint, 'did you mean "fallbackTimeout"? ("fallbackTimeout" is also set; keep one)')
  })
  test('the same letters in another case are fixed too', () => {
    const r = lintResult('discovery:\n  FALLBACKTIMEOUT: 5s\n')
    assert.equal(r.findings[0]?.hint, 'did you mean "fallbackTimeout"?')
    assert.deepEqual(
      r.fixes.map((f) => f.text),
      ['fallbackTimeout'],
    )
  })
  test('a key that lives elsewhere: every place, the older home first', () => {
    const hint = (text: string) => of('unknown-key', text)[0]?.hint
    assert.equal(
      hint('routes:\n  - match: {pathPrefix: /a}\n    service: a\n    interval: 5s\n'),
      'it belongs at healthCheck.interval',
    )
    assert.equal(
      hint('health_check_interval: 5s\n'),
      'it belongs at healthCheck.interval or loadBalancer.healthCheckInterval',
    )
    assert.equal(
      of('unknown-key', 'tls:\n  enabled: true\n')[0]?.hint,
      'it belongs at healthCheck.enabled or accessLog.enabled',
    )
    assert.equal(
      of('unknown-key', 'tls:\n  Timeout: 1s\n')[0]?.hint,
      'it belongs at healthCheck.timeout or routes[].timeout',
    )
  })
})

describe('timing rules', () => {
  test('the finding points at the explicit setting, and a warning is a warning', () => {
    const [t] = of('health-timeout-not-below-interval', 'healthCheck:\n  timeout: 10s\n')
    assert.equal(t?.message, 'healthCheck.timeout 10s is not shorter than healthCheck.interval 10s (default)')
    assert.deepEqual(at(t), [2, 12])
    assert.equal(t?.severity, 'error')
    const [lease] = of('lease-ttl-too-short', 'registry:\n  ttl: 10s\nhealthCheck:\n  enabled: true\n')
    assert.equal(lease?.message, 'registry.ttl 10s is shorter than twice healthCheck.interval 10s (default)')
    assert.deepEqual(at(lease), [2, 8])
    assert.equal(lease?.severity, 'warning')
  })
  test('an unusable value is left to the other rules', () => {
    for (const text of [
      'healthCheck:\n  timeout: 10 seconds\n',
      'healthCheck:\n  timeout: 30\n',
      'healthCheck:\n  timeout: ${T}\n',
      'healthCheck:\n  interval: 1 second\n  timeout: 10s\n',
    ]) {
      assert.deepEqual(of('health-timeout-not-below-interval', text), [], text)
    }

    assert.deepEqual(of('lease-ttl-too-short', 'registry:\n  ttl: 1 second\n'), [])
    assert.deepEqual(of('lease-ttl-too-short', 'registry:\n  ttl: ${T}\n'), [])
  })
  test('the older interval key counts when the new one is unusable', () => {
    const text = 'healthCheck:\n  interval: oops\n  timeout: 3s\nloadBalancer:\n  healthCheckInterval: 2s\n'
    const [f] = of('health-timeout-not-below-interval', text)
    assert.equal(f?.message, 'healthCheck.timeout 3s is not shorter than loadBalancer.healthCheckInterval 2s')
  })
  test('health checks off: no health rules, only the resync period for the lease', () => {
    const off =
      'healthCheck:\n  enabled: false\n  interval: 10s\n  timeout: 20s\nregistry:\n  ttl: 15s\ndiscovery:\n  resync: 10s\n'
    assert.deepEqual(
      lint(off).map((f) => `${f.ruleId}: ${f.message}`),
      ['lease-ttl-too-short: registry.ttl 15s is shorter than twice discovery.resync 10s'],
    )
    // `enabled: "false"` is a schema error, not health checks off.
    assert.deepEqual(
      lint('healthCheck:\n  enabled: "false"\n  timeout: 20s\n').map((f) => f.ruleId),
      ['schema', 'health-timeout-not-below-interval'],
    )
  })
  test('the hint halves the interval, and never says zero', () => {
    const hint = (text: string) => of('health-timeout-not-below-interval', text)[0]?.hint
    assert.equal(
      hint('healthCheck:\n  interval: 3s\n  timeout: 3s\n'),
      'make the timeout shorter than the interval, e.g. 1.5s',
    )
    assert.equal(
      hint('healthCheck:\n  interval: 3ms\n  timeout: 3ms\n'),
      'make the timeout shorter than the interval, e.g. 1.00ms',
    )
  })
  test('weighted_response_time: the finding and where it points', () => {
    const [f] = of(
      'wrt-without-health-checks',
      'loadBalancer:\n  strategy: weighted_response_time\nhealthCheck:\n  enabled: false\n',
    )
    assert.deepEqual(at(f), [2, 13])
    assert.equal(f?.severity, 'warning')
  })
})

describe('route rules', () => {
  const routes = (...matches: string[]) =>
    `routes:\n${matches.map((m, i) => `  - match: ${m}\n    service: s${i}\n`).join('')}`
  const ids = (text: string) =>
    lint(text)
      .filter((f) => f.ruleId !== 'schema')
      .map((f) => `${f.ruleId}@${at(f)?.[0]}: ${f.message}`)

  test('the same match in another order or case is a duplicate', () => {
    const text = routes(
      '{path: /a, methods: [get, POST], headers: {X-A: "1", b: "2"}}',
      '{methods: [POST, GET], path: /a, headers: {b: "2", x-a: "1"}}',
    )
    assert.deepEqual(ids(text), ['duplicate-route@4: route 1 has the same match as route 0'])
    const [f] = of('duplicate-route', routes('{pathPrefix: /a}', '{pathPrefix: /a}', '{pathPrefix: /a}'))
    assert.deepEqual(f?.evidence, {route: 1, duplicateOf: 0})
    const third = of('duplicate-route', routes('{pathPrefix: /a}', '{pathPrefix: /a}', '{pathPrefix: /a}'))[1]
    assert.equal(third?.message, 'route 2 has the same match as route 0')
  })
  test('matches that differ are no duplicates', () => {
    for (const [a, b] of [
      ['{path: /a}', '{pathPrefix: /a}'],
      ['{path: /a}', '{path: /b}'],
      ['{path: /a, methods: [GET]}', '{path: /a, methods: [POST]}'],
      ['{path: /a, methods: [GET]}', '{path: /a}'],
      ['{path: /a, headers: {x: "1"}}', '{path: /a, headers: {x: "2"}}'],
      ['{path: /a, headers: {x: "1"}}', '{path: /a, headers: {y: "1"}}'],
      ['{path: /a, headers: {x: "1", y: "1"}}', '{path: /a, headers: {x: "1"}}'],
    ]) {
      assert.deepEqual(of('duplicate-route', routes(a!, b!)), [], `${a} / ${b}`)
    }
  })
  test('routes the rules cannot read are skipped, not a crash', () => {
    const text =
      'routes:\n  - match: {pathPrefix: /a}\n    service: c\n  - 5\n  - null\n' +
      '  - match: 5\n    service: a\n  - match: {path: 5}\n    service: b\n' +
      '  - match: {}\n    service: b\n  - match: {pathPrefix: /a}\n    service: d\n'
    assert.deepEqual(ids(text), ['duplicate-route@12: route 6 has the same match as route 0'])
    assert.deepEqual(ids('routes: 5\n'), [])
    assert.deepEqual(
      lint('- a\n').map((f) => f.ruleId),
      ['input-error'],
    )
  })
  test('methods and headers are keyed so that no two matches run together', () => {
    for (const [a, b] of [
      ['{path: /a, methods: [A, B]}', '{path: /a, methods: [AB]}'],
      ['{path: /a}', '{path: /a, methods: []}'],
      ['{path: /a, headers: {x: "1", y: "1"}}', '{path: /a, headers: {x: "1y=1"}}'],
    ]) {
      assert.deepEqual(of('duplicate-route', routes(a!, b!)), [], `${a} / ${b}`)
    }
  })
  test('a name that is not a string is not shown', () => {
    const text =
      'routes:\n  - name: 5\n    match: {pathPrefix: /a}\n    service: a\n' +
      '  - name: 6\n    match: {pathPrefix: /a}\n    service: b\n'
    assert.deepEqual(
      of('duplicate-route', text).map((f) => f.message),
      ['route 1 has the same match as route 0'],
    )
  })
  test('an exact path wins over a prefix in the same match', () => {
    assert.deepEqual(ids(routes('{path: /a, pathPrefix: /b}', '{path: /a}')), [
      'duplicate-route@4: route 1 has the same match as route 0',
    ])
  })
  test('shadowed: by the earliest route that covers it, with its match in words', () => {
    const text = routes(
      '{pathPrefix: /a, methods: [GET, PUT]}',
      '{pathPrefix: /}',
      '{pathPrefix: /a/b}',
      '{path: /a/c, methods: [GET]}',
    )
    const findings = of('route-shadowed', text)
    assert.deepEqual(
      findings.map((f) => `${f.message} | ${f.hint}`),
      [
        'route 2 is shadowed by route 1 (pathPrefix /, any method), which matches first | move route 2 above route 1, or narrow route 1',
        'route 3 is shadowed by route 0 (pathPrefix /a GET,PUT), which matches first | move route 3 above route 0, or narrow route 0',
      ],
    )
    assert.deepEqual(
      findings.map((f) => f.evidence),
      [
        {route: 2, shadowedBy: 1},
        {route: 3, shadowedBy: 0},
      ],
    )
    assert.deepEqual(findings.map(at), [
      [6, 5],
      [8, 5],
    ])
    assert.equal(findings[0]?.severity, 'warning')
  })
  test('shadowed by an exact path, named routes, the earlier of an exact and a prefix cover', () => {
    const text =
      'routes:\n  - name: exact\n    match: {path: /x}\n    service: a\n  - name: all\n    match: {pathPrefix: /}\n    service: b\n' +
      '  - name: late\n    match: {path: /x, methods: [GET]}\n    service: c\n'
    assert.deepEqual(
      of('route-shadowed', text).map((f) => f.message),
      ['route 2 (late) is shadowed by route 0 (exact) (path /x, any method), which matches first'],
    )
    const prefixFirst = routes('{pathPrefix: /}', '{path: /x}', '{path: /x, methods: [GET]}')
    assert.deepEqual(
      of('route-shadowed', prefixFirst).map((f) => f.evidence),
      [
        {route: 1, shadowedBy: 0},
        {route: 2, shadowedBy: 0},
      ],
    )
  })
  test('not shadowed: a narrower earlier route, other methods or headers, an exact path elsewhere', () => {
    for (const pair of [
      ['{pathPrefix: /a/b}', '{pathPrefix: /a}'],
      ['{pathPrefix: /ab}', '{pathPrefix: /a}'],
      ['{path: /a}', '{pathPrefix: /a}'],
      ['{path: /a}', '{path: /a/b}'],
      ['{pathPrefix: /a, methods: [GET]}', '{pathPrefix: /a/b}'],
      ['{pathPrefix: /a, methods: [GET]}', '{pathPrefix: /a/b, methods: [GET, POST]}'],
      ['{pathPrefix: /a, headers: {x: "1"}}', '{pathPrefix: /a/b}'],
      ['{pathPrefix: /a, headers: {x: "1"}}', '{pathPrefix: /a/b, headers: {x: "2"}}'],
      ['{pathPrefix: /a/b/c}', '{path: /a/b}'],
    ]) {
      assert.deepEqual(of('route-shadowed', routes(...pair)), [], pair.join(' / '))
    }

    // Narrower in every way is covered: a subset of the methods, more headers, a longer path.
    const narrower = routes(
      '{pathPrefix: /a, methods: [GET, POST], headers: {x: "1"}}',
      '{pathPrefix: /a/b, methods: [POST], headers: {x: "1", y: "2"}}',
    )
    assert.equal(of('route-shadowed', narrower).length, 1)
    assert.equal(of('route-shadowed', routes('{pathPrefix: /a}', '{path: /a}')).length, 1)
    assert.equal(of('route-shadowed', routes('{pathPrefix: /a}', '{pathPrefix: /a, methods: [GET]}')).length, 1)
  })
  test('the earliest cover wins whatever the order of the prefix lengths', () => {
    const text = routes('{pathPrefix: /a/b}', '{pathPrefix: /a}', '{pathPrefix: /a/b/c}')
    assert.deepEqual(
      of('route-shadowed', text).map((f) => f.evidence),
      [{route: 2, shadowedBy: 0}],
    )
  })
  test('a duplicate of a shadowed route is reported as a duplicate only', () => {
    assert.deepEqual(ids(routes('{pathPrefix: /}', '{pathPrefix: /a}', '{pathPrefix: /a}')), [
      'duplicate-route@6: route 2 has the same match as route 1',
      'route-shadowed@4: route 1 is shadowed by route 0 (pathPrefix /, any method), which matches first',
    ])
  })
  test('a duplicate is not also shadowed, and still shadows what comes after', () => {
    const text = routes('{pathPrefix: /a}', '{pathPrefix: /a}', '{pathPrefix: /a/b}')
    assert.deepEqual(ids(text), [
      'duplicate-route@4: route 1 has the same match as route 0',
      'route-shadowed@6: route 2 is shadowed by route 0 (pathPrefix /a, any method), which matches first',
    ])
  })
})

describe('--discover rules', () => {
  const instance = (extra: Record<string, unknown>) => ({
    id: 'i',
    service: 's',
    addresses: [],
    healthPath: '/health',
    ...extra,
  })
  const view = (services: Record<string, Record<string, unknown>[]>) =>
    ({
      takenAt: new Date(0).toISOString(),
      sources: [],
      unnamed: [],
      services: Object.entries(services).map(([name, instances]) => ({name, instances})),
    }) as never
  const live = (text: string, services: Record<string, Record<string, unknown>[]>) =>
    lint(text, {view: view(services)}).filter((f) => f.ruleId.endsWith('no-instances'))
  const split = (service: string, ...splits: string[]) =>
    `routes:\n  - match: {pathPrefix: /a}\n    service: ${service}\n    splits:\n${splits.map((s) => `      - ${s}\n`).join('')}`

  test('a split to another service without instances is named at the split', () => {
    const text = split('web', '{service: ghost, weight: 50}', '{service: web, weight: 50}', '{weight: 0, version: v1}')
    const findings = live(text, {web: [instance({etcd: {version: 'v1'}})]})
    assert.deepEqual(
      findings.map((f) => `${f.ruleId}@${at(f)?.join(':')} ${f.message} | ${f.hint} | ${f.service}`),
      [
        'route-service-no-instances@5:19 service "ghost" has no instances in the live view' +
          ' | start a container labelled mcp.service.name=ghost, or check the name with mcp discover | ghost',
      ],
    )
    assert.equal(findings[0]?.severity, 'warning')
  })
  test('each instance source gives a version: etcd, Consul metadata, the container label under the prefix', () => {
    const services = {
      web: [
        instance({etcd: {version: 'v1'}}),
        instance({consul: {meta: {version: 'v2'}}}),
        instance({docker: {labels: {'acme.service.version': 'v3', 'mcp.service.version': 'v9'}}}),
        instance({}),
      ],
    }
    const splits = ['v1', 'v2', 'v3', 'v4'].map((v) => `{version: ${v}, weight: 25}`)
    const text = `discovery:\n  labelPrefix: acme\n${split('web', ...splits)}`
    const findings = live(text, services)
    assert.deepEqual(
      findings.map((f) => `${at(f)?.[0]} ${f.message} | ${f.hint}`),
      [
        '10 no instance of "web" carries version "v4" (live: v1, v2, v3)' +
          ' | label the new containers acme.service.version=v4, or fix the split',
      ],
    )
    assert.deepEqual(findings[0]?.evidence, {version: 'v4', liveVersions: ['v1', 'v2', 'v3']})
    assert.equal(findings[0]?.service, 'web')
  })
  test('the default prefix is mcp; the registration wins over the label; no versions at all', () => {
    const both = {
      web: [
        instance({etcd: {version: 'v1'}, docker: {labels: {'mcp.service.version': 'v2'}}}),
        instance({consul: {meta: {version: 'v3'}}, docker: {labels: {'mcp.service.version': 'v4'}}}),
      ],
    }
    assert.deepEqual(
      live(split('web', '{version: v2, weight: 100}'), both).map((f) => f.message),
      ['no instance of "web" carries version "v2" (live: v1, v3)'],
    )
    const labelled = {web: [instance({docker: {labels: {'mcp.service.version': 'v4'}}})]}
    assert.deepEqual(live(split('web', '{version: v4, weight: 100}'), labelled), [])
    const none = live(split('web', '{version: v1, weight: 100}'), {
      web: [instance({}), instance({docker: {labels: {}}})],
    })
    assert.deepEqual(
      none.map((f) => `${f.message} | ${f.hint}`),
      [
        'no instance of "web" carries version "v1" (no instance has a version)' +
          ' | label the new containers mcp.service.version=v1, or fix the split',
      ],
    )
  })
  test("a split names its own service; one without instances is the other rule's finding", () => {
    const services = {web: [instance({etcd: {version: 'v1'}})], api: [instance({etcd: {version: 'v7'}})], idle: []}
    const text = split(
      'web',
      '{service: api, version: v1, weight: 40}',
      '{service: idle, version: v1, weight: 30}',
      '{service: ghost, version: v1, weight: 30}',
    )
    assert.deepEqual(
      live(text, services).map((f) => `${f.ruleId} ${f.message}`),
      [
        'route-service-no-instances service "idle" has no instances in the live view',
        'route-service-no-instances service "ghost" has no instances in the live view',
        'split-version-no-instances no instance of "api" carries version "v1" (live: v7)',
      ],
    )
  })
  test('routes and splits the rules cannot read are skipped', () => {
    const text =
      'routes:\n  - 5\n  - null\n  - match: {pathPrefix: /a}\n    splits: [5, null, {version: 1, weight: 100}]\n' +
      '  - match: {pathPrefix: /b}\n    service: 5\n    splits:\n      - {version: v1, weight: 100}\n'
    assert.deepEqual(live(text, {}), [])
    assert.deepEqual(live('routes: 5\n', {}), [])
    assert.deepEqual(live('- 5\n', {}), [])
    // A document that is no mapping at all, linted as it is (lint-config stops before the rules).
    for (const text of ['5\n', 'null\n', '- a\n']) {
      const source = parseConfigSource({path: 'g.yaml', text, hadBom: false})
      const r = lintConfigSource(source, {vars: {}, view: view({})})
      assert.deepEqual(
        r.findings.filter((f) => f.ruleId !== 'schema'),
        [],
        text,
      )
    }
  })
})

describe('TLS files', () => {
  test('a directory, a path through a file, an absolute path shown once, an empty or unset name skipped', () => {
    const text = 'tls:\n  certFile: /\n  keyFile: /etc/hostname/x\n  caFile: ""\n'
    const findings = of('tls-file-missing', text)
    assert.deepEqual(
      findings.map((f) => `${at(f)?.join(':')} ${f.message}`),
      ['2:13 tls.certFile "/" is not a regular file', '3:12 tls.keyFile "/etc/hostname/x" cannot be read (ENOTDIR)'],
    )
    assert.deepEqual(
      findings.map((f) => f.evidence),
      [{file: '/'}, {file: '/etc/hostname/x'}],
    )
    assert.equal(findings[0]?.severity, 'error')
    assert.deepEqual(of('tls-file-missing', 'tls:\n  certFile: ${CERT}\n  keyFile: ${KEY}/k.pem\n'), [])
    assert.deepEqual(
      of('tls-file-missing', 'tls:\n  certFile: /etc/hostname\n  keyFile: /etc/hostname\n  caFile: 5\n'),
      [],
    )
  })
  test("a relative path is resolved from the config file's directory", () => {
    const text = 'tls:\n  certFile: certs/cert.pem\n  keyFile: certs/nope.pem\n'
    const r = lintConfigDocument({path: 'test/fixtures/config/x.yaml', text, hadBom: false}, {vars: {}})
    const findings = r.findings.filter((f) => f.ruleId === 'tls-file-missing')
    assert.deepEqual(
      findings.map((f) => f.message),
      [`tls.keyFile "certs/nope.pem" does not exist (${process.cwd()}/test/fixtures/config/certs/nope.pem)`],
    )
  })
})

describe('schema findings the filters keep or drop', () => {
  test('an unset variable hides only the errors of its own value', () => {
    assert.deepEqual(
      lint('healthCheck:\n  interval: ${X}\n  healthyThreshold: 0\n').map((f) => `${f.ruleId} ${f.message}`),
      [
        'schema healthCheck.healthyThreshold must be >= 1, not 0',
        'unresolved-variable healthCheck.interval uses ${X}, which is not set',
      ],
    )
  })
  test('a secret key holding null or a list is named with its type: there is no secret to hide', () => {
    assert.deepEqual(said('schema', 'registry:\n  consul:\n    token: null\n'), [
      'registry.consul.token must be string, not null | -',
    ])
    assert.deepEqual(said('schema', 'registry:\n  consul:\n    token: [a]\n'), [
      'registry.consul.token must be string, not a list | -',
    ])
  })
  test('the duration hint reads a decimal with several digits', () => {
    assert.deepEqual(said('invalid-duration', 'healthCheck:\n  interval: "2.25"\n'), [
      'healthCheck.interval "2.25" is not a duration | add a unit: "2.25s" or "2.25ms"',
    ])
  })
  test('the finding points at the value, the fix replaces the value', () => {
    const r = lintResult('loadBalancer:\n  strategy: LEAST-CONNECTIONS\nhealthCheck:\n  interval: "5 s"\n')
    assert.deepEqual(r.findings.map(at), [
      [2, 13],
      [4, 13],
    ])
    assert.deepEqual(
      r.fixes.map((f) => [f.start, f.end, f.text]),
      [
        [26, 43, 'least_connections'],
        [69, 74, '"5s"'],
      ],
    )
  })
  test('a prefix of slashes only', () => {
    assert.deepEqual(said('schema', 'registry:\n  prefix: ""\n'), [
      'registry.prefix "" must start and end with \'/\' | write /',
    ])
  })
})

describe('rule metadata (SARIF rules, --list-rules)', () => {
  test('every rule has its id, severity, a description and its docs anchor; unused-suppression comes last', () => {
    const ids = CONFIG_RULES.map((r) => r.meta.id)
    assert.deepEqual(
      CONFIG_RULE_METAS.map((m) => m.id),
      [...ids, 'unused-suppression'],
    )
    for (const meta of CONFIG_RULE_METAS) {
      assert.ok(meta.description.length > 20, meta.id)
      assert.match(meta.docs, new RegExp(`^file:.*/docs/config-rules\\.md#${meta.id}$`), meta.id)
    }

    const severities = Object.fromEntries(CONFIG_RULE_METAS.map((m) => [m.id, m.severity]))
    assert.deepEqual(severities, {
      schema: 'error',
      'unknown-key': 'error',
      'invalid-duration': 'error',
      'unresolved-variable': 'warning',
      'health-timeout-not-below-interval': 'error',
      'lease-ttl-too-short': 'warning',
      'wrt-without-health-checks': 'warning',
      'split-weights-sum': 'error',
      'duplicate-route': 'error',
      'route-shadowed': 'warning',
      'tls-file-missing': 'error',
      'route-service-no-instances': 'warning',
      'split-version-no-instances': 'warning',
      'unused-suppression': severities['unused-suppression'],
    })
  })
})
