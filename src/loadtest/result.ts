import type {LoadOutcome, TargetRecorder} from './engine.js'
import type {LoadSettings, Thresholds} from './options.js'

import {Series, type SeriesPoint} from './series.js'
import {
  correctForCoordinatedOmission,
  encodeHistogram,
  type Histogram,
  type LatencySummary,
  newLatencyHistogram,
  summarize,
} from './stats.js'

/** Version of the JSON shape below (docs/loadtest.md); --compare refuses other versions. */
export const RESULT_SCHEMA = 'mcp.loadtest/v1'

export interface ErrorCounts {
  connect: number
  timeout: number
  reset: number
  /** Responses that could not be parsed. */
  protocol: number
  /** Responses with a status outside 200–299. */
  non2xx: number
  total: number
  /** total / (responses + transport errors), 0..1 */
  rate: number
}

export interface InstanceResult {
  id: string
  url: string
  /** --targets: the target's line in the file, its method, and its header names (values may be credentials). */
  line?: number
  method?: string
  headers?: string[]
  connections: number
  requests: number
  requestsPerSecond: number
  /** This instance's share of all responses, 0..1. */
  share: number
  bytes: number
  latency: LatencySummary
  latencyUncorrected: LatencySummary
  status: Record<string, number>
  errors: ErrorCounts
  histogram: string
}

export interface ThresholdResult {
  /** The flag, e.g. max-p99. */
  name: string
  /** What was measured against it: p99, p95, max, requestsPerSecond, errorRate. */
  metric: string
  /** µs for latency limits, req/s, or 0..1. */
  limit: number
  actual: number
  ok: boolean
}

export interface LoadResult {
  schema: typeof RESULT_SCHEMA
  target:
    | {kind: 'url'; url: string}
    | {kind: 'service'; service: string; path: string}
    | {kind: 'targets'; file: string; targets: number}
  mode: 'closed-loop' | 'open-loop'
  settings: {
    connections: number
    /** -t as given. */
    threads: number
    /** Event loops used: -t is a ceiling (cores, connections; open loop only from 10k req/s). */
    threadsUsed: number
    durationMs: number
    warmupMs: number
    rate: number | null
    requests: number | null
    pipelining: number
    timeoutMs: number
    method: string
    /** Header names only: values may be credentials. */
    headers: string[]
    bodyBytes: number
  }
  startedAt: string
  /** Wall time of the measured part (after warmup), ms. */
  durationMs: number
  stoppedBy: LoadOutcome['stoppedBy']
  interrupted: boolean
  /** Every latency figure is in microseconds. */
  latencyUnit: 'us'
  requests: {total: number; perSecond: number; expected: number | null}
  bytes: {total: number; perSecond: number}
  /**
   * How `latency` is corrected for coordinated omission. intended-send-time (open loop, -R): each
   * request's latency runs from when the schedule meant to send it (wrk2). expected-interval (closed
   * loop): wrk's after-the-fact correction, which adds the samples a stalled connection could not
   * send, at the mean per-connection interval.
   */
  latencyCorrection: 'intended-send-time' | 'expected-interval'
  latency: LatencySummary
  /** From the actual send to the response: what autocannon or a naive client reports. */
  latencyUncorrected: LatencySummary
  /** HdrHistogram, compressed and base64 encoded (hdr-histogram-js decodeFromCompressedBase64). */
  histogram: string
  histogramUncorrected: string
  status: Record<string, number>
  errors: ErrorCounts
  /** First message seen per error kind. */
  errorSamples: Record<string, string>
  instances: InstanceResult[]
  /** Most requests on one instance / fewest on another; null for a single target. */
  imbalance: number | null
  thresholds: ThresholdResult[]
  /** Every threshold held. */
  ok: boolean
  /**
   * What the load generator itself cost: CPU time (all threads) over the run, per response, and
   * busy = CPU ÷ (wall time × threads); near 1 means mcp, not the server, was the limit.
   */
  generator: {cpuMs: number; wallMs: number; cpuPerRequestUs: number; busy: number}
  /**
   * Per second of the measured run, for the HTML report: responses, errors, and latency percentiles
   * of that second from a coarse log histogram (≈9%; the exact figures are in `latency`). Latency
   * here runs from the intended send time in open loop and from the actual send in closed loop.
   */
  timeline: {intervalMs: number; latencyFrom: 'intended-send-time' | 'send'; points: SeriesPoint[]}
}

function statusRecord(counts: Uint32Array): Record<string, number> {
  const out: Record<string, number> = {}
  // Stryker disable next-line EqualityOperator: equivalent, one past the end reads undefined, which is skipped
  for (let code = 100; code < counts.length; code++) if (counts[code]) out[String(code)] = counts[code]!
  return out
}

