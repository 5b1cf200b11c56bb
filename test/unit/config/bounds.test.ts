import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {lintConfigDocument} from '../../../src/config/index.js'

const lint = (text: string) => lintConfigDocument({path: 'gateway.yaml', text, hadBom: false}, {vars: {}}).findings
const of = (rule: string, text: string) => lint(text).filter((f) => f.ruleId === rule)
const line = (f: {location?: {kind: string; line?: number}}) =>
  f.location?.kind === 'file' ? f.location.line : undefined

describe('config rules at their bounds', () => {
  const splits = (...weights: unknown[]) =>
    'routes:\n  - name: co\n    match: {pathPrefix: /checkout}\n    service: checkout\n    splits:\n' +
    `${weights.map((w, i) => `      - {version: v${i + 1}, weight: ${w}}`).join('\n')}\n`

  test('split weights summing exactly 100 pass; 101 and 99 do not', () => {
    assert.deepEqual(of('split-weights-sum', splits(60, 40)), [])
    assert.deepEqual(of('split-weights-sum', splits(100)), [])
    assert.deepEqual(of('split-weights-sum', splits(33, 33, 34)), [])
    const [over] = of('split-weights-sum', splits(60, 41))
    assert.equal(over?.message, 'route 0 (co) splits weights add up to 101, not 100 (60 + 41)')
    assert.equal(over?.hint, 'make the weights add up to 100')
    assert.deepEqual(over?.evidence, {sum: 101, weights: [60, 41]})
    assert.equal(line(over!), 5)
    assert.equal(of('split-weights-sum', splits(50, 49))[0]?.evidence?.sum, 99)
    assert.equal(of('split-weights-sum', splits(0))[0]?.evidence?.sum, 0)
  })

  test('split weights: unnamed routes, non-numbers left to the schema, no splits at all', () => {
    const unnamed =
      'routes:\n  - match: {pathPrefix: /a}\n    service: a\n' +
      '  - match: {pathPrefix: /b}\n    service: b\n    splits:\n      - {version: v1, weight: 10}\n'
    assert.equal(of('split-weights-sum', unnamed)[0]?.message, 'route 1 splits weights add up to 10, not 100 (10)')
    assert.deepEqual(of('split-weights-sum', splits(50, '"50"')), [])
    assert.deepEqual(
      of('split-weights-sum', 'routes:\n  - match: {pathPrefix: /a}\n    service: a\n    splits: []\n'),
      [],
    )
  })

  test('healthCheck.interval wins over loadBalancer.healthCheckInterval when both are set', () => {
    // Interval 10s (the new key) and timeout 3s: fine, though the older key says 2s.
    const both = 'loadBalancer:\n  healthCheckInterval: 2s\nhealthCheck:\n  interval: 10s\n  timeout: 3s\n'
    assert.deepEqual(of('health-timeout-not-below-interval', both), [])
    // And the other way round: the new key's 2s is what the timeout is compared with.
    const newer = 'loadBalancer:\n  healthCheckInterval: 10s\nhealthCheck:\n  interval: 2s\n  timeout: 3s\n'
    const [f] = of('health-timeout-not-below-interval', newer)
    assert.equal(f?.message, 'healthCheck.timeout 3s is not shorter than healthCheck.interval 2s')
    assert.equal(line(f!), 5, 'at the explicit timeout')
    // The lease check reads the same interval.
    const lease =
      'registry:\n  ttl: 15s\nloadBalancer:\n  healthCheckInterval: 10s\n' +
      'healthCheck:\n  interval: 5s\ndiscovery:\n  resync: 5s\n'
    assert.deepEqual(of('lease-ttl-too-short', lease), [])
  })

  test('the older key alone counts, and beats the default of the new one', () => {
    const [f] = of('health-timeout-not-below-interval', 'loadBalancer:\n  healthCheckInterval: 2s\n')
    assert.equal(f?.message, 'healthCheck.timeout 2s (default) is not shorter than loadBalancer.healthCheckInterval 2s')
    assert.equal(line(f!), 2, 'at the explicit interval, the timeout being the default')
    assert.equal(f?.hint, 'make the timeout shorter than the interval, e.g. 1s')
    assert.deepEqual(f?.evidence, {timeoutMs: 2000, intervalMs: 2000})
  })

  test('timeout equal to the interval is reported; one millisecond shorter is not; defaults alone never', () => {
    assert.equal(of('health-timeout-not-below-interval', 'healthCheck:\n  interval: 5s\n  timeout: 5s\n').length, 1)
    assert.deepEqual(of('health-timeout-not-below-interval', 'healthCheck:\n  interval: 5s\n  timeout: 4999ms\n'), [])
    assert.deepEqual(lint('version: 1\n'), [])
    assert.deepEqual(of('health-timeout-not-below-interval', 'healthCheck:\n  timeout: 10s\n  enabled: false\n'), [])
    const hint = (text: string) => of('health-timeout-not-below-interval', text)[0]?.hint
    assert.equal(hint('healthCheck:\n  timeout: 10s\n'), 'make the timeout shorter than the interval, e.g. 5s')
    assert.equal(
      hint('healthCheck:\n  interval: 1ms\n  timeout: 1ms\n'),
      'make the timeout shorter than the interval, e.g. 1.00ms',
    )
  })

  test('lease TTL exactly twice the interval and the resync passes; shorter is reported once per cycle', () => {
    assert.deepEqual(
      of('lease-ttl-too-short', 'registry:\n  ttl: 20s\nhealthCheck:\n  interval: 10s\ndiscovery:\n  resync: 10s\n'),
      [],
    )
    const hits = of(
      'lease-ttl-too-short',
      'registry:\n  ttl: 19s\nhealthCheck:\n  interval: 10s\ndiscovery:\n  resync: 5s\n',
    )
    assert.deepEqual(
      hits.map((h) => h.message),
      ['registry.ttl 19s is shorter than twice healthCheck.interval 10s'],
    )
    assert.equal(hits[0]?.hint, 'set registry.ttl to at least 20s, or renew more often')
    assert.deepEqual(hits[0]?.evidence, {ttlMs: 19_000, cycle: 'healthCheck.interval', cycleMs: 10_000})
    // Health checks off: only the resync period counts; the default TTL against an explicit resync.
    assert.deepEqual(of('lease-ttl-too-short', 'healthCheck:\n  enabled: false\n  interval: 1m\n'), [])
    const [resync] = of('lease-ttl-too-short', 'discovery:\n  resync: 20s\n')
    assert.equal(resync?.message, 'registry.ttl 30s (default) is shorter than twice discovery.resync 20s')
    assert.equal(line(resync!), 2)
  })

  test('weighted_response_time needs health checks', () => {
    const off = 'loadBalancer:\n  strategy: weighted_response_time\nhealthCheck:\n  enabled: false\n'
    assert.equal(of('wrt-without-health-checks', off).length, 1)
    assert.deepEqual(of('wrt-without-health-checks', 'loadBalancer:\n  strategy: weighted_response_time\n'), [])
    assert.deepEqual(
      of('wrt-without-health-checks', 'loadBalancer:\n  strategy: round_robin\nhealthCheck:\n  enabled: false\n'),
      [],
    )
  })
})
