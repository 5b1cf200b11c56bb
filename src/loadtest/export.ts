import type {LoadResult} from './result.js'

/** --out-format: the whole result (json), or the measured run second by second (csv, ndjson) for spreadsheets and plots. */
export type OutFormat = 'json' | 'csv' | 'ndjson'

const COLUMNS = ['t', 'requests', 'errors', 'p50', 'p90', 'p99', 'max'] as const

/** One row per second: t (seconds since measuring started), counts, latency in µs (empty when nothing was answered). */
export function timelineCsv(result: LoadResult): string {
  const rows = result.timeline.points.map((p) => COLUMNS.map((c) => (p[c] === null ? '' : String(p[c]))).join(','))
  return [`t_s,requests,errors,p50_us,p90_us,p99_us,max_us`, ...rows].join('\n') + '\n'
}

/** One JSON object per second, the shape of timeline.points in the JSON result. */
export function timelineNdjson(result: LoadResult): string {
  return result.timeline.points.map((p) => JSON.stringify(p) + '\n').join('')
}

export function resultText(result: LoadResult, format: OutFormat): string {
  if (format === 'csv') return timelineCsv(result)
  if (format === 'ndjson') return timelineNdjson(result)
  return JSON.stringify(result, null, 2) + '\n'
}
