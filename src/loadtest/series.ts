/**
 * Requests, errors and latency per second of the measured run: what the HTML report draws over
 * time. Latency goes into a coarse log histogram per second (8 buckets per power of two, ≈9% wide)
 * — a constant 1 KiB a second and one Math.log2 per response; the exact figures stay in the HDR
 * histograms.
 */
const PER_OCTAVE = 8
const BUCKETS = 32 * PER_OCTAVE

export interface SeriesData {
  requests: number[]
  errors: number[]
  /** Per second: bucket index → count, only the buckets used. */
  latency: Record<number, number>[]
}

export interface SeriesPoint {
  /** Seconds since measuring started (the start of this interval). */
  t: number
  requests: number
  errors: number
  /** Latency percentiles of this second, µs (bucket upper edges); null when nothing was answered. */
  p50: number | null
  p90: number | null
  p99: number | null
  max: number | null
}

export class Series {
  /** performance.now() when measuring started. */
  t0 = Infinity
  private readonly requests: number[] = []
  private readonly errors: number[] = []
  private readonly latency: Uint32Array[] = []

  private second(now: number): number {
    return Math.max(0, Math.floor((now - this.t0) / 1000))
  }

  /** The second being filled, cached: the hot path is one comparison, a log2 and two increments. */
  private current = -1
  private currentEnd = -Infinity
  private currentBuckets: Uint32Array = new Uint32Array(0)

  record(now: number, latencyUs: number): void {
    if (now >= this.currentEnd || now < this.currentEnd - 1000) {
      const s = this.second(now)
      this.current = s
      this.currentEnd = this.t0 + (s + 1) * 1000
      const buckets = this.latency[s] ?? new Uint32Array(BUCKETS)
      this.latency[s] = buckets
      this.currentBuckets = buckets
      for (let i = this.requests.length; i < s; i++) this.requests[i] = 0
      this.requests[s] ??= 0
    }

    this.requests[this.current]!++
    const bucket = latencyUs <= 1 ? 0 : Math.min(BUCKETS - 1, (Math.log2(latencyUs) * PER_OCTAVE) | 0)
    this.currentBuckets[bucket]!++
  }

  error(now: number, count: number): void {
    const s = this.second(now)
    this.errors[s] = (this.errors[s] ?? 0) + count
  }

  data(): SeriesData {
    const n = Math.max(this.requests.length, this.errors.length)
    const latency: Record<number, number>[] = []
    for (let s = 0; s < n; s++) {
      const sparse: Record<number, number> = {}
      this.latency[s]?.forEach((c, i) => c && (sparse[i] = c))
      latency.push(sparse)
    }

    return {requests: fill(this.requests, n), errors: fill(this.errors, n), latency}
  }

  /** Add another thread's or target's series (same clock). */
  add(d: SeriesData): void {
    d.requests.forEach((c, s) => (this.requests[s] = (this.requests[s] ?? 0) + c))
    d.errors.forEach((c, s) => (this.errors[s] = (this.errors[s] ?? 0) + c))
    d.latency.forEach((sparse, s) => {
      const into = this.latency[s] ?? new Uint32Array(BUCKETS)
      this.latency[s] = into
      for (const [i, c] of Object.entries(sparse)) into[Number(i)]! += c
    })
  }

  /** One point per second of `durationMs` (a last partial second counts as a second). */
  points(durationMs: number): SeriesPoint[] {
    const n = Math.max(1, Math.ceil(durationMs / 1000))
    const out: SeriesPoint[] = []
    for (let s = 0; s < n; s++) {
      const h = this.latency[s]
      out.push({
        t: s,
        requests: this.requests[s] ?? 0,
        errors: this.errors[s] ?? 0,
        p50: quantile(h, 0.5),
        p90: quantile(h, 0.9),
        p99: quantile(h, 0.99),
        max: quantile(h, 1),
      })
    }

    return out
  }
}

const fill = (a: number[], n: number): number[] => Array.from({length: n}, (_, i) => a[i] ?? 0)

function quantile(h: Uint32Array | undefined, q: number): number | null {
  if (!h) return null
  let total = 0
  for (const c of h) total += c
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(q * total))
  let seen = 0
  for (let i = 0; i < h.length; i++) {
    seen += h[i]!
    if (seen >= rank) return Math.round(2 ** ((i + 1) / PER_OCTAVE))
  }

  return null
}
