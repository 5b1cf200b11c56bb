import type {InstanceResult, LoadResult, ThresholdResult} from './result.js'

import {attrs, escapeHtml, formatMicros, formatNumber, htmlPage, styleClass} from '../report/html/page.js'
import {ChartSeries, lineChart, niceTicks, PALETTE, Tick} from '../report/html/svg.js'
import {decodeHistogram} from './stats.js'

export interface ReportMeta {
  /** The command line that produced the run (already masked: see commandLine). */
  command: string
  version?: string
  /** When the report was written (ISO); default: now. */
  generatedAt?: string
}

/** What loadtest --json prints: the result, plus the comparison with --compare. */
export type LoadReportInput = LoadResult & {
  compare?: {
    file: string
    before: {startedAt: string}
    deltas: {metric: string; unit: string; before: number; now: number; change: number | null; better: boolean}[]
  }
}

const ms = (us: number): number => us / 1000
/** Axis labels for milliseconds: 0.5ms, 20ms, 1.5s. */
const fmtMs = (v: number): string => (v >= 1000 ? `${Number((v / 1000).toFixed(2))}s` : `${Number(v.toFixed(3))}ms`)
/** Whole seconds on a time axis. */
const secondTicks = (n: number): Tick[] =>
  niceTicks(0, n, 10)
    .filter((t) => Number.isInteger(t.value))
    .map((t) => ({value: t.value, label: `${t.value}s`}))

/** x = log10(1 / (1 − p)): 0 → 0%, 1 → 90%, 2 → 99%, … as in wrk2's and HdrHistogram's plotters. */
function percentileTicks(maxK: number): Tick[] {
  const labels = ['0%', '90%', '99%', '99.9%', '99.99%', '99.999%', '99.9999%']
  return labels.slice(0, Math.ceil(maxK) + 1).map((label, value) => ({value, label}))
}

/** Points of the percentile distribution, up to the percentile the sample count supports. */
function distribution(encoded: string, step = 0.05): {points: {x: number; y: number; tip: string}[]; maxK: number} {
  const h = decodeHistogram(encoded)
  const count = h.totalCount
  if (count === 0) return {points: [], maxK: 1}
  const maxK = Math.min(6, Math.max(1, Math.log10(count)))
  const points: {x: number; y: number; tip: string}[] = []
  for (let k = 0; k <= maxK + 1e-9; k += step) {
    const p = 100 * (1 - 10 ** -k)
    const us = h.getValueAtPercentile(p)
    points.push({x: Number(k.toFixed(2)), y: ms(us), tip: `p${trimPercent(p)} = ${formatMicros(us)}`})
  }

  return {points, maxK}
}

function trimPercent(p: number): string {
  // Number() drops trailing zeros (a pattern such as /\.?0+$/ rescans a run of zeros from each of them).
  return String(Number(p >= 99.99 ? p.toFixed(4) : p.toFixed(2)))
}

function thresholdValue(t: ThresholdResult, v: number): string {
  if (t.metric === 'errorRate') return `${(v * 100).toFixed(3)}%`
  if (t.metric === 'requestsPerSecond') return `${formatNumber(v, 2)} req/s`
  return formatMicros(v)
}

function tile(key: string, label: string, value: string, raw: number | string): string {
  return `<div class="tile"${attrs({'data-metric': key, 'data-value': raw})}><div class="k">${escapeHtml(label)}</div><div class="v">${escapeHtml(value)}</div></div>`
}

function targetText(r: LoadResult): string {
  const t = r.target
  return t.kind === 'url'
    ? t.url
    : t.kind === 'targets'
      ? `${t.targets} targets from ${t.file}`
      : `service ${t.service} ${t.path}`
}

