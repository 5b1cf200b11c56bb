import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {LoadSettings} from '../../../src/loadtest/options.js'

import {type LoadOutcome, TargetRecorder} from '../../../src/loadtest/engine.js'
import {buildResult} from '../../../src/loadtest/result.js'

/**
 * The stall server's run, built as data: 10 connections for 4 s against a server that stalls 300 ms
 * once a second. Each connection gets one 300 ms response a second and 700 of 1 ms, so its mean
 * interval between requests is I = 1 s / 701 ≈ 1427 µs, and each stalled response stands for the
 * floor((300 000 − I) / I) = 209 requests the connection would have sent meanwhile.
 */
const CONNECTIONS = 10
const SECONDS = 4
const FAST_PER_SECOND = 700
const STALL_US = 300_000

function settings(over: Partial<LoadSettings> = {}): LoadSettings {
  const base = {
    connections: CONNECTIONS,
    durationMs: SECONDS * 1000,
    warmupMs: 0,
    threads: 1,
    pipelining: 1,
    timeoutMs: 10_000,
    tls: {insecure: false},
  }
  return {...base, method: 'GET', headers: [], thresholds: {}, ...over}
}

function stallRun(pipelining = 1, connections = CONNECTIONS): LoadOutcome {
  const target = {
    id: 'http://127.0.0.1:1/',
    host: '127.0.0.1',
    port: 1,
    tls: false,
    request: Buffer.from('GET / HTTP/1.1\r\n\r\n'),
  }
  const r = new TargetRecorder(target, false)
  r.connections = connections
  const streams = connections * pipelining
  r.fromSend.recordValueWithCount(1000, streams * SECONDS * FAST_PER_SECOND)
  r.fromSend.recordValueWithCount(STALL_US, streams * SECONDS)
  r.responses = streams * SECONDS * (FAST_PER_SECOND + 1)
  r.status[200] = r.responses
  return {recorders: [r], measuredMs: SECONDS * 1000, warmupMs: 0, stoppedBy: 'duration', startedAt: new Date(0)}
}

const context = (s: LoadSettings) => ({
  target: {kind: 'url' as const, url: 'http://127.0.0.1:1/'},
  settings: s,
  instanceUrls: ['http://127.0.0.1:1/'],
  threadsUsed: 1,
  generator: {cpuMs: 100, wallMs: 4000},
})

/** The analytic figures: raw count, plus floor((stall − I) / I) synthetic samples per stalled response. */
function analytic(streams: number) {
  const interval = Math.round(1e6 / (FAST_PER_SECOND + 1))
  const perStall = Math.floor((STALL_US - interval) / interval)
  const stalls = streams * SECONDS
  const raw = streams * SECONDS * (FAST_PER_SECOND + 1)
  const count = raw + stalls * perStall
  // p90: the sample at rank ceil(0.9 × count) from the bottom. Above the fast ones come the synthetic
  // values, `stalls` of each, I apart: STALL − perStall·I, …, STALL − I.
  const fast = raw - stalls
  const level = Math.ceil((Math.ceil(count * 0.9) - fast) / stalls)
  const p90 = STALL_US - (perStall - level + 1) * interval
  return {interval, count, raw, p90}
}

describe("closed-loop correction for coordinated omission (wrk's expected interval, per connection)", () => {
  test('the corrected count and p90 on the stall run match the analytic figures', () => {
    const want = analytic(CONNECTIONS)
    assert.equal(want.interval, 1427)
    assert.equal(want.count, 28_040 + 40 * 209)
    const r = buildResult(stallRun(), context(settings()))
    assert.equal(r.mode, 'closed-loop')
    assert.equal(r.latencyCorrection, 'expected-interval')
    assert.equal(r.latencyUncorrected.count, want.raw)
    assert.equal(r.latency.count, want.count)
    assert.ok(
      Math.abs(r.latency.p90 - want.p90) <= want.p90 * 0.002,
      `p90 ${r.latency.p90} µs, analytic ${want.p90} µs`,
    )
    assert.ok(r.latency.p90 > 165_000 && r.latency.p90 < 175_000, `p90 ${r.latency.p90}`)
    // The uncorrected p90 is a fast response; p99 and max are the stall either way.
    assert.ok(r.latencyUncorrected.p90 < 1100)
    assert.ok(Math.abs(r.latency.max - STALL_US) < STALL_US * 0.001)
    assert.equal(r.instances[0]!.latency.count, want.count)
  })

  test('pipelining: each connection carries several streams, each its own interval', () => {
    const want = analytic(CONNECTIONS * 2)
    const r = buildResult(stallRun(2), context(settings({pipelining: 2})))
    assert.equal(r.latency.count, want.count)
  })

  test('no responses, or an open-loop run: nothing to correct by interval', () => {
    const none = stallRun()
    none.recorders[0]!.responses = 0
    assert.equal(buildResult(none, context(settings())).latency.count, none.recorders[0]!.fromSend.totalCount)
    const noConnections = stallRun(1, 0)
    assert.equal(
      buildResult(noConnections, context(settings())).latency.count,
      noConnections.recorders[0]!.fromSend.totalCount,
    )
  })
})
