import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {CONFIG_RULES, lintConfigDocument, lintConfigFile} from '../../../src/config/index.js'
import {CHECKOUT_ROUTES, checkoutView} from '../../helpers/fixtures.js'

const FIXTURES = new URL('../../fixtures/config/', import.meta.url).pathname
const lint = (text: string, options = {}) =>
  lintConfigDocument({path: 'gateway.yaml', text, hadBom: false}, {vars: {}, ...options}).findings

describe('config rule fixtures (one per rule id; "# expect: rule@line:col" on the first line)', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml') && f !== 'valid.yaml')
  test('every rule that needs no live view has a fixture', () => {
    const ids = CONFIG_RULES.map((r) => r.meta.id).filter((id) => !id.includes('no-instances'))
    for (const id of ids) assert.ok(files.includes(`${id}.yaml`), `test/fixtures/config/${id}.yaml is missing`)
  })
  for (const file of files) {
    test(file, () => {
      const path = join(FIXTURES, file)
      const expected = /^# expect: (.*)$/m.exec(readFileSync(path, 'utf8'))![1]!.trim().split(/\s+/).sort()
      const {findings} = lintConfigFile(path, {vars: {}})
      const got = findings
        .map((f) => `${f.ruleId}@${f.location?.kind === 'file' ? `${f.location.line}:${f.location.column}` : '?'}`)
        .sort()
      assert.deepEqual(got, expected, JSON.stringify(findings, null, 1))
    })
  }

  test('valid.yaml has no findings', () => {
    assert.deepEqual(lintConfigFile(join(FIXTURES, 'valid.yaml'), {vars: {}}).findings, [])
  })
})

describe('messages and suggestions', () => {
  test('snake_case keys suggest the camelCase key and are fixable', () => {
    const r = lintConfigDocument(
      {path: 'g.yaml', text: 'discovery:\n  fallback_timeout: 5s\n', hadBom: false},
      {vars: {}},
    )
    assert.equal(r.findings[0]!.hint, 'did you mean "fallbackTimeout"?')
    assert.equal(r.fixes[0]!.text, 'fallbackTimeout')
  })
  test('a key at the wrong level says where it belongs', () => {
    const [f] = lint('fallbackTimeout: 5s\n')
    assert.match(f!.hint!, /discovery\.fallbackTimeout/)
  })
  test("the seeds' three spellings each point at the key the gateway reads", () => {
    const hints = lint('healthCheckInterval: 5s\nhealth_check:\n  interval: 5s\nfallback_timeout: 5s\n').map(
      (f) => f.hint,
    )
    assert.deepEqual(hints, [
      'it belongs at healthCheck.interval or loadBalancer.healthCheckInterval',
      'did you mean "healthCheck"?',
      'it belongs at discovery.fallbackTimeout',
    ])
  })
  test('a typo gets a did-you-mean but no automatic fix', () => {
    const r = lintConfigDocument({path: 'g.yaml', text: 'healthCheck:\n  intreval: 5s\n', hadBom: false}, {vars: {}})
    assert.equal(r.findings[0]!.hint, 'did you mean "interval"?')
    assert.equal(r.fixes.length, 0)
  })
  test('an enum near miss suggests the allowed value; the same letters spelt another way is fixed', () => {
    const [f] = lint('loadBalancer:\n  strategy: least-connections\n')
    assert.equal(f!.hint, 'did you mean "least_connections"? (mcp lint-config --fix writes it)')
    const [typo] = lint('loadBalancer:\n  strategy: least_conections\n')
    assert.equal(typo!.hint, 'did you mean "least_connections"?')
  })
  test('variables: defaults, env files, and typed whole-variable values', () => {
    assert.deepEqual(lint('retry:\n  maxRetries: ${RETRIES:-3}\n'), [])
    assert.deepEqual(lint('healthCheck:\n  interval: ${HC}\n', {vars: {HC: '5s'}}), [])
    const [f] = lint('healthCheck:\n  interval: ${HC}\n')
    assert.equal(f!.ruleId, 'unresolved-variable')
  })
  test('loadBalancer.healthCheckInterval counts as the health interval', () => {
    const ids = lint('loadBalancer:\n  healthCheckInterval: 1s\nhealthCheck:\n  timeout: 2s\n').map((f) => f.ruleId)
    assert.deepEqual(ids, ['health-timeout-not-below-interval'])
  })
  test('JSON configs get positions too', () => {
    const r = lintConfigDocument(
      {path: 'g.json', text: '{\n  "healthCheck": {"interval": 30}\n}\n', hadBom: false},
      {vars: {}},
    )
    assert.equal(r.findings[0]!.ruleId, 'invalid-duration')
    assert.deepEqual(
      [
        r.findings[0]!.location?.kind === 'file' && r.findings[0]!.location.line,
        r.findings[0]!.location?.kind === 'file' && r.findings[0]!.location.column,
      ],
      [2, 31],
    )
  })
  test('the route-shadowed index finds covers among 5,000 routes quickly', () => {
    const routes = Array.from({length: 5000}, (_, i) => `  - match: {pathPrefix: /s${i}/x}\n    service: s${i}`).join(
      '\n',
    )
    const started = performance.now()
    const findings = lint(`routes:\n${routes}\n  - match: {pathPrefix: /s42/x/deeper}\n    service: late\n`)
    assert.deepEqual(
      findings.map((f) => f.ruleId),
      ['route-shadowed'],
    )
    assert.ok(performance.now() - started < 5000)
  })
})

describe('--discover rules against a service view', () => {
  const view = checkoutView()
  test('route to a service without instances, split to a version no instance carries', () => {
    const got = lint(CHECKOUT_ROUTES, {view}).map(
      (f) => `${f.ruleId}@${f.location?.kind === 'file' ? f.location.line : 0}`,
    )
    assert.deepEqual(got.sort(), [
      'route-service-no-instances@10',
      'route-service-no-instances@3',
      'split-version-no-instances@8',
    ])
  })
  test('without a view the live rules say nothing', () => {
    assert.deepEqual(lint('routes:\n  - match: {pathPrefix: /a}\n    service: ghost\n'), [])
  })
})

describe('secrets', () => {
  test('a mistyped token is named, never shown', () => {
    const findings = lint('registry:\n  consul:\n    token: 8f2b0c1e99aa77\n')
    assert.deepEqual(findings, [])
    const [f] = lint('registry:\n  consul:\n    token: 81234567890123\n')
    assert.equal(f!.ruleId, 'schema')
    assert.doesNotMatch(JSON.stringify(f), /81234567890123/)
  })
})
