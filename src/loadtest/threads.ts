import {availableParallelism} from 'node:os'
import {Worker} from 'node:worker_threads'

import type {SeriesData} from './series.js'

import {
  absoluteNow,
  type ConnectionSpec,
  connectionSpecs,
  type ErrorKind,
  type LoadHooks,
  type LoadOutcome,
  type LoadPlan,
  prepareLoad,
  TargetRecorder,
  TargetUnreachable,
} from './engine.js'
import {decodeHistogram, encodeHistogram} from './stats.js'

/** Below this rate one event loop keeps the schedule easily; more threads would only add jitter. */
export const THREADED_RATE_MIN = 10_000

/** A target on this machine's loopback: the server under test shares our CPU cores. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}

/**
 * How many event loops to use for -t N (wrk's default habit is -t2): never more than the
 * connections or the CPU cores; when every target is on loopback, one core is left to the server
 * (a second loop costs more CPU per request, taken from the server, for no steady gain: docs/performance.md,
 * bench/loadtest.sh); in open loop only at rates one loop might not sustain.
 */
export function effectiveThreads(
  requested: number,
  plan: Pick<LoadPlan, 'connections' | 'rate' | 'targets'>,
  cores = availableParallelism(),
): number {
  if (requested <= 1) return 1
  if (plan.rate !== undefined && plan.rate < THREADED_RATE_MIN) return 1
  const local = plan.targets.every((t) => isLoopbackHost(t.host))
  const cap = local ? cores - 1 : cores
  return Math.max(1, Math.min(requested, plan.connections, cap))
}

/** A TargetRecorder as plain data, to cross a thread boundary. */
export interface RecorderData {
  responses: number
  bytes: number
  status: number[]
  errors: Record<ErrorKind, number>
  errorSamples: [ErrorKind, string][]
  fromSend: string
  fromIntended?: string
  series: SeriesData
}

export function recorderData(r: TargetRecorder): RecorderData {
  return {
    responses: r.responses,
    bytes: r.bytes,
    status: [...r.status],
    errors: {...r.errors},
    errorSamples: [...r.errorSamples],
    fromSend: encodeHistogram(r.fromSend),
    fromIntended: r.fromIntended ? encodeHistogram(r.fromIntended) : undefined,
    series: r.series.data(),
  }
}

function mergeRecorder(into: TargetRecorder, d: RecorderData): void {
  into.responses += d.responses
  into.bytes += d.bytes
  for (let i = 0; i < d.status.length; i++) into.status[i]! += d.status[i]!
  for (const k of Object.keys(d.errors) as ErrorKind[]) into.errors[k] += d.errors[k]
  for (const [k, m] of d.errorSamples) if (!into.errorSamples.has(k)) into.errorSamples.set(k, m)
  into.fromSend.add(decodeHistogram(d.fromSend))
  if (into.fromIntended && d.fromIntended) into.fromIntended.add(decodeHistogram(d.fromIntended))
  into.series.add(d.series)
}

/** Messages between the main thread and a load worker. */
export type ToWorker = {type: 'start'; t0: number} | {type: 'stop'}
export type FromWorker =
  | {type: 'ready'}
  | {type: 'unreachable'; target: number; code?: string; message: string}
  | {type: 'progress'; responses: number; errors: number}
  | {type: 'done'; recorders: RecorderData[]; measuredMs: number; stoppedBy: LoadOutcome['stoppedBy']}
  | {type: 'failed'; message: string}

export interface WorkerInput {
  plan: LoadPlan
  specs: ConnectionSpec[]
}

/** Split a count as evenly as possible over n shares. */
function share(total: number, n: number, i: number): number {
  return Math.floor(total / n) + (i < total % n ? 1 : 0)
}

/**
 * Run the plan over `threads` event loops: this thread runs one share of the connections, each
 * worker another; all open their connections first, then start on one shared clock. The
 * recorders are merged (histograms added), so the result reads as one run.
 */
export async function runThreaded(plan: LoadPlan, threads: number, hooks: LoadHooks = {}): Promise<LoadOutcome> {
  const specs = connectionSpecs(plan)
  const groups: ConnectionSpec[][] = Array.from({length: threads}, () => [])
  specs.forEach((s, i) => groups[i % threads]!.push(s))
  const planFor = (i: number): LoadPlan => ({
    ...plan,
    requests: plan.requests === undefined ? undefined : share(plan.requests, threads, i),
  })

  const workers: Worker[] = []
  const latest = new Map<Worker, {responses: number; errors: number}>()
  const results = new Map<Worker, Promise<Extract<FromWorker, {type: 'done'}>>>()
  const readies: Promise<void>[] = []
  for (let i = 1; i < threads; i++) {
    const input: WorkerInput = {plan: planFor(i), specs: groups[i]!}
    // '../loadtest/' rather than './': in the bundle this code may sit in dist/chunks/.
    const w = new Worker(new URL('../loadtest/worker.js', import.meta.url), {workerData: input})
    workers.push(w)
    let ready!: () => void
    let fail!: (e: Error) => void
    readies.push(
      new Promise<void>((resolve, reject) => {
        ready = resolve
        fail = reject
      }),
    )
    results.set(
      w,
      new Promise((resolve, reject) => {
        w.on('message', (m: FromWorker) => {
          switch (m.type) {
            case 'ready': {
              ready()
              break
            }

            case 'unreachable': {
              const e = new TargetUnreachable(plan.targets[m.target]!, m.code, m.message)
              fail(e)
              reject(e)

              break
            }

            case 'progress': {
              latest.set(w, {responses: m.responses, errors: m.errors})
              break
            }

            case 'done': {
              resolve(m)
              break
            }

            case 'failed': {
              const e = new Error(`load worker failed: ${m.message}`)
              fail(e)
              reject(e)

              break
            }
            // No default
          }
        })
        w.on('error', (e) => {
          fail(e)
          reject(e)
        })
      }),
    )
  }

  for (const p of results.values()) p.catch(() => undefined)
  const terminate = (): void => {
    for (const w of workers) void w.terminate()
  }

  let main
  try {
    ;[main] = await Promise.all([prepareLoad(planFor(0), groups[0]!), ...readies])
  } catch (error) {
    terminate()
    throw error
  }

  const t0 = absoluteNow() + 20
  for (const w of workers) w.postMessage({type: 'start', t0} satisfies ToWorker)
  const onAbort = (): void => {
    for (const w of workers) w.postMessage({type: 'stop'} satisfies ToWorker)
  }

  hooks.signal?.addEventListener('abort', onAbort)
  const progress = hooks.onProgress
  const mainHooks: LoadHooks = {
    ...hooks,
    onProgress: progress
      ? (p) => {
          let {responses, errors} = p
          for (const c of latest.values()) {
            responses += c.responses
            errors += c.errors
          }

          progress({...p, responses, errors})
        }
      : undefined,
  }
  try {
    const outcome = await main.start(t0, mainHooks)
    const done = await Promise.all(workers.map((w) => results.get(w)!))
    for (const d of done) {
      d.recorders.forEach((r, i) => mergeRecorder(outcome.recorders[i]!, r))
      outcome.measuredMs = Math.max(outcome.measuredMs, d.measuredMs)
      if (d.stoppedBy === 'interrupt') outcome.stoppedBy = 'interrupt'
    }

    // Connection counts per target over all threads.
    outcome.recorders.forEach((r, i) => (r.connections = specs.filter((s) => s.target === i).length))
    return outcome
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort)
    terminate()
  }
}
