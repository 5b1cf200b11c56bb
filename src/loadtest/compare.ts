import {InputError} from '../core/errors.js'
import {readTextDocument} from '../core/input.js'
import {type LoadResult, RESULT_SCHEMA} from './result.js'

export interface Delta {
  metric: string
  unit: 'us' | 'rps' | 'ratio' | 'count'
  before: number
  now: number
  /** (now - before) / before; null when before is 0. */
  change: number | null
  /** Whether the change is an improvement (lower latency/errors, more throughput). */
  better: boolean
}

export interface Comparison {
  file: string
  before: LoadResult
  deltas: Delta[]
  /** What the baseline ran against that this run did not ("target http://a/ (now http://b/)"): the deltas compare unlike runs. */
  differences: string[]
}

function targetText(t: LoadResult['target']): string {
  return t.kind === 'url' ? t.url : t.kind === 'targets' ? `targets ${t.file}` : `service ${t.service} ${t.path}`
}

/** Read a result saved with --out or --json; one InputError (exit 3) when it is not one. */
export function readSavedResult(path: string): LoadResult {
  const doc = readTextDocument(path)
  let data: unknown
  try {
    data = JSON.parse(doc.text)
  } catch (error) {
    throw new InputError(`is not JSON (${(error as Error).message})`, {
      where: doc.path,
      hint: 'give a file written by mcp loadtest --out or --json',
    })
  }

  const r = data as Partial<LoadResult>
  if (!r || typeof r !== 'object' || r.schema !== RESULT_SCHEMA || !r.latency || !r.requests || !r.errors) {
    throw new InputError(`is not an mcp loadtest result (${RESULT_SCHEMA})`, {
      where: doc.path,
      hint: 'give a file written by mcp loadtest --out or --json',
    })
  }

  // Everything compared (and shown in the report) is checked: a number where a number belongs, text where text does.
  const bad = COMPARED.find(([section, key]) => {
    const v = (r[section] as unknown as Record<string, unknown>)[key]
    return typeof v !== 'number' || !Number.isFinite(v) || v < 0
  })
  if (bad)
    throw new InputError(`${bad.join('.')} is not a number`, {
      where: doc.path,
      hint: 'give a file written by mcp loadtest --out or --json',
    })
  if (typeof r.startedAt !== 'string' || Number.isNaN(Date.parse(r.startedAt))) {
    throw new InputError('startedAt is not a time', {
      where: doc.path,
      hint: 'give a file written by mcp loadtest --out or --json',
    })
  }

  return r as LoadResult
}

const COMPARED: ['requests' | 'latency' | 'errors', string][] = [
  ['requests', 'perSecond'],
  ...(['p50', 'p90', 'p99', 'p99.9', 'max', 'avg'] as const).map((k): ['latency', string] => ['latency', k]),
  ['errors', 'rate'],
]

export function compareResults(file: string, before: LoadResult, now: LoadResult): Comparison {
  const deltas: Delta[] = []
  const add = (metric: string, unit: Delta['unit'], b: number, n: number, higherIsBetter: boolean): void => {
    const change = b === 0 ? null : (n - b) / b
    deltas.push({
      metric,
      unit,
      before: b,
      now: n,
      change: change === null ? null : Math.round(change * 10_000) / 10_000,
      better: higherIsBetter ? n >= b : n <= b,
    })
  }

  add('requests/sec', 'rps', before.requests.perSecond, now.requests.perSecond, true)
  for (const k of ['p50', 'p90', 'p99', 'p99.9'] as const)
    add(`latency ${k}`, 'us', before.latency[k], now.latency[k], false)
  add('latency max', 'us', before.latency.max, now.latency.max, false)
  add('latency avg', 'us', before.latency.avg, now.latency.avg, false)
  add('error rate', 'ratio', before.errors.rate, now.errors.rate, false)
  const differences: string[] = []
  const differ = (what: string, b: string, n: string) => b !== n && differences.push(`${what} ${b} (now ${n})`)
  differ('target', targetText(before.target), targetText(now.target))
  differ('method', before.settings.method, now.settings.method)
  differ('mode', before.mode, now.mode)
  return {file, before, deltas, differences}
}
