import * as hdr from 'hdr-histogram-js'

/** Latencies are recorded in whole microseconds; one hour is the largest value kept (larger clamp). */
export const MAX_LATENCY_US = 3_600_000_000

export type Histogram = hdr.Histogram

/** A histogram for microsecond latencies: 3 significant digits (0.1% resolution), 1 µs to 1 h. */
export function newLatencyHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_LATENCY_US,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    useWebAssembly: false,
  })
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h)
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false)
}

/** The percentiles every report shows. */
export const PERCENTILES = [50, 75, 90, 95, 99, 99.9, 99.99] as const

export interface LatencySummary {
  /** Every figure in microseconds. */
  count: number
  min: number
  avg: number
  stdev: number
  max: number
  p50: number
  p75: number
  p90: number
  p95: number
  p99: number
  'p99.9': number
  'p99.99': number
  /** Share of samples within one standard deviation of the mean (wrk's "+/- Stdev"), 0..1. */
  withinStdev: number
}

export function summarize(h: Histogram): LatencySummary {
  const count = h.totalCount
  if (count === 0) {
    return {
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
    }
  }

  const avg = h.mean
  const stdev = h.stdDeviation
  return {
    count,
    min: h.minNonZeroValue,
    avg: round1(avg),
    stdev: round1(stdev),
    max: h.maxValue,
    p50: h.getValueAtPercentile(50),
    p75: h.getValueAtPercentile(75),
    p90: h.getValueAtPercentile(90),
    p95: h.getValueAtPercentile(95),
    p99: h.getValueAtPercentile(99),
    'p99.9': h.getValueAtPercentile(99.9),
    'p99.99': h.getValueAtPercentile(99.99),
    withinStdev: round4(shareWithin(h, avg - stdev, avg + stdev)),
  }
}

type Iterable = {
  recordedValuesIterator: {
    reset(): void
    hasNext(): boolean
    next(): {valueIteratedTo: number; countAtValueIteratedTo: number}
  }
}

function recorded(h: Histogram): {value: number; count: number}[] {
  const it = (h as unknown as Iterable).recordedValuesIterator
  const out: {value: number; count: number}[] = []
  it.reset()
  while (it.hasNext()) {
    const v = it.next()
    out.push({value: v.valueIteratedTo, count: v.countAtValueIteratedTo})
  }

  return out
}

/**
 * A copy of `h` corrected for coordinated omission at `intervalUs` (HdrHistogram's
 * copyCorrectedForCoordinatedOmission: a value v also stands for v − I, v − 2I, … ≥ I). That costs
 * v/I steps per recorded bucket, seconds for a wide tail at a tiny interval, so past `budget` steps
 * the synthetic values are placed every f·I with weight f: the same counts, positions within f·I.
 */
export function correctForCoordinatedOmission(h: Histogram, intervalUs: number, budget = 1_000_000): Histogram {
  const out = newLatencyHistogram()
  out.add(h)
  if (!(intervalUs >= 1) || h.totalCount === 0) return out
  const values = recorded(h)
  let cost = 0
  for (const v of values) if (v.value > intervalUs) cost += v.value / intervalUs
  const factor = Math.max(1, Math.ceil(cost / budget))
  const step = intervalUs * factor
  for (const v of values) {
    for (let m = v.value - step; m >= intervalUs; m -= step) out.recordValueWithCount(Math.round(m), v.count * factor)
  }

  return out
}

function shareWithin(h: Histogram, lo: number, hi: number): number {
  if (h.totalCount === 0) return 0
  // Counts at or below a value via percentiles would be coarse; walk the recorded buckets instead.
  let inside = 0
  const anyH = h as unknown as {
    recordedValuesIterator?: {
      reset(): void
      hasNext(): boolean
      next(): {valueIteratedTo: number; countAtValueIteratedTo: number}
    }
  }
  const it = anyH.recordedValuesIterator
  if (!it) return 0
  it.reset()
  while (it.hasNext()) {
    const v = it.next()
    if (v.valueIteratedTo >= lo && v.valueIteratedTo <= hi) inside += v.countAtValueIteratedTo
  }

  return inside / h.totalCount
}

export interface HistogramBucket {
  /** Upper bound of the bucket, µs (inclusive). */
  le: number
  count: number
}

/**
 * The distribution in up to `buckets` log-spaced bins between min and max, for the terminal
 * histogram. Log spacing keeps both the sub-millisecond body and a 300 ms tail readable.
 */
export function logBuckets(h: Histogram, buckets = 12): HistogramBucket[] {
  if (h.totalCount === 0) return []
  const min = Math.max(1, h.minNonZeroValue)
  const max = Math.max(min, h.maxValue)
  // Stryker disable next-line ConditionalExpression: equivalent, with max = min every bound is max and they merge into this one bucket
  if (max === min) return [{le: max, count: h.totalCount}]
  const ratio = (max / min) ** (1 / buckets)
  const bounds: number[] = []
  // Stryker disable next-line ConditionalExpression: equivalent, min × ratio^buckets is max up to rounding, and max is an integer
  for (let i = 1; i <= buckets; i++) bounds.push(i === buckets ? max : Math.round(min * ratio ** i))
  const counts = new Array<number>(bounds.length).fill(0)
  const anyH = h as unknown as {
    recordedValuesIterator: {
      reset(): void
      hasNext(): boolean
      next(): {valueIteratedTo: number; countAtValueIteratedTo: number}
    }
  }
  const it = anyH.recordedValuesIterator
  it.reset()
  while (it.hasNext()) {
    const v = it.next()
    let k = 0
    while (k < bounds.length - 1 && v.valueIteratedTo > bounds[k]!) k++
    counts[k] += v.countAtValueIteratedTo
  }

  const out: HistogramBucket[] = []
  for (let i = 0; i < bounds.length; i++) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, bounds[-1] is undefined
    if (i > 0 && bounds[i] === bounds[i - 1]) {
      // Stryker disable next-line AssignmentOperator: equivalent, a count lands in the first of equal bounds, so this adds 0
      out.at(-1)!.count += counts[i]!
      continue
    }

    out.push({le: bounds[i]!, count: counts[i]!})
  }

  return out
}

function round1(n: number): number {
  return Math.round(n * 10) / 10
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000
}
