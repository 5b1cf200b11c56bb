import chalk from 'chalk'

import {formatDuration} from '../core/duration.js'
import {terminalText} from '../core/terminal-text.js'
import {Level} from './parse-line.js'
import {SourceSummary, TimelineLine} from './timeline.js'
import {TraceProblem, TraceResult} from './trace.js'

const LEVEL_COLOR: Record<Level, (s: string) => string> = {
  trace: chalk.gray,
  debug: chalk.gray,
  info: chalk.green,
  warn: chalk.yellow,
  error: chalk.red,
  fatal: chalk.bgRed.white,
}

/** Human output keeps this much of a line; --json has the line in full. */
const MAX_MESSAGE_CHARS = 400

function padEnd(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length)
}

/** Fit a name to a column: long paths keep their end, which names the file. */
function fit(raw: string, width: number): string {
  const name = terminalText(raw)
  return name.length > width ? '…' + name.slice(-(width - 1)) : padEnd(name, width)
}

function formatOffset(ms: number | undefined): string {
  if (ms === undefined) return ''
  return '+' + (ms === 0 ? '0ms' : formatDuration(ms))
}

function message(l: TimelineLine): string {
  // A log line is anyone's text: its controls (ESC, OSC titles and links) are shown, never obeyed.
  let m = terminalText(l.message.replaceAll(/[ \t\n\r]+/g, ' ').trim())
  const extra: string[] = []
  if (l.status !== undefined && !m.includes(String(l.status))) extra.push(String(l.status))
  if (l.durationMs !== undefined && l.fields) extra.push(formatDuration(l.durationMs))
  if (extra.length > 0) m += `  [${extra.join(' ')}]`
  if (m.length > MAX_MESSAGE_CHARS) m = m.slice(0, MAX_MESSAGE_CHARS) + `… (${l.line.length} chars)`
  return m
}

export interface RenderOptions {
  /** Mark a gap between consecutive lines at least this long. */
  gapMs: number
  /** Terminal width for the waterfall. */
  width: number
}

/** One timeline line as text (also used by --follow). */
export function renderLine(l: TimelineLine, sourceWidth: number): string {
  const time = l.time ?? '-'.padEnd(24)
  const lvl = l.level ? LEVEL_COLOR[l.level](padEnd(l.level.toUpperCase(), 5)) : padEnd('', 5)
  const mark = l.match ? ' ' : chalk.dim('¦')
  const text = l.match ? message(l) : chalk.dim(message(l))
  // "~": the line had no timestamp of its own and shows its neighbour's.
  const cols = [chalk.dim((l.timeInferred ? '~' : ' ') + time)]
  cols.push(padEnd(formatOffset(l.offsetMs), 9), chalk.cyan(fit(l.source, sourceWidth)), lvl, mark + text)
  return cols.join('  ')
}

/** The waterfall: one bar per source from its first to its last line, on the timeline's scale. */
export function renderWaterfall(sources: SourceSummary[], width: number): string[] {
  const timed = sources.filter((s) => s.matches > 0 && s.firstMs !== undefined).sort((a, b) => a.firstMs! - b.firstMs!)
  if (timed.length === 0) return []
  const start = Math.min(...timed.map((s) => s.firstMs!))
  const end = Math.max(...timed.map((s) => s.lastMs!))
  const span = end - start
  const nameWidth = Math.min(30, Math.max(...timed.map((s) => s.name.length)))
  const barWidth = Math.max(10, Math.min(60, width - nameWidth - 30))
  const out = [chalk.bold('Waterfall') + chalk.dim(`  (${formatDuration(span)} from first to last line)`)]
  for (const s of timed) {
    const from = span === 0 ? 0 : Math.round(((s.firstMs! - start) / span) * (barWidth - 1))
    const to = span === 0 ? barWidth - 1 : Math.round(((s.lastMs! - start) / span) * (barWidth - 1))
    const bar = ' '.repeat(from) + '█'.repeat(Math.max(1, to - from + 1)) + ' '.repeat(Math.max(0, barWidth - to - 1))
    const dur = s.lastMs! > s.firstMs! ? `  ${formatDuration(s.lastMs! - s.firstMs!)}` : ''
    out.push(
      `${fit(s.name, nameWidth)}  │${chalk.cyan(bar)}│  ${formatOffset(s.firstMs! - start)} → ${formatOffset(s.lastMs! - start)}${dur}  ${s.matches} line${s.matches === 1 ? '' : 's'}`,
    )
  }

  return out
}

/** A problem with a source as warning lines: what, then the hint (each line escaped by warnLine). */
export function renderProblem(p: TraceProblem): string[] {
  return p.hint ? [`${p.source}: ${p.message}`, `  hint: ${p.hint}`] : [`${p.source}: ${p.message}`]
}

/** The whole human report: timeline with gaps marked, then the waterfall and a summary line. */
/** The SOURCE column's width for these names (6–30). */
export function sourceColumnWidth(names: string[]): number {
  return Math.min(30, Math.max(6, ...names.map((name) => name.length)))
}

/** The timeline's heading; --follow prints it before its first line when the search found none. */
export function timelineHeader(sourceWidth: number): string {
  return chalk.bold(
    [' TIME'.padEnd(25), padEnd('OFFSET', 9), padEnd('SOURCE', sourceWidth), 'LEVEL', ' MESSAGE'].join('  '),
  )
}

export function renderTimeline(result: TraceResult, options: RenderOptions): string {
  const out: string[] = []
  if (result.lines.length === 0) return ''
  const sourceWidth = sourceColumnWidth(result.lines.map((l) => l.source))
  out.push(timelineHeader(sourceWidth))
  let prev: number | undefined
  for (const l of result.lines) {
    if (prev !== undefined && l.timeMs !== undefined && l.timeMs - prev >= options.gapMs) {
      out.push(chalk.yellow(`${' '.repeat(25)}  ··· ${formatDuration(l.timeMs - prev)} gap ···`))
    }

    if (l.timeMs !== undefined) prev = l.timeMs
    out.push(renderLine(l, sourceWidth))
  }

  const wf = renderWaterfall(result.sources, options.width)
  if (wf.length > 0) out.push('', ...wf)
  const matches = result.lines.filter((l) => l.match).length
  const withHits = result.sources.filter((s) => s.matches > 0).length
  out.push(
    '',
    chalk.dim(
      `${matches} line${matches === 1 ? '' : 's'} in ${withHits} of ${result.sources.length} source${result.sources.length === 1 ? '' : 's'}; id ${result.id.hex} (${result.id.spelling})`,
    ),
  )
  return out.join('\n') + '\n'
}
