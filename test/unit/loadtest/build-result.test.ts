import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {LoadSettings} from '../../../src/loadtest/options.js'

import {type LoadOutcome, TargetRecorder} from '../../../src/loadtest/engine.js'
import {renderResult} from '../../../src/loadtest/render.js'
import {buildResult, checkThresholds, RESULT_SCHEMA} from '../../../src/loadtest/result.js'
import {decodeHistogram} from '../../../src/loadtest/stats.js'

/** A run against two instances, built as data: what the engine hands to buildResult. */
interface Shape {
  connections: number
  ok: number
  failed?: number
  bytes: number
  latencyUs: number
}

function recorder(id: string, open: boolean, o: Shape): TargetRecorder {
  const r = new TargetRecorder(
    {id, host: '127.0.0.1', port: 1, tls: false, request: Buffer.from('GET / HTTP/1.1\r\n\r\n')},
    open,
  )
  r.connections = o.connections
  r.responses = o.ok + (o.failed ?? 0)
  r.bytes = o.bytes
  r.status[200] = o.ok
  if (o.failed) r.status[503] = o.failed
  r.fromSend.recordValueWithCount(o.latencyUs, r.responses)
  r.fromIntended?.recordValueWithCount(o.latencyUs * 2, r.responses)
  return r
}

function settings(over: Partial<LoadSettings> = {}): LoadSettings {
  const base = {
    connections: 4,
    durationMs: 2000,
    warmupMs: 500,
    threads: 2,
    pipelining: 1,
    timeoutMs: 3000,
    method: 'POST',
    tls: {insecure: false},
  }
  return {...base, headers: [['authorization', 'Bearer x']], body: Buffer.from('{}'), thresholds: {}, ...over}
}

const context = (s: LoadSettings, cpuMs = 500) => ({
  target: {kind: 'service' as const, service: 'web', path: '/'},
  settings: s,
  instanceUrls: ['http://127.0.0.1:1/a'],
  threadsUsed: 2,
  generator: {cpuMs, wallMs: 2000},
})

function twoTargets(open: boolean): LoadOutcome {
  const a = recorder('web-1', open, {connections: 2, ok: 300, failed: 100, bytes: 4000, latencyUs: 1000})
  const b = recorder('web-2', open, {connections: 2, ok: 200, bytes: 2000, latencyUs: 3000})
  a.error('connect', 5, 'connect ECONNREFUSED 127.0.0.1:1')
  a.error('connect', 1, 'a later message')
  b.error('timeout', 1, 'no answer within 3s')
  b.error('reset', 2, 'ECONNRESET')
  b.error('protocol', 3, 'bad status line')
  return {
    recorders: [a, b],
    measuredMs: 2000,
    warmupMs: 500,
    stoppedBy: 'duration',
    startedAt: new Date(Date.UTC(2026, 0, 1)),
  }
}

