import chalk from 'chalk'

import type {Comparison} from './compare.js'
import type {NodeRow} from './distributed.js'
import type {Progress} from './engine.js'
import type {InstanceResult, LoadResult, ThresholdResult} from './result.js'

import {terminalText} from '../core/terminal-text.js'
import {decodeHistogram, type LatencySummary, logBuckets} from './stats.js'

/** Microseconds the way wrk prints them: 412µs, 3.85ms, 1.20s. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return String(us)
  if (us < 1000) return `${Math.round(us)}µs`
  if (us < 1_000_000) return `${(us / 1000).toFixed(2)}ms`
  if (us < 60_000_000) return `${(us / 1_000_000).toFixed(2)}s`
  return `${(us / 60_000_000).toFixed(2)}m`
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }

  return i === 0 ? `${Math.round(v)}B` : `${v.toFixed(2)}${units[i]}`
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

function formatPercent(share: number, digits = 2): string {
  return `${(share * 100).toFixed(digits)}%`
}

function pad(s: string, n: number): string {
  const len = [...s].length
  return len >= n ? s : s + ' '.repeat(n - len)
}

function padStart(s: string, n: number): string {
  const len = [...s].length
  return len >= n ? s : ' '.repeat(n - len) + s
}

/** What the per-instance and per-target tables both show of each: the load it took and its latency. */
const LOAD_COLUMNS = ['REQUESTS', 'SHARE', 'REQ/S', 'P50', 'P99', 'MAX', 'ERRORS']

function loadCells(i: InstanceResult): string[] {
  return [
    formatCount(i.requests),
    formatPercent(i.share, 1),
    formatCount(i.requestsPerSecond),
    formatMicros(i.latency.p50),
    formatMicros(i.latency.p99),
    formatMicros(i.latency.max),
    formatCount(i.errors.total),
  ]
}

/** Cells right-aligned in columns of 10. */
function numberColumns(cells: string[]): string {
  return cells.map((c) => padStart(c, 10)).join('')
}

/** --targets: one row per target of the file (its line, method and URL), requests and latency. */
function renderTargetRows(r: LoadResult): string[] {
  const width = Math.min(60, Math.max(6, ...r.instances.map((i) => [...terminalText(i.id)].length + 2)))
  const lines = ['  Per target', `    ${pad('LINE', 6)}${pad('TARGET', width)}${numberColumns(LOAD_COLUMNS)}`]
  for (const i of r.instances) {
    lines.push(
      `    ${pad(String(i.line ?? ''), 6)}${pad(terminalText(i.id), width - 2)}  ${numberColumns(loadCells(i))}`,
    )
  }

  return lines
}

function describeRun(r: LoadResult): string {
  const s = r.settings
  const t = r.target
  const what =
    t.kind === 'url'
      ? t.url
      : t.kind === 'targets'
        ? `${t.targets} target${t.targets === 1 ? '' : 's'} from ${terminalText(t.file)}, round robin`
        : `service ${t.service} (${r.instances.length} instance${r.instances.length === 1 ? '' : 's'}) ${t.path}`
  const parts = [
    `${s.connections} connection${s.connections === 1 ? '' : 's'}`,
    `${s.threadsUsed} thread${s.threadsUsed === 1 ? '' : 's'}${s.threadsUsed < s.threads ? ` (of -t ${s.threads})` : ''}`,
  ]
  if (s.pipelining > 1) parts.push(`pipelining ${s.pipelining}`)
  parts.push(r.mode === 'open-loop' ? `open loop at ${formatCount(s.rate!)} req/s` : 'closed loop')
  if (s.warmupMs) parts.push(`after ${s.warmupMs / 1000}s warmup`)
  // With --requests the duration is only a cap: say what ends the run.
  const length = s.requests
    ? `${formatCount(s.requests)}-request test (at most ${(s.durationMs / 1000).toString()}s)`
    : `${(s.durationMs / 1000).toString()}s test`
  return `Running ${length} @ ${s.method === 'GET' ? '' : s.method + ' '}${what}\n  ${parts.join(', ')}`
}

