import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {
  correctForCoordinatedOmission,
  decodeHistogram,
  encodeHistogram,
  logBuckets,
  MAX_LATENCY_US,
  newLatencyHistogram,
  PERCENTILES,
  summarize,
} from '../../../src/loadtest/stats.js'

function histogram(values: [number, number][]) {
  const h = newLatencyHistogram()
  for (const [v, n] of values) h.recordValueWithCount(v, n)
  return h
}

describe('summarize', () => {
  test('every figure of a known distribution', () => {
    // 90 × 100 µs, 9 × 1000 µs, 1 × 10 000 µs.
    const s = summarize(
      histogram([
        [100, 90],
        [1000, 9],
        [10_000, 1],
      ]),
    )
    assert.equal(s.count, 100)
    assert.equal(s.min, 100)
    assert.ok(Math.abs(s.max - 10_000) <= 10)
    assert.equal(s.avg, 280)
    assert.equal(s.p50, 100)
    assert.equal(s.p75, 100)
    assert.equal(s.p90, 100)
    assert.ok(Math.abs(s.p95 - 1000) <= 1)
    assert.ok(Math.abs(s.p99 - 1000) <= 1)
    assert.ok(Math.abs(s['p99.9'] - 10_000) <= 10)
    assert.ok(Math.abs(s['p99.99'] - 10_000) <= 10)
    // stdev of that distribution: sqrt(mean of squares − mean²) ≈ 1010 (the histogram's buckets add a little)
    assert.ok(Math.abs(s.stdev - 1010.3) < 2, `stdev ${s.stdev}`)
    assert.equal(s.stdev, Math.round(s.stdev * 10) / 10, 'one decimal')
    // Within avg ± stdev (0 .. 1280 µs): the 99 samples at 100 and 1000 µs.
    assert.equal(s.withinStdev, 0.99)
  })

  test('rounding: avg to one decimal, the share within stdev to four', () => {
    const s = summarize(
      histogram([
        [100, 2],
        [101, 1],
      ]),
    )
    assert.equal(s.avg, 100.3)
    const t = summarize(
      histogram([
        [100, 1],
        [200, 1],
        [10_000, 1],
      ]),
    )
    assert.equal(t.withinStdev, 0.6667)
  })

  test('within one standard deviation: both ends count, what lies outside does not', () => {
    // 100 and 300: mean 200, stdev 100, so both sit exactly on the ends.
    assert.equal(
      summarize(
        histogram([
          [100, 1],
          [300, 1],
        ]),
      ).withinStdev,
      1,
    )
    // mean 1000, stdev ~402: 100 and 1900 lie outside.
    assert.equal(
      summarize(
        histogram([
          [100, 1],
          [1000, 8],
          [1900, 1],
        ]),
      ).withinStdev,
      0.8,
    )
  })

  test('an empty histogram is all zeros', () => {
    assert.deepEqual(summarize(newLatencyHistogram()), {
      count: 0,
      min: 0,
      avg: 0,
      stdev: 0,
      max: 0,
      p50: 0,
      p75: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      'p99.9': 0,
      'p99.99': 0,
      withinStdev: 0,
    })
  })

  test('the range: 1 µs to an hour, larger values clamp into the top', () => {
    assert.deepEqual([...PERCENTILES], [50, 75, 90, 95, 99, 99.9, 99.99])
    const h = newLatencyHistogram()
    assert.equal(h.highestTrackableValue, MAX_LATENCY_US)
    assert.equal(h.numberOfSignificantValueDigits, 3)
    h.recordValue(1)
    h.recordValue(MAX_LATENCY_US)
    assert.equal(decodeHistogram(encodeHistogram(h)).totalCount, 2)
    assert.equal(summarize(h).min, 1)
    assert.ok(summarize(h).max >= MAX_LATENCY_US * 0.999)
  })
})