describe('buildResult: the figures of a run against two instances', () => {
  test('totals, rates, shares, status, errors and settings', () => {
    const r = buildResult(twoTargets(false), context(settings()))
    assert.equal(r.schema, RESULT_SCHEMA)
    assert.equal(RESULT_SCHEMA, 'mcp.loadtest/v1', 'the schema id docs/json.md names')
    assert.equal(r.mode, 'closed-loop')
    assert.deepEqual(r.target, {kind: 'service', service: 'web', path: '/'})
    assert.deepEqual(r.requests, {total: 600, perSecond: 300, expected: null})
    assert.deepEqual(r.bytes, {total: 6000, perSecond: 3000})
    assert.deepEqual(r.status, {'200': 500, '503': 100})
    assert.deepEqual(r.errors, {
      connect: 6,
      timeout: 1,
      reset: 2,
      protocol: 3,
      non2xx: 100,
      total: 112,
      rate: round6(112 / 612),
    })
    const samples = {
      connect: 'connect ECONNREFUSED 127.0.0.1:1',
      timeout: 'no answer within 3s',
      reset: 'ECONNRESET',
      protocol: 'bad status line',
    }
    assert.deepEqual(r.errorSamples, samples)
    assert.equal(r.startedAt, '2026-01-01T00:00:00.000Z')
    assert.equal(r.durationMs, 2000)
    assert.equal(r.stoppedBy, 'duration')
    assert.equal(r.interrupted, false)
    assert.equal(r.latencyUnit, 'us')
    assert.deepEqual(r.settings, {
      connections: 4,
      threads: 2,
      threadsUsed: 2,
      durationMs: 2000,
      warmupMs: 500,
      rate: null,
      requests: null,
      pipelining: 1,
      timeoutMs: 3000,
      method: 'POST',
      headers: ['authorization'],
      bodyBytes: 2,
    })
    assert.deepEqual(r.generator, {cpuMs: 500, wallMs: 2000, cpuPerRequestUs: round2((500 * 1000) / 600), busy: 0.125})
    assert.deepEqual(r.thresholds, [])
    assert.equal(r.ok, true)
    assert.equal(r.timeline.latencyFrom, 'send')
    assert.equal(r.timeline.intervalMs, 1000)
  })

  test('per instance: its own figures; the imbalance is the busiest over the idlest', () => {
    const r = buildResult(twoTargets(false), context(settings()))
    const [a, b] = r.instances
    const first = [a!.id, a!.url, a!.connections, a!.requests, a!.requestsPerSecond, a!.share, a!.bytes]
    assert.deepEqual(first, ['web-1', 'http://127.0.0.1:1/a', 2, 400, 200, 0.6667, 4000])
    assert.deepEqual([b!.id, b!.url, b!.requests, b!.share], ['web-2', 'web-2', 200, 0.3333])
    assert.deepEqual(a!.status, {'200': 300, '503': 100})
    assert.deepEqual(b!.status, {'200': 200})
    assert.equal(a!.errors.total, 106)
    assert.equal(b!.errors.total, 6)
    assert.equal(b!.errors.rate, round6(6 / 206))
    assert.equal(r.imbalance, 2)
    // The totals are the sum of the instances' histograms.
    assert.equal(r.latency.count, 600)
    assert.equal(r.latencyUncorrected.count, 600)
    assert.ok(r.latency.max >= 2990 && r.latency.max <= 3010)
    assert.ok(r.latency.min >= 995 && r.latency.min <= 1005)
    assert.equal(decodeHistogram(r.histogram).totalCount, 600)
    assert.equal(decodeHistogram(r.histogramUncorrected).totalCount, 600)
    assert.equal(decodeHistogram(a!.histogram).totalCount, 400)
    // One instance without a response: no imbalance figure (it would be infinite).
    const idle = twoTargets(false)
    idle.recorders[1]!.responses = 0
    assert.equal(buildResult(idle, context(settings())).imbalance, null)
  })

  test('open loop: latency from the intended send time, the expected count from the rate', () => {
    const r = buildResult(twoTargets(true), context(settings({rate: 250})))
    assert.equal(r.mode, 'open-loop')
    assert.equal(r.latencyCorrection, 'intended-send-time')
    assert.equal(r.requests.expected, 500)
    assert.equal(r.settings.rate, 250)
    assert.ok(r.latency.max >= 5990 && r.latency.max <= 6010, `max ${r.latency.max}`)
    assert.ok(r.latencyUncorrected.max >= 2990 && r.latencyUncorrected.max <= 3010)
    assert.equal(r.timeline.latencyFrom, 'intended-send-time')
  })

  test('one target; a run with no time, no responses, no wall time', () => {
    const one = twoTargets(false)
    one.recorders.pop()
    const r = buildResult(one, context(settings({requests: 10})))
    assert.equal(r.imbalance, null)
    assert.equal(r.settings.requests, 10)
    assert.equal(r.instances.length, 1)
    assert.equal(r.latency.count, 400)
    const nothing = new TargetRecorder(
      {id: 'x', host: '127.0.0.1', port: 1, tls: false, request: Buffer.alloc(0)},
      false,
    )
    const empty: LoadOutcome = {
      recorders: [nothing],
      measuredMs: 0,
      warmupMs: 0,
      stoppedBy: 'interrupt',
      startedAt: new Date(0),
    }
    const e = buildResult(empty, {...context(settings({body: undefined})), generator: {cpuMs: 0, wallMs: 0}})
    assert.deepEqual(e.requests, {total: 0, perSecond: 0, expected: null})
    assert.deepEqual(e.bytes, {total: 0, perSecond: 0})
    assert.equal(e.instances[0]!.share, 0)
    assert.equal(e.errors.rate, 0)
    assert.equal(e.interrupted, true)
    assert.equal(e.settings.bodyBytes, 0)
    assert.deepEqual(e.generator, {cpuMs: 0, wallMs: 0, cpuPerRequestUs: 0, busy: 0})
  })

  test('thresholds decide ok', () => {
    const r = buildResult(twoTargets(false), context(settings({thresholds: {maxErrorRate: 0.5, maxP99: 10_000}})))
    assert.deepEqual(
      r.thresholds.map((t) => [t.name, t.ok]),
      [
        ['max-p99', true],
        ['max-error-rate', true],
      ],
    )
    assert.equal(r.ok, true)
    const bad = buildResult(twoTargets(false), context(settings({thresholds: {maxErrorRate: 0.1}})))
    assert.equal(bad.ok, false)
  })
})