function errorCounts(recs: TargetRecorder[], status: Record<string, number>, responses: number): ErrorCounts {
  const e = {connect: 0, timeout: 0, reset: 0, protocol: 0}
  for (const r of recs) for (const k of Object.keys(e) as (keyof typeof e)[]) e[k] += r.errors[k]
  let non2xx = 0
  for (const [code, n] of Object.entries(status)) if (code[0] !== '2') non2xx += n
  const transport = e.connect + e.timeout + e.reset + e.protocol
  const total = transport + non2xx
  const attempts = responses + transport
  return {...e, non2xx, total, rate: attempts === 0 ? 0 : round(total / attempts, 6)}
}

function mergeStatus(recs: TargetRecorder[]): Record<string, number> {
  const all = new Uint32Array(1000)
  // Stryker disable next-line EqualityOperator: equivalent, a typed array ignores a write one past its end
  for (const r of recs) for (let i = 0; i < all.length; i++) all[i]! += r.status[i]!
  return statusRecord(all)
}

function mergeSeries(recs: TargetRecorder[]): Series {
  const out = new Series()
  for (const r of recs) out.add(r.series.data())
  return out
}

function mergeHistograms(hs: Histogram[]): Histogram {
  const out = newLatencyHistogram()
  for (const h of hs) out.add(h)
  return out
}

/**
 * wrk's closed-loop correction: a response slower than the mean interval between one connection's
 * requests stands for the requests the connection would have sent meanwhile, so the missing
 * samples are added (HdrHistogram's copyCorrectedForCoordinatedOmission, wrk's stats_correct).
 */
function correctClosedLoop(
  r: TargetRecorder,
  connections: number,
  measuredMs: number,
  perConnection: number,
): Histogram {
  const streams = connections * perConnection
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, a zero gives an infinite or zero interval: no correction
  if (r.responses === 0 || streams === 0) return r.fromSend
  const intervalUs = Math.round((measuredMs * 1000) / (r.responses / streams))
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, an interval under 1 µs corrects nothing
  return intervalUs > 0 ? correctForCoordinatedOmission(r.fromSend, intervalUs) : r.fromSend
}

export interface ResultContext {
  target: LoadResult['target']
  settings: LoadSettings
  instanceUrls: string[]
  /** Event loops actually used (-t is a ceiling). */
  threadsUsed: number
  /** CPU the whole process used during the run, and the run's wall time. */
  generator: {cpuMs: number; wallMs: number}
  /** --targets: for each target, the targets sharing its connections (endpointGroups), first one holding the count. */
  sharedConnections?: number[][]
  /** --targets: each target's method and header names, for the per-target rows. */
  requestOf?: {method: string; headers: string[]}[]
}