describe('correctForCoordinatedOmission', () => {
  test("equals HdrHistogram's copyCorrectedForCoordinatedOmission", () => {
    const h = histogram([
      [200, 1000],
      [5000, 3],
      [30_000, 2],
      [100_000, 1],
    ])
    for (const interval of [1, 800, 5000, 4999, 5001]) {
      const ours = correctForCoordinatedOmission(h, interval)
      const theirs = h.copyCorrectedForCoordinatedOmission(interval)
      assert.equal(ours.totalCount, theirs.totalCount, `interval ${interval}`)
      for (const p of [50, 90, 99, 99.9]) {
        assert.equal(ours.getValueAtPercentile(p), theirs.getValueAtPercentile(p), `interval ${interval} p${p}`)
      }
    }

    // A value exactly twice the interval stands for one more sample, at the interval.
    const two = correctForCoordinatedOmission(histogram([[2000, 1]]), 1000)
    assert.equal(two.totalCount, 2)
    assert.equal(two.minNonZeroValue, 1000)
  })

  test('nothing to correct: an interval under 1 µs, not a number, or an empty histogram; the input is left alone', () => {
    const h = histogram([[5000, 10]])
    for (const interval of [0, 0.5, -1, Number.NaN]) {
      assert.equal(correctForCoordinatedOmission(h, interval).totalCount, 10, String(interval))
    }

    assert.equal(correctForCoordinatedOmission(newLatencyHistogram(), 100).totalCount, 0)
    correctForCoordinatedOmission(h, 100)
    assert.equal(h.totalCount, 10)
  })

  test('past the budget, the same count in coarser steps', () => {
    const h = histogram([
      [100_000, 3],
      [50, 7],
    ])
    const exact = h.copyCorrectedForCoordinatedOmission(10)
    // 100 000 / 10 = 10 000 steps per sample bucket; a budget of 1000 gives steps of 10 × 10 µs, weight 10.
    const coarse = correctForCoordinatedOmission(h, 10, 1000)
    assert.ok(
      Math.abs(coarse.totalCount - exact.totalCount) <= exact.totalCount * 0.005,
      `${coarse.totalCount} vs ${exact.totalCount}`,
    )
    assert.notEqual(coarse.totalCount, exact.totalCount)
    assert.ok(Math.abs(coarse.getValueAtPercentile(50) - exact.getValueAtPercentile(50)) <= 100)
    const fine = correctForCoordinatedOmission(h, 10, 1_000_000)
    assert.equal(fine.totalCount, exact.totalCount)
    // Under the budget (~10 000 steps): exact.
    assert.equal(correctForCoordinatedOmission(h, 10, 20_000).totalCount, exact.totalCount)
  })
})

describe('logBuckets', () => {
  test('log-spaced bounds from min to max; every sample counted once', () => {
    const h = histogram([
      [100, 5],
      [1000, 3],
      [10_000, 2],
    ])
    const b = logBuckets(h, 2)
    assert.equal(b.length, 2)
    assert.ok(Math.abs(b[0]!.le - 1000) <= 2, `first bound ${b[0]!.le}`)
    assert.equal(b[1]!.le, h.maxValue)
    assert.deepEqual(
      b.map((x) => x.count),
      [8, 2],
    )
    assert.equal(logBuckets(h).length, 12)
    assert.equal(
      logBuckets(h).reduce((a, x) => a + x.count, 0),
      10,
    )
  })
  test('one value is one bucket; nothing is no bucket; equal bounds merge', () => {
    assert.deepEqual(logBuckets(histogram([[500, 4]])), [{le: 500, count: 4}])
    assert.deepEqual(logBuckets(newLatencyHistogram()), [])
    const narrow = logBuckets(
      histogram([
        [1, 1],
        [2, 1],
      ]),
      12,
    )
    assert.equal(
      narrow.reduce((a, x) => a + x.count, 0),
      2,
    )
    assert.ok(
      narrow.every((x, i) => i === 0 || x.le > narrow[i - 1]!.le),
      JSON.stringify(narrow),
    )
  })
})
