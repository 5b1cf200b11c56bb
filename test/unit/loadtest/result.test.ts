import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {Instance, ServiceView} from '../../../src/model/types.js'

import {UsageError} from '../../../src/core/errors.js'
import {formatMicros} from '../../../src/loadtest/render.js'
import {checkThresholds} from '../../../src/loadtest/result.js'
import {pickServiceTargets} from '../../../src/loadtest/service-targets.js'
import {
  decodeHistogram,
  encodeHistogram,
  logBuckets,
  newLatencyHistogram,
  summarize,
} from '../../../src/loadtest/stats.js'

describe('latency statistics', () => {
  test('microsecond values keep their precision and survive encoding', () => {
    const h = newLatencyHistogram()
    for (let i = 0; i < 1000; i++) h.recordValue(300 + (i % 100)) // 300–399 µs
    h.recordValue(300_000)
    const s = summarize(h)
    assert.ok(s.p50 >= 340 && s.p50 <= 360, `p50 ${s.p50}`)
    assert.ok(s.max >= 299_000 && s.max <= 301_000)
    assert.ok(s.withinStdev > 0.9)
    const back = decodeHistogram(encodeHistogram(h))
    assert.equal(back.totalCount, 1001)
    assert.equal(back.getValueAtPercentile(50), h.getValueAtPercentile(50))
    const buckets = logBuckets(h)
    assert.equal(
      buckets.reduce((a, b) => a + b.count, 0),
      1001,
    )
    assert.equal(formatMicros(412), '412µs')
    assert.equal(formatMicros(3850), '3.85ms')
    assert.equal(formatMicros(1_200_000), '1.20s')
  })
})

describe('thresholds', () => {
  const latency = {...summarize(newLatencyHistogram()), count: 10, p95: 90_000, p99: 300_000, max: 400_000}
  test('each limit given is checked and named', () => {
    const r = checkThresholds(
      {
        latency,
        requests: {total: 100, perSecond: 50, expected: null},
        errors: {connect: 0, timeout: 0, reset: 0, protocol: 0, non2xx: 2, total: 2, rate: 0.02},
      },
      {
        maxP99: 250_000,
        maxP95: 100_000,
        maxLatency: 500_000,
        minRps: 100,
        maxErrorRate: 0.01,
      },
    )
    assert.deepEqual(
      r.map((t) => [t.name, t.ok]),
      [
        ['max-p99', false],
        ['max-p95', true],
        ['max-latency', true],
        ['min-rps', false],
        ['max-error-rate', false],
      ],
    )
  })
  test('no response at all does not pass a latency limit', () => {
    const none = summarize(newLatencyHistogram())
    const [t] = checkThresholds(
      {
        latency: none,
        requests: {total: 0, perSecond: 0, expected: null},
        errors: {connect: 5, timeout: 0, reset: 0, protocol: 0, non2xx: 0, total: 5, rate: 1},
      },
      {maxP99: 1000},
    )
    assert.equal(t!.ok, false)
  })
})

function instance(id: string, extra: Partial<Instance>): Instance {
  return {id, service: 'web', addresses: [], healthPath: '/health', ...extra}
}

describe('service targets', () => {
  const running = {
    id: 'x',
    name: 'x',
    image: 'i',
    state: 'running',
    status: 'Up',
    health: 'none' as const,
    created: 0,
    labels: {},
    networkMode: 'bridge',
    networks: [],
    ports: [],
  }
  const view: ServiceView = {
    takenAt: '',
    sources: [],
    unnamed: [],
    services: [
      {
        name: 'web',
        instances: [
          instance('web-1', {
            docker: running,
            addresses: [
              {kind: 'network', ip: '172.18.0.2', port: 8080},
              {kind: 'published', ip: '127.0.0.1', port: 32_001, containerPort: 8080},
            ],
          }),
          instance('web-2', {
            docker: {...running, health: 'unhealthy'},
            addresses: [{kind: 'published', ip: '0.0.0.0', port: 32_002, containerPort: 8080}],
          }),
          instance('web-3', {
            docker: running,
            addresses: [{kind: 'network', ip: '172.18.0.4', port: 8080}],
            address: {kind: 'network', ip: '172.18.0.4', port: 8080},
          }),
          instance('web-4', {
            etcd: undefined,
            addresses: [{kind: 'registered', ip: '127.0.0.1', port: 32_004}],
            address: {kind: 'registered', ip: '127.0.0.1', port: 32_004},
          }),
        ],
      },
    ],
  }

  test('healthy instances through loopback only, the rest excluded with a reason', () => {
    const r = pickServiceTargets(view, 'web', {path: '/api?x=1', anyAddress: false, https: false})
    assert.deepEqual(
      r.targets.map((t) => [t.id, t.url.href]),
      [
        ['web-1', 'http://127.0.0.1:32001/api?x=1'],
        ['web-4', 'http://127.0.0.1:32004/api?x=1'],
      ],
    )
    assert.deepEqual(
      r.excluded.map((e) => e.id),
      ['web-2', 'web-3'],
    )
    assert.match(r.excluded[1]!.reason, /--any-address/)
    const any = pickServiceTargets(view, 'web', {path: '/', anyAddress: true, https: false})
    assert.ok(any.targets.some((t) => t.url.href === 'http://172.18.0.4:8080/'))
  })

  test('unknown service and no healthy instance are usage errors', () => {
    assert.throws(
      () => pickServiceTargets(view, 'wbe', {path: '/', anyAddress: false, https: false}),
      (e: UsageError) => e instanceof UsageError && /web/.test(e.hint ?? ''),
    )
    const sick: ServiceView = {...view, services: [{name: 'web', instances: [view.services[0]!.instances[1]!]}]}
    assert.throws(
      () => pickServiceTargets(sick, 'web', {path: '/', anyAddress: false, https: false}),
      /no healthy instance.*unhealthy/,
    )
  })
})

describe('coordinated-omission correction', () => {
  test("matches HdrHistogram's copyCorrectedForCoordinatedOmission, and stays fast on a wide tail", async () => {
    const {correctForCoordinatedOmission} = await import('../../../src/loadtest/stats.js')
    const h = newLatencyHistogram()
    for (let i = 0; i < 10_000; i++) h.recordValue(200 + (i % 50))
    for (let i = 0; i < 30; i++) h.recordValue(300_000 - i * 9000)
    const ours = correctForCoordinatedOmission(h, 800)
    const hdr = h.copyCorrectedForCoordinatedOmission(800)
    assert.equal(ours.totalCount, hdr.totalCount)
    for (const p of [50, 90, 99, 99.9]) assert.equal(ours.getValueAtPercentile(p), hdr.getValueAtPercentile(p))
    const wide = newLatencyHistogram()
    for (let v = 1; v < 2_000_000; v = Math.ceil(v * 1.0005)) wide.recordValue(v)
    const started = performance.now()
    const fast = correctForCoordinatedOmission(wide, 50)
    assert.ok(performance.now() - started < 3000)
    const exactCount = wide.copyCorrectedForCoordinatedOmission(50).totalCount
    assert.ok(Math.abs(fast.totalCount - exactCount) / exactCount < 0.01)
  })
})