/** The whole report for one loadtest result: a pure function of the result and the command line. */
export function renderLoadtestReport(r: LoadReportInput, meta: ReportMeta): string {
  const sections = [
    headerSection(r, meta),
    summarySection(r),
    thresholdsSection(r),
    ...overTimeSection(r),
    percentileSection(r),
    instancesSection(r),
    ...responsesSection(r),
    compareSection(r),
    footerSection(r, meta),
  ]
  return htmlPage({
    title: `mcp loadtest ${targetText(r)}`,
    body: sections.filter((s): s is string => s !== undefined).join('\n'),
    css: `.barcell{min-width:160px}.barcell .bar{display:inline-block;height:10px;border-radius:2px;margin-right:6px;vertical-align:middle;max-width:110px}.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}#instances .sub{margin:0;font-size:11px}`,
  })
}

/** ok, bad, or none when no threshold was set: the verdict badge's class. */
function thresholdState(r: LoadResult): 'bad' | 'none' | 'ok' {
  return r.thresholds.length === 0 ? 'none' : r.ok ? 'ok' : 'bad'
}

/** One line on how the run was made: when, how long, connections, threads, loop, method. */
function runSettingsText(r: LoadResult): string {
  const s = r.settings
  const loop = r.mode === 'open-loop' ? `open loop at ${formatNumber(s.rate ?? 0)} req/s` : 'closed loop'
  return `${new Date(r.startedAt).toISOString()} · ${(r.durationMs / 1000).toFixed(2)}s measured${s.warmupMs ? ` after ${s.warmupMs / 1000}s warm-up` : ''} · ${s.connections} connections · ${r.settings.threadsUsed} thread${r.settings.threadsUsed === 1 ? '' : 's'} · ${loop} · ${s.method}${s.pipelining > 1 ? ` · pipelining ${s.pipelining}` : ''} · stopped by ${r.stoppedBy}`
}

function headerSection(r: LoadResult, meta: ReportMeta): string {
  const held = thresholdState(r)
  const verdict = held === 'none' ? 'no thresholds' : held === 'ok' ? 'thresholds held' : 'threshold breached'
  return `<header>
<h1>mcp loadtest <span class="mono">${escapeHtml(targetText(r))}</span> <span id="verdict" class="badge ${held}"${attrs({'data-ok': held === 'none' ? undefined : String(r.ok)})}>${verdict}</span>${r.interrupted ? ' <span class="badge warn">interrupted</span>' : ''}</h1>
<p class="sub">${escapeHtml(runSettingsText(r))}</p>
<pre id="command">${escapeHtml(meta.command)}</pre>
</header>`
}

function summarySection(r: LoadResult): string {
  const L = r.latency
  return `<h2>Summary</h2><div class="tiles" id="summary">
${tile('requests-per-second', 'Requests/s', formatNumber(r.requests.perSecond, 2), r.requests.perSecond)}
${tile('requests', 'Responses', formatNumber(r.requests.total), r.requests.total)}
${tile('p50', 'p50', formatMicros(L.p50), L.p50)}
${tile('p90', 'p90', formatMicros(L.p90), L.p90)}
${tile('p99', 'p99', formatMicros(L.p99), L.p99)}
${tile('p99.9', 'p99.9', formatMicros(L['p99.9']), L['p99.9'])}
${tile('max', 'Max', formatMicros(L.max), L.max)}
${tile('error-rate', 'Errors', `${(r.errors.rate * 100).toFixed(2)}% (${formatNumber(r.errors.total)})`, r.errors.rate)}
${tile('transfer', 'Transfer/s', `${(r.bytes.perSecond / 1e6).toFixed(2)} MB`, r.bytes.perSecond)}
</div>
<p class="sub">Latency ${r.latencyCorrection === 'intended-send-time' ? "measured from each request's intended send time (open loop, corrected for coordinated omission)" : "corrected for coordinated omission after the run (closed loop, wrk's method)"}; uncorrected p99 ${formatMicros(r.latencyUncorrected.p99)}.${r.requests.expected === null ? '' : ` Expected ${formatNumber(r.requests.expected)} requests at the rate; answered ${formatNumber(r.requests.total)}.`}</p>`
}