describe('checkThresholds at the limit', () => {
  const run = (p99: number, perSecond: number, rate: number, count = 10) => ({
    latency: {
      count,
      min: 0,
      avg: 0,
      stdev: 0,
      max: p99,
      p50: 0,
      p75: 0,
      p90: 0,
      p95: p99,
      p99,
      'p99.9': 0,
      'p99.99': 0,
      withinStdev: 0,
    },
    requests: {total: 10, perSecond, expected: null},
    errors: {connect: 0, timeout: 0, reset: 0, protocol: 0, non2xx: 0, total: 0, rate},
  })
  const LIMITS = {maxP99: 1000, maxP95: 1000, maxLatency: 1000, minRps: 50, maxErrorRate: 0.01}
  test('a figure equal to its limit holds', () => {
    const t = checkThresholds(run(1000, 50, 0.01), LIMITS)
    assert.deepEqual(
      t.map((x) => [x.name, x.metric, x.limit, x.actual, x.ok]),
      [
        ['max-p99', 'p99', 1000, 1000, true],
        ['max-p95', 'p95', 1000, 1000, true],
        ['max-latency', 'max', 1000, 1000, true],
        ['min-rps', 'requestsPerSecond', 50, 50, true],
        ['max-error-rate', 'errorRate', 0.01, 0.01, true],
      ],
    )
  })
  test('one past it does not; with no response the error rate does not hold either', () => {
    const t = checkThresholds(run(1001, 49, 0.02), LIMITS)
    assert.deepEqual(
      t.map((x) => x.ok),
      [false, false, false, false, false],
    )
    assert.deepEqual(
      checkThresholds(run(0, 0, 0, 0), {maxErrorRate: 0.5}).map((x) => x.ok),
      [false],
    )
    assert.deepEqual(
      checkThresholds(run(0, 0, 0, 0), {minRps: 0}).map((x) => x.ok),
      [true],
    )
  })
})

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}

describe('renderResult: nothing from outside reaches the terminal raw', () => {
  test('an instance id with control characters is shown visibly in the per-instance table', () => {
    const outcome = twoTargets(false)
    // An instance id comes from a container's name or address: outside text.
    outcome.recorders[0] = recorder('web-\u001B[31mred\u0007', false, {
      connections: 2,
      ok: 300,
      bytes: 4000,
      latencyUs: 1000,
    })
    const text = renderResult(buildResult(outcome, context(settings())), {latency: false, uncorrected: false})
    assert.match(text, /Per instance/)
    assert.doesNotMatch(text, /[\u0000-\u0008\u000B-\u001F\u007F]/)
    assert.match(text, /web-\\x1b\[31mred/i)
  })
})
