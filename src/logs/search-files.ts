import {existsSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'

import {scanGzipFile, scanPlainFile, ScanResult} from './file-scan.js'
import {LogFile} from './paths.js'
import {TraceQuery} from './trace-id.js'

/** A piece of work: a whole file, or a byte range of a large plain file. */
export interface ScanUnit {
  path: string
  gzip: boolean
  range?: {start: number; end: number}
}

/**
 * Below this many bytes in total, starting worker threads costs more than it saves (the worker
 * start and one thread's search rate are in docs/performance.md, bench/trace.sh). MCP_TRACE_PARALLEL_MIN_BYTES lowers it (tests of the
 * parallel path, tuning); splitting and range sizes scale with it.
 */
const PARALLEL_MIN_BYTES = Number(process.env.MCP_TRACE_PARALLEL_MIN_BYTES) || 512 * 1024 * 1024
/** Plain files at least this big are split into byte ranges. */
const SPLIT_MIN_BYTES = PARALLEL_MIN_BYTES / 2
/** The smallest byte range of a split file. */
const RANGE_MIN_BYTES = PARALLEL_MIN_BYTES / 8

/**
 * A gzip file at least this big (compressed) is decompressed in a worker thread of its own, so
 * zlib and the search overlap; smaller ones do not repay the worker's start-up (docs/performance.md). MCP_TRACE_GUNZIP_WORKER_MIN_BYTES sets it (tests of the worker path, tuning).
 */
const GUNZIP_WORKER_MIN_BYTES = /^\d+$/.test(process.env.MCP_TRACE_GUNZIP_WORKER_MIN_BYTES ?? '')
  ? Number(process.env.MCP_TRACE_GUNZIP_WORKER_MIN_BYTES)
  : 8 * 1024 * 1024
/**
 * For the parallel threshold and the order of work, a compressed byte weighs this many plain ones:
 * several times more bytes come out, and inflating them is several times slower than searching
 * them (the rates are in docs/performance.md).
 */
const GZIP_COST_FACTOR = 40

export async function scanFileUnit(
  unit: ScanUnit,
  query: TraceQuery,
  context: number,
  options: {gunzipWorker?: boolean} = {},
): Promise<ScanResult> {
  if (!unit.gzip) {
    const r = scanPlainFile(unit.path, query, {context, range: unit.range})
    if (!r.gzip) return r
  }

  return scanGzipFile(unit.path, query, {context, worker: options.gunzipWorker})
}

const isGzipName = (path: string) => /\.gz$/i.test(path)

/** Merge the results of the ranges of one file, in range order. */
function mergeRanges(results: ScanResult[]): ScanResult {
  if (results.length === 1) return results[0]!
  const out: ScanResult = {lines: [], matches: 0, bytes: 0}
  for (const r of results) {
    out.lines.push(...r.lines)
    out.matches += r.matches
    out.bytes += r.bytes
    if (r.binaryAt !== undefined && out.binaryAt === undefined) out.binaryAt = r.binaryAt
    if (r.error && !out.error) out.error = r.error
  }

  if (out.binaryAt !== undefined) {
    out.lines = []
    out.matches = 0
  }

  return out
}

function workerScript(): string | undefined {
  // Only the compiled build has a .js worker; under tsx (unit tests) everything runs in-process.
  // '../logs/' rather than './': in the bundle this code may sit in dist/chunks/ (scripts/build.mjs).
  const url = new URL('../logs/scan-worker.js', import.meta.url)
  if (!import.meta.url.endsWith('.js')) return undefined
  const path = fileURLToPath(url)
  return existsSync(path) ? path : undefined
}

/**
 * Search every file for the id. Several files, or one large file split into ranges, are spread over
 * this thread and worker threads (one per core in all); small inputs run in this thread alone. Results come back per file, in
 * the order of `files`.
 */
export async function searchFiles(
  files: LogFile[],
  query: TraceQuery,
  options: {context?: number; threads?: number; splitFiles?: boolean} = {},
): Promise<ScanResult[]> {
  const context = options.context ?? 0
  const threads = Math.max(1, options.threads ?? availableParallelism())
  const total = files.reduce((s, f) => s + fileCost(f), 0)
  const script = workerScript()
  const parallel = threads > 1 && total >= PARALLEL_MIN_BYTES && script !== undefined

  // Units: files, and with splitFiles large plain files cut into byte ranges so one file also uses
  // every core (not with -C: context lines would straddle the ranges). Several pieces per thread
  // let the threads even out.
  const units: {file: number; unit: ScanUnit}[] = []
  for (const [i, f] of files.entries()) {
    const gzip = isGzipName(f.path)
    if (parallel && options.splitFiles && !gzip && context === 0 && f.size >= SPLIT_MIN_BYTES) {
      const step = Math.max(RANGE_MIN_BYTES, Math.ceil(f.size / (threads * 4)))
      for (let s = 0; s < f.size; s += step)
        units.push({file: i, unit: {path: f.path, gzip, range: {start: s, end: Math.min(f.size, s + step)}}})
    } else {
      units.push({file: i, unit: {path: f.path, gzip}})
    }
  }

  const results: ScanResult[][] = files.map(() => [])
  const unitResults: ScanResult[] = new Array(units.length)
  // A big .gz gets a worker thread that decompresses while the thread it is given to searches; in
  // the pool too, so each searching thread's zlib runs flat out and its event loop stays free.
  const gunzipWorker = (u: {file: number; unit: ScanUnit}) =>
    threads > 1 && u.unit.gzip && files[u.file]!.size >= GUNZIP_WORKER_MIN_BYTES
  if (!parallel || units.length === 1) {
    for (const [k, u] of units.entries())
      unitResults[k] = await scanFileUnit(u.unit, query, context, {gunzipWorker: gunzipWorker(u)})
  } else {
    // Largest first, so one big file does not start last. This thread is one of the `threads`: it
    // needs no start-up (a worker's does) and keeps going when another process holds a core.
    const order = [...units.keys()].sort((a, b) => unitSize(units[b]!, files) - unitSize(units[a]!, files))
    let next = 0
    const pool = Array.from({length: Math.min(threads - 1, units.length - 1)}, () => new Worker(script!))
    const remote = pool.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const give = () => {
            if (next >= order.length) {
              resolve()
              return
            }

            const seq = order[next++]!
            w.postMessage({
              id: query.input,
              unit: units[seq]!.unit,
              context,
              seq,
              gunzipWorker: gunzipWorker(units[seq]!),
            })
          }

          w.on('message', (m: {seq: number; result: ScanResult}) => {
            unitResults[m.seq] = m.result
            give()
          })
          w.on('error', reject)
          give()
        }),
    )
    const local = async () => {
      while (next < order.length) {
        const seq = order[next++]!
        unitResults[seq] = await scanFileUnit(units[seq]!.unit, query, context, {
          gunzipWorker: gunzipWorker(units[seq]!),
        })
        // Let the workers' results in, so they get their next unit without waiting for this one.
        await new Promise((r) => setImmediate(r))
      }
    }

    await Promise.all([...remote, local()]).finally(() => Promise.all(pool.map((w) => w.terminate())))
  }

  for (const [k, u] of units.entries()) results[u.file]!.push(unitResults[k]!)
  return results.map(mergeRanges)
}

function unitSize(u: {file: number; unit: ScanUnit}, files: LogFile[]): number {
  return u.unit.range ? u.unit.range.end - u.unit.range.start : fileCost(files[u.file]!)
}

/** Work in a file, in plain bytes searched. */
function fileCost(f: LogFile): number {
  return isGzipName(f.path) ? f.size * GZIP_COST_FACTOR : f.size
}