export function buildResult(outcome: LoadOutcome, ctx: ResultContext): LoadResult {
  const {settings} = ctx
  const recs = outcome.recorders
  const seconds = outcome.measuredMs / 1000
  const perSecond = (n: number): number => (seconds > 0 ? round(n / seconds, 2) : 0)
  const responses = recs.reduce((a, r) => a + r.responses, 0)
  const bytes = recs.reduce((a, r) => a + r.bytes, 0)
  const open = settings.rate !== undefined
  const perConnection = settings.pipelining
  const shared = ctx.sharedConnections
  const connectionsOf = (i: number): number => (shared ? recs[shared[i]![0]!]!.connections : recs[i]!.connections)
  // Targets cycled on shared connections: each one's share of the streams is its share of their responses,
  // so the expected interval is the connections' (any request), as wrk's correction means it.
  const streamsOf = (i: number): number => {
    if (!shared) return recs[i]!.connections
    const together = shared[i]!.reduce((a, k) => a + recs[k]!.responses, 0)
    return together === 0 ? 0 : (connectionsOf(i) * recs[i]!.responses) / together
  }

  // Corrected and raw histograms per target; the totals are their sums.
  const corrected = recs.map((r, i) =>
    open ? r.fromIntended! : correctClosedLoop(r, streamsOf(i), outcome.measuredMs, perConnection),
  )
  // Stryker disable next-line ConditionalExpression: equivalent, merging one histogram copies it (a shortcut)
  const latency = recs.length === 1 ? corrected[0]! : mergeHistograms(corrected)
  // Stryker disable next-line ConditionalExpression: equivalent, as above
  const raw = recs.length === 1 ? recs[0]!.fromSend : mergeHistograms(recs.map((r) => r.fromSend))
  const status = mergeStatus(recs)
  const instances: InstanceResult[] = recs.map((r, i) => {
    const st = statusRecord(r.status)
    return {
      id: r.target.id,
      url: ctx.instanceUrls[i] ?? r.target.id,
      ...(r.target.line === undefined ? {} : {line: r.target.line}),
      ...ctx.requestOf?.[i],
      connections: connectionsOf(i),
      requests: r.responses,
      requestsPerSecond: perSecond(r.responses),
      share: responses === 0 ? 0 : round(r.responses / responses, 4),
      bytes: r.bytes,
      latency: summarize(corrected[i]!),
      latencyUncorrected: summarize(r.fromSend),
      status: st,
      errors: errorCounts([r], st, r.responses),
      histogram: encodeHistogram(corrected[i]!),
    }
  })
  const counts = instances.map((i) => i.requests)
  const imbalance =
    counts.length < 2 ? null : Math.min(...counts) === 0 ? null : round(Math.max(...counts) / Math.min(...counts), 3)
  const result: LoadResult = {
    schema: RESULT_SCHEMA,
    target: ctx.target,
    mode: open ? 'open-loop' : 'closed-loop',
    settings: {
      connections: settings.connections,
      threads: settings.threads,
      threadsUsed: ctx.threadsUsed,
      durationMs: settings.durationMs,
      warmupMs: settings.warmupMs,
      rate: settings.rate ?? null,
      requests: settings.requests ?? null,
      pipelining: settings.pipelining,
      timeoutMs: settings.timeoutMs,
      method: settings.method,
      headers: settings.headers.map(([k]) => k),
      bodyBytes: settings.body?.length ?? 0,
    },
    startedAt: outcome.startedAt.toISOString(),
    durationMs: Math.round(outcome.measuredMs),
    stoppedBy: outcome.stoppedBy,
    interrupted: outcome.stoppedBy === 'interrupt',
    latencyUnit: 'us',
    requests: {
      total: responses,
      perSecond: perSecond(responses),
      expected: open ? Math.round((settings.rate! * outcome.measuredMs) / 1000) : null,
    },
    bytes: {total: bytes, perSecond: perSecond(bytes)},
    latencyCorrection: open ? 'intended-send-time' : 'expected-interval',
    latency: summarize(latency),
    latencyUncorrected: summarize(raw),
    histogram: encodeHistogram(latency),
    histogramUncorrected: encodeHistogram(raw),
    status,
    errors: errorCounts(recs, status, responses),
    errorSamples: Object.fromEntries(recs.flatMap((r) => [...r.errorSamples])),
    instances,
    imbalance,
    // Stryker disable next-line ArrayDeclaration,BooleanLiteral: equivalent, both are set from checkThresholds just below
    thresholds: [],
    // Stryker disable next-line BooleanLiteral: equivalent, as above
    ok: true,
    timeline: {
      intervalMs: 1000,
      latencyFrom: open ? 'intended-send-time' : 'send',
      points: mergeSeries(recs).points(outcome.measuredMs),
    },
    generator: {
      ...ctx.generator,
      cpuPerRequestUs: responses === 0 ? 0 : round((ctx.generator.cpuMs * 1000) / responses, 2),
      busy: ctx.generator.wallMs === 0 ? 0 : round(ctx.generator.cpuMs / (ctx.generator.wallMs * ctx.threadsUsed), 3),
    },
  }
  result.thresholds = checkThresholds(result, settings.thresholds)
  result.ok = result.thresholds.every((t) => t.ok)
  return result
}

/** Compare the run with the --max-... and --min-... limits; every limit given yields one entry. */
export function checkThresholds(
  r: Pick<LoadResult, 'latency' | 'requests' | 'errors'>,
  t: Thresholds,
): ThresholdResult[] {
  const out: ThresholdResult[] = []
  // With no response at all a latency limit is not met: there is nothing showing it holds.
  const measured = r.latency.count > 0
  const latency = (name: string, metric: 'p99' | 'p95' | 'max', limit: number | undefined): void => {
    if (limit !== undefined)
      out.push({name, metric, limit, actual: r.latency[metric], ok: measured && r.latency[metric] <= limit})
  }

  latency('max-p99', 'p99', t.maxP99)
  latency('max-p95', 'p95', t.maxP95)
  latency('max-latency', 'max', t.maxLatency)
  if (t.minRps !== undefined)
    out.push({
      name: 'min-rps',
      metric: 'requestsPerSecond',
      limit: t.minRps,
      actual: r.requests.perSecond,
      ok: r.requests.perSecond >= t.minRps,
    })
  if (t.maxErrorRate !== undefined) {
    out.push({
      name: 'max-error-rate',
      metric: 'errorRate',
      limit: t.maxErrorRate,
      actual: r.errors.rate,
      ok: measured && r.errors.rate <= t.maxErrorRate,
    })
  }

  return out
}

function round(n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