const PCT_KEYS = ['p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'p99.99'] as const

function statsRows(label: string, l: LatencySummary): string[] {
  return [
    `  ${pad(label, 22)}${padStart(formatMicros(l.avg), 10)}${padStart(formatMicros(l.stdev), 10)}${padStart(formatMicros(l.max), 10)}${padStart(formatPercent(l.withinStdev), 10)}`,
  ]
}

function percentileRow(label: string, l: LatencySummary): string {
  return `  ${pad(label, 22)}${PCT_KEYS.map((k) => padStart(formatMicros(l[k]), 10)).join('')}`
}

/** A bar chart of the distribution in log-spaced buckets (the shape wrk does not show). */
export function renderHistogram(encoded: string, width = 40, responses?: number): string[] {
  const h = decodeHistogram(encoded)
  const buckets = logBuckets(h)
  if (buckets.length === 0) return []
  const peak = Math.max(...buckets.map((b) => b.count))
  const total = h.totalCount
  // The correction for coordinated omission adds the samples a stalled connection would have taken:
  // the buckets then add up to more than the responses, and say why.
  const added = responses === undefined ? 0 : total - responses
  const lines = [
    added > 0
      ? `  Latency histogram (${formatCount(total)} samples: ${formatCount(responses!)} responses + ${formatCount(added)} added by the coordinated-omission correction)`
      : '  Latency histogram',
  ]
  for (const b of buckets) {
    const n = Math.round((b.count / peak) * width)
    const bar = b.count > 0 && n === 0 ? '▏' : '█'.repeat(n)
    lines.push(
      `  ${padStart('≤ ' + formatMicros(b.le), 12)}  ${pad(bar, width)} ${padStart(formatCount(b.count), 10)}  ${padStart(formatPercent(b.count / total, 1), 6)}`,
    )
  }

  return lines
}

/** A threshold's limit or measured value in the threshold's unit. */
function thresholdValue(t: ThresholdResult, v: number): string {
  return t.metric === 'requestsPerSecond'
    ? `${formatCount(v)} req/s`
    : t.metric === 'errorRate'
      ? formatPercent(v, 3)
      : formatMicros(v)
}

function thresholdLine(t: ThresholdResult): string {
  const op = t.name.startsWith('min') ? '≥' : '≤'
  const verdict = t.ok ? chalk.green('ok') : chalk.red('BREACHED')
  return `  --${pad(t.name, 16)} ${pad(t.metric, 18)} ${padStart(thresholdValue(t, t.actual), 12)}  (limit ${op} ${thresholdValue(t, t.limit)})  ${verdict}`
}

/** The one line naming a breached threshold (also printed to stderr). */
export function breachLine(t: ThresholdResult): string {
  const op = t.name.startsWith('min') ? 'below' : 'above'
  return `threshold --${t.name} breached: ${t.metric} ${thresholdValue(t, t.actual)} is ${op} ${thresholdValue(t, t.limit)}`
}

export interface RenderOptions {
  /** --latency: full percentile table and the histogram. */
  latency: boolean
  /** --uncorrected: show the raw (uncorrected) figures too in open-loop mode. */
  uncorrected: boolean
}

export function renderResult(r: LoadResult, options: RenderOptions): string {
  const lines: string[] = [describeRun(r)]
  if (r.interrupted) lines.push(chalk.yellow('  interrupted: partial result'))
  lines.push(`  ${pad('', 22)}${['Avg', 'Stdev', 'Max', '+/- Stdev'].map((h) => padStart(h, 10)).join('')}`)
  const label = options.uncorrected ? 'Latency (corrected)' : 'Latency'
  lines.push(...statsRows(label, r.latency))
  if (options.uncorrected) lines.push(...statsRows('Latency (uncorrected)', r.latencyUncorrected))
  lines.push(`  ${pad('', 22)}${PCT_KEYS.map((k) => padStart(k, 10)).join('')}`)
  lines.push(percentileRow(label, r.latency))
  if (options.uncorrected) lines.push(percentileRow('Latency (uncorrected)', r.latencyUncorrected))
  if (options.latency) {
    lines.push('  Latency distribution')
    for (const k of PCT_KEYS)
      lines.push(`    ${padStart(k.slice(1) + '%', 7)}  ${padStart(formatMicros(r.latency[k]), 10)}`)
    lines.push(...renderHistogram(r.histogram, 40, r.requests.total))
    if (options.uncorrected) {
      lines.push(...renderHistogram(r.histogramUncorrected).map((l, i) => (i === 0 ? l + ' (uncorrected)' : l)))
    }
  }

  if (r.target.kind === 'targets') {
    lines.push(...renderTargetRows(r))
  } else if (r.instances.length > 1) {
    lines.push('  Per instance', `    ${pad('INSTANCE', 28)}${numberColumns(['CONNS', ...LOAD_COLUMNS])}`)
    for (const i of r.instances) {
      lines.push(`    ${pad(terminalText(i.id), 28)}${numberColumns([String(i.connections), ...loadCells(i)])}`)
    }

    lines.push(
      `  Imbalance (most/fewest requests): ${r.imbalance === null ? 'n/a (an instance got none)' : r.imbalance.toFixed(2)}`,
    )
  }

  const secs = (r.durationMs / 1000).toFixed(2)
  lines.push(`  ${formatCount(r.requests.total)} requests in ${secs}s, ${formatBytes(r.bytes.total)} read`)
  if (r.requests.expected !== null && r.requests.total < r.requests.expected * 0.98) {
    lines.push(
      chalk.yellow(
        `  rate not reached: ${formatCount(r.requests.total)} of ${formatCount(r.requests.expected)} scheduled (the server or the connections could not keep up; add -c)`,
      ),
    )
  }

  const codes = Object.entries(r.status)
  if (codes.length > 0) lines.push(`  Status codes: ${codes.map(([c, n]) => `${c}: ${formatCount(n)}`).join(', ')}`)
  const e = r.errors
  if (e.total > 0) {
    lines.push(
      `  Errors: connect ${formatCount(e.connect)}, timeout ${formatCount(e.timeout)}, reset ${formatCount(e.reset)}, non-2xx ${formatCount(e.non2xx)}${e.protocol ? `, bad response ${formatCount(e.protocol)}` : ''} (${formatPercent(e.rate, 3)} of requests)`,
    )
    for (const [kind, msg] of Object.entries(r.errorSamples))
      lines.push(chalk.dim(`    ${terminalText(kind)}: ${terminalText(msg)}`))
  }

  lines.push(`Requests/sec: ${padStart(r.requests.perSecond.toFixed(2), 12)}`)
  lines.push(`Transfer/sec: ${padStart(formatBytes(r.bytes.perSecond), 12)}`)
  if (r.thresholds.length > 0) {
    lines.push('Thresholds')
    for (const t of r.thresholds) lines.push(thresholdLine(t))
  }

  return lines.join('\n')
}

export function renderComparison(c: Comparison): string {
  const lines = [
    `Compared with ${c.file} (${c.before.startedAt}, ${c.before.mode}, ${c.before.settings.connections} connections)`,
  ]
  lines.push(`  ${pad('', 16)}${['before', 'now', 'change'].map((h) => padStart(h, 14)).join('')}`)
  for (const d of c.deltas) {
    const fmt = (v: number): string =>
      d.unit === 'us' ? formatMicros(v) : d.unit === 'ratio' ? formatPercent(v, 3) : formatCount(v)
    const change = d.change === null ? 'n/a' : `${d.change >= 0 ? '+' : ''}${(d.change * 100).toFixed(1)}%`
    const colored =
      d.change === null || Math.abs(d.change) < 0.05 ? change : d.better ? chalk.green(change) : chalk.red(change)
    lines.push(
      `  ${pad(d.metric, 16)}${padStart(fmt(d.before), 14)}${padStart(fmt(d.now), 14)}${padStart(colored, 14 + (colored.length - change.length))}`,
    )
  }

  return lines.join('\n')
}

/** One progress line for a TTY, rewritten in place. */
export function renderProgress(p: Progress, width = 24): string {
  const done = Math.min(1, p.totalMs > 0 ? p.elapsedMs / p.totalMs : 1)
  const filled = Math.round(done * width)
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
  const phase = p.warmingUp ? ' warming up' : ''
  return `\r${bar} ${(p.elapsedMs / 1000).toFixed(1)}s/${(p.totalMs / 1000).toFixed(0)}s ${formatCount(p.responses)} responses, ${formatCount(p.errors)} errors${phase}\u001B[K`
}

/** `--nodes`: one row per replica (task, node, req/s, p50/p99, errors); a missing part says why. */
export type NodeRowView = Pick<
  NodeRow,
  'task' | 'node' | 'ok' | 'missing' | 'connections' | 'requests' | 'requestsPerSecond' | 'errors'
> & {
  latency?: {p50: number; p99: number}
}

export function renderNodeRows(rows: NodeRowView[]): string {
  // Task logs and node names come from outside: control characters are shown, not sent to the terminal.
  const visible = (s: string) =>
    s.replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
  const header = ['CONNS', 'REQUESTS', 'REQ/S', 'P50', 'P99', 'ERRORS'].map((h) => padStart(h, 10)).join('')
  const lines = ['  Per node', `    ${pad('TASK', 26)}${pad('NODE', 18)}${header}`]
  for (const r of rows) {
    const head = `    ${pad(visible(r.task), 26)}${pad(visible(r.node), 18)}`
    if (!r.ok) {
      lines.push(head + chalk.red(`missing: ${visible(r.missing ?? 'no result')}`))
      continue
    }

    const l = r.latency!
    const cells = [
      String(r.connections),
      formatCount(r.requests),
      formatCount(r.requestsPerSecond),
      formatMicros(l.p50),
      formatMicros(l.p99),
      formatCount(r.errors),
    ]
    lines.push(head + cells.map((c) => padStart(c, 10)).join(''))
  }

  return lines.join('\n')
}