function thresholdsSection(r: LoadResult): string {
  if (r.thresholds.length === 0) {
    return '<h2>Thresholds</h2><p class="sub" id="thresholds">None set (--max-p99, --max-p95, --max-latency, --min-rps, --max-error-rate).</p>'
  }

  const rows = r.thresholds
    .map(
      (t) =>
        `<tr class="${t.ok ? 'ok' : 'bad'}"${attrs({'data-threshold': t.name, 'data-ok': String(t.ok), 'data-limit': t.limit, 'data-actual': t.actual})}><td class="mono">--${escapeHtml(t.name)}</td><td>${escapeHtml(t.metric)}</td><td class="num">${escapeHtml(thresholdValue(t, t.limit))}</td><td class="num">${escapeHtml(thresholdValue(t, t.actual))}</td><td class="state">${t.ok ? 'held' : 'BREACHED'}</td></tr>`,
    )
    .join('\n')
  return `<h2>Thresholds</h2><table id="thresholds"><thead><tr><th>flag</th><th>metric</th><th class="num">limit</th><th class="num">actual</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`
}

type TimelinePoint = LoadResult['timeline']['points'][number]

/** The heading and the two per-second charts, or a note for a result written before timelines. */
function overTimeSection(r: LoadResult): string[] {
  const points = r.timeline?.points ?? []
  if (points.length === 0) {
    return [
      '<h2>Over time</h2>',
      '<p class="sub">This result has no per-second timeline (written by an older mcp).</p>',
    ]
  }

  const x = timelineAxis(points.length)
  return [
    '<h2>Over time</h2>',
    lineChart({
      id: 'chart-rps',
      title: 'Requests per second',
      x,
      y: {label: 'requests/s', format: (v) => formatNumber(v)},
      series: rateSeries(r, points),
    }),
    lineChart({
      id: 'chart-latency-time',
      title: 'Latency percentiles per second',
      note: `From ${r.timeline.latencyFrom === 'send' ? 'the actual send' : 'the intended send time'}; per-second figures come from a coarse histogram (±9%); the exact run-wide figures are above.`,
      x,
      y: {label: 'latency (ms, log scale)', log: true, format: fmtMs},
      series: latencyOverTimeSeries(r, points),
    }),
  ]
}

function timelineAxis(seconds: number) {
  return {label: 'seconds since the start of the measured run', min: 0, max: seconds, ticks: secondTicks(seconds)}
}

/** The measured length of the second starting at t: the last one is usually cut short. */
function secondLength(r: LoadResult, t: number): number {
  return Math.max(0.001, Math.min(1, r.durationMs / 1000 - t))
}

/** A point plotted at the middle of its second. */
function secondMiddle(r: LoadResult, t: number): number {
  return t + secondLength(r, t) / 2
}

/** Requests and errors per second, and the --min-rps line when set. */
function rateSeries(r: LoadResult, points: TimelinePoint[]): ChartSeries[] {
  const rps = points.map((p) => ({
    x: secondMiddle(r, p.t),
    y: Number((p.requests / secondLength(r, p.t)).toFixed(1)),
    tip: `${p.t}–${p.t + 1}s: ${formatNumber(p.requests / secondLength(r, p.t), 1)} req/s, ${p.errors} errors`,
  }))
  const series: ChartSeries[] = [{name: 'requests/s', color: PALETTE[0]!, points: rps}]
  if (points.some((p) => p.errors > 0)) {
    const eps = points.map((p) => ({
      x: secondMiddle(r, p.t),
      y: Number((p.errors / secondLength(r, p.t)).toFixed(1)),
      tip: `${p.t}–${p.t + 1}s: ${p.errors} errors`,
    }))
    series.push({name: 'errors/s', color: '#c62828', points: eps})
  }

  const minRps = r.thresholds.find((t) => t.name === 'min-rps')
  const maxRps = Math.max(...rps.map((p) => p.y), 1)
  if (minRps) {
    const name = `--min-rps ${formatNumber(minRps.limit)}`
    series.push(constant(name, minRps.limit, 0, points.length, '#c62828', minRps.limit <= 2 * maxRps))
  }

  return series
}

