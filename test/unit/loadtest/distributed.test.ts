import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {UsageError} from '../../../src/core/errors.js'
import {
  decodeReplicaResult,
  encodeReplicaResult,
  mergeResults,
  replicaFlags,
  share,
} from '../../../src/loadtest/distributed.js'
import {renderNodeRows} from '../../../src/loadtest/render.js'
import {type LoadResult, RESULT_SCHEMA} from '../../../src/loadtest/result.js'
import {decodeHistogram, encodeHistogram, newLatencyHistogram, summarize} from '../../../src/loadtest/stats.js'

function part(latencies: number[], extra: {errors?: number; rps?: number} = {}): LoadResult {
  const h = newLatencyHistogram()
  for (const v of latencies) h.recordValue(v)
  const errors = {
    connect: extra.errors ?? 0,
    timeout: 0,
    reset: 0,
    protocol: 0,
    non2xx: 0,
    total: extra.errors ?? 0,
    rate: 0,
  }
  const enc = encodeHistogram(h)
  return {
    schema: RESULT_SCHEMA,
    target: {kind: 'url', url: 'http://127.0.0.1:1/'},
    mode: 'closed-loop',
    settings: {
      connections: 2,
      threads: 1,
      threadsUsed: 1,
      durationMs: 1000,
      warmupMs: 0,
      rate: null,
      requests: null,
      pipelining: 1,
      timeoutMs: 2000,
      method: 'GET',
      headers: [],
      bodyBytes: 0,
    },
    startedAt: new Date(0).toISOString(),
    durationMs: 1000,
    stoppedBy: 'duration',
    interrupted: false,
    latencyUnit: 'us',
    requests: {total: latencies.length, perSecond: extra.rps ?? latencies.length, expected: null},
    bytes: {total: 10 * latencies.length, perSecond: 10 * latencies.length},
    latencyCorrection: 'expected-interval',
    latency: summarize(h),
    latencyUncorrected: summarize(h),
    histogram: enc,
    histogramUncorrected: enc,
    status: {'200': latencies.length},
    errors,
    errorSamples: {},
    instances: [
      {
        id: 'a',
        url: 'http://127.0.0.1:1/',
        connections: 2,
        requests: latencies.length,
        requestsPerSecond: latencies.length,
        share: 1,
        bytes: 0,
        latency: summarize(h),
        latencyUncorrected: summarize(h),
        status: {},
        errors,
        histogram: enc,
      },
    ],
    imbalance: null,
    thresholds: [],
    ok: true,
    generator: {cpuMs: 10, wallMs: 1000, cpuPerRequestUs: 1, busy: 0.1},
    timeline: {
      intervalMs: 1000,
      latencyFrom: 'send',
      points: [{t: 0, requests: latencies.length, errors: 0, p50: 1, p90: 1, p99: 1, max: 1}],
    },
  }
}

describe('loadtest --nodes: split, replica results, exact merge', () => {
  test('share: the remainder goes to the first slots, the shares add up', () => {
    assert.deepEqual(
      [1, 2, 3].map((s) => share(10, 3, s)),
      [4, 3, 3],
    )
    assert.deepEqual(
      [1, 2].map((s) => share(3000, 2, s)),
      [1500, 1500],
    )
  })

  test('replicaFlags: -c, -R and --requests divided; the start bounded', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    const {flags, waitMs} = replicaFlags(
      {connections: 7, rate: '3k', requests: 10},
      {of: 3, slot: 3, startAt: '2026-01-01T00:00:05Z'},
      now,
    )
    assert.equal(flags.connections, 2)
    assert.equal(flags.rate, '1000')
    assert.equal(flags.requests, 3)
    assert.equal(waitMs, 5000)
    assert.throws(() => replicaFlags({}, {of: 2, slot: 3, startAt: '2026-01-01T00:00:05Z'}, now), UsageError)
    assert.throws(() => replicaFlags({}, {of: 2, slot: 1, startAt: '2026-01-01T01:00:00Z'}, now), UsageError)
    assert.throws(() => replicaFlags({}, {of: 2, slot: 1, startAt: 'soon'}, now), UsageError)
  })

  test('a result survives the log as chunked marker lines, among other lines, and an incomplete one is refused', () => {
    const r = part(Array.from({length: 5000}, (_, i) => 100 + i))
    const lines = encodeReplicaResult(r)
    assert.ok(lines.every((l) => l.length < 8100))
    const back = decodeReplicaResult(['starting', ...lines, 'bye'])
    assert.equal(back?.histogram, r.histogram)
    assert.equal(decodeReplicaResult(lines.slice(1)), undefined)
    assert.equal(decodeReplicaResult(['mcp.loadtest.replica 1/1 {not json']), undefined)
  })

  test('merged percentiles are those of all samples (histograms added), counts summed', () => {
    const a = part(Array.from({length: 900}, () => 100))
    const b = part(
      Array.from({length: 100}, () => 10_000),
      {errors: 3},
    )
    const merged = mergeResults([a, b], {target: a.target, thresholds: {maxP99: 5000}})
    const sum = newLatencyHistogram()
    sum.add(decodeHistogram(a.histogram))
    sum.add(decodeHistogram(b.histogram))
    assert.equal(merged.requests.total, 1000)
    assert.equal(merged.latency.p50, sum.getValueAtPercentile(50))
    assert.equal(merged.latency.p99, sum.getValueAtPercentile(99))
    // An average of the two p99s would be ~5 ms; the exact p99 of all samples is ~10 ms.
    assert.ok(merged.latency.p99 >= 9990)
    assert.equal(merged.errors.total, 3)
    assert.equal(merged.settings.connections, 4)
    assert.equal(merged.instances.length, 1)
    assert.equal(merged.instances[0]!.requests, 1000)
    assert.deepEqual(
      merged.thresholds.map((t) => t.ok),
      [false],
    )
    assert.equal(merged.ok, false)
  })

  test('per-node rows: figures per replica, a missing part says why, control characters shown visibly', () => {
    const text = renderNodeRows([
      {
        task: 'lt.1',
        node: 'node-a',
        ok: true,
        connections: 2,
        requests: 1000,
        requestsPerSecond: 500,
        latency: {p50: 412, p99: 3850},
        errors: 1,
      },
      {
        task: 'lt.2',
        node: 'node-b',
        ok: false,
        missing: 'task failed: \u001B[31mboom',
        connections: 2,
        requests: 0,
        requestsPerSecond: 0,
        errors: 0,
      },
    ])
    assert.match(text, /lt\.1\s+node-a\s+2\s+1,000\s+500\s+412µs\s+3\.85ms\s+1/)
    assert.match(text, /lt\.2\s+node-b\s+.*missing: task failed: \\x1b\[31mboom/)
    assert.ok(!text.includes('\u001B[31mboom'))
  })
})