/** p50, p90, p99 and max per second, and a line for each latency threshold. */
function latencyOverTimeSeries(r: LoadResult, points: TimelinePoint[]): ChartSeries[] {
  const percentile = (key: 'max' | 'p50' | 'p90' | 'p99', color: string, dash?: string): ChartSeries => ({
    name: key,
    color,
    dash,
    points: points.map((p) => ({
      x: secondMiddle(r, p.t),
      y: p[key] === null ? null : ms(p[key]!),
      tip: p[key] === null ? undefined : `${p.t}–${p.t + 1}s ${key} ≈ ${formatMicros(p[key]!)}`,
    })),
  })
  const series = [
    percentile('p50', PALETTE[0]!),
    percentile('p90', PALETTE[2]!),
    percentile('p99', PALETTE[1]!),
    percentile('max', '#888', '4 3'),
  ]
  const maxLatency = Math.max(...points.map((p) => p.max ?? 0), 1)
  for (const t of r.thresholds) {
    if (t.metric === 'p99' || t.metric === 'p95' || t.metric === 'max') {
      const name = `--${t.name} ${formatMicros(t.limit)}`
      series.push(constant(name, ms(t.limit), 0, points.length, '#c62828', t.limit <= 100 * maxLatency))
    }
  }

  return series
}

/** The HDR percentile curves: corrected, uncorrected, and one per instance when there are several. */
function percentileSection(r: LoadResult): string {
  const corrected = distribution(r.histogram)
  const uncorrected = distribution(r.histogramUncorrected)
  const series: ChartSeries[] = [
    {name: 'corrected', color: PALETTE[0]!, points: corrected.points},
    {name: 'uncorrected (from send)', color: PALETTE[1]!, points: uncorrected.points, dash: '6 4'},
  ]
  if (r.instances.length > 1) {
    for (const [i, inst] of r.instances.entries()) {
      series.push({name: inst.id, color: instanceColor(i), points: distribution(inst.histogram).points, dash: '2 3'})
    }
  }

  const maxK = Math.max(corrected.maxK, uncorrected.maxK)
  return lineChart({
    id: 'chart-percentiles',
    title: 'Latency by percentile (HdrHistogram)',
    note: "x: percentile on a log scale of 1/(1−p), as wrk2's and HdrHistogram's plotters draw it; hover a point for its value.",
    x: {label: 'percentile', min: 0, max: Math.ceil(maxK), ticks: percentileTicks(maxK)},
    y: {label: 'latency (ms)', format: fmtMs},
    series,
    height: 340,
  })
}

/** The first two palette colours are the run-wide curves; instances take the rest. */
function instanceColor(i: number): string {
  return PALETTE[(i + 2) % PALETTE.length]!
}

function bar(v: number, max: number, color: string): string {
  return `<span class="bar ${styleClass(`width:${Math.max(1, (v / max) * 110).toFixed(0)}px;background:${color}`)}"></span>`
}

/** Per instance, or per target of a --targets file; nothing for a single one. */
function instancesSection(r: LoadResult): string | undefined {
  if (r.instances.length <= 1) return undefined
  const unit = r.target.kind === 'targets' ? 'target' : 'instance'
  const maxP99 = Math.max(...r.instances.map((i) => i.latency.p99), 1)
  const rows = r.instances.map((inst, i) => instanceRow(inst, i, maxP99)).join('\n')
  return `<h2>Per ${unit}</h2>
<p class="sub" id="imbalance"${attrs({'data-imbalance': r.imbalance ?? undefined})}>Imbalance (most requests on one ${unit} ÷ fewest on another): <b>${r.imbalance === null ? 'n/a' : r.imbalance.toFixed(2)}</b> — 1.00 is an even spread.</p>
<table id="instances"><thead><tr><th>${unit}</th><th class="num">conns</th><th class="num">requests</th><th>share</th><th class="num">req/s</th><th class="num">p50</th><th>p99</th><th class="num">max</th><th class="num">errors</th></tr></thead><tbody>${rows}</tbody></table>`
}

function instanceRow(inst: InstanceResult, i: number, maxP99: number): string {
  return `<tr${attrs({'data-instance': inst.id, 'data-requests': inst.requests, 'data-share': inst.share, 'data-p99': inst.latency.p99})}>
<td><span class="dot ${styleClass(`background:${instanceColor(i)}`)}"></span><span class="mono">${escapeHtml(inst.id)}</span><div class="sub mono">${escapeHtml(inst.line === undefined ? inst.url : `line ${inst.line}`)}</div></td>
<td class="num">${formatNumber(inst.connections)}</td><td class="num">${formatNumber(inst.requests)}</td>
<td class="barcell">${bar(inst.share, 1, PALETTE[0]!)}<span>${(inst.share * 100).toFixed(1)}%</span></td>
<td class="num">${formatNumber(inst.requestsPerSecond, 1)}</td><td class="num">${formatMicros(inst.latency.p50)}</td>
<td class="barcell">${bar(inst.latency.p99, maxP99, PALETTE[1]!)}<span>${formatMicros(inst.latency.p99)}</span></td>
<td class="num">${formatMicros(inst.latency.max)}</td><td class="num">${formatNumber(inst.errors.total)}</td></tr>`
}

/** The status-code table, and the error table when any transport or protocol error happened. */
function responsesSection(r: LoadResult): string[] {
  const statusRows = Object.entries(r.status).map(
    ([code, n]) =>
      `<tr${attrs({'data-status': code})}><td>${escapeHtml(code)}</td><td class="num">${formatNumber(n)}</td></tr>`,
  )
  const out = [
    `<h2>Responses</h2><table id="status"><thead><tr><th>status</th><th class="num">responses</th></tr></thead><tbody>${statusRows.join('') || '<tr><td colspan="2">no response</td></tr>'}</tbody></table>`,
  ]
  const errorRows = (['connect', 'timeout', 'reset', 'protocol', 'non2xx'] as const)
    .filter((k) => r.errors[k] > 0)
    .map(
      (k) =>
        `<tr${attrs({'data-error': k})}><td>${k}</td><td class="num">${formatNumber(r.errors[k])}</td><td class="mono">${escapeHtml(r.errorSamples[k] ?? '')}</td></tr>`,
    )
  if (errorRows.length > 0) {
    out.push(
      `<h2>Errors</h2><table id="errors"><thead><tr><th>kind</th><th class="num">count</th><th>first message</th></tr></thead><tbody>${errorRows.join('')}</tbody></table>`,
    )
  }

  return out
}

function compareSection(r: LoadReportInput): string | undefined {
  if (!r.compare) return undefined
  const rows = r.compare.deltas.map(
    (d) =>
      `<tr class="${d.better ? 'ok' : 'bad'}"><td>${escapeHtml(d.metric)}</td><td class="num">${formatNumber(d.before, 2)}</td><td class="num">${formatNumber(d.now, 2)}</td><td class="num state">${d.change === null ? 'n/a' : `${d.change > 0 ? '+' : ''}${(d.change * 100).toFixed(1)}%`}</td></tr>`,
  )
  return `<h2>Compared with ${escapeHtml(r.compare.file)} (${escapeHtml(r.compare.before.startedAt)})</h2><table id="compare"><thead><tr><th>metric</th><th class="num">before</th><th class="num">now</th><th class="num">change</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function footerSection(r: LoadResult, meta: ReportMeta): string {
  return `<footer>Generated by mcp${meta.version ? ` ${escapeHtml(meta.version)}` : ''} at ${escapeHtml(meta.generatedAt ?? new Date().toISOString())} · schema ${escapeHtml(r.schema)} · latency recorded in µs (HdrHistogram, 3 significant digits) · self-contained: no network needed to open this file.</footer>`
}

/** A threshold as a dashed line; one far off the data's scale is only named in the legend (it would flatten the chart). */
function constant(name: string, y: number, x0: number, x1: number, color: string, onScale: boolean): ChartSeries {
  return onScale
    ? {
        name,
        color,
        dash: '8 4',
        markers: false,
        points: [
          {x: x0, y},
          {x: x1, y},
        ],
      }
    : {name: `${name} (off scale)`, color, markers: false, points: []}
}
