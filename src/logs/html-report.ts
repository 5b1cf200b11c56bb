import type {TimelineLine} from './timeline.js'
import type {TraceResult} from './trace.js'

import {attrs, escapeHtml, formatMillis, formatNumber, htmlPage, styleClass} from '../report/html/page.js'
import {niceTicks, PALETTE} from '../report/html/svg.js'

export interface TraceReportMeta {
  command: string
  version?: string
  generatedAt?: string
  /** Mark gaps between consecutive lines at least this long (trace --gap; default 1s). */
  gapMs?: number
}

const LEVEL_COLOR: Record<string, string> = {
  trace: '#9aa3b0',
  debug: '#7b8696',
  info: '#2f6fde',
  warn: '#d48a00',
  error: '#c62828',
  fatal: '#7a0000',
}
const levelColor = (l: TimelineLine): string => LEVEL_COLOR[l.level ?? ''] ?? '#5d6675'

/** The hover text of one line: when, where, what, and the whole line as logged. */
function lineTip(l: TimelineLine): string {
  const head = [
    l.time ?? 'no time',
    l.offsetMs === undefined ? '' : `+${formatMillis(l.offsetMs)}`,
    l.source,
    (l.level ?? '').toUpperCase(),
    l.status ? String(l.status) : '',
    l.durationMs === undefined ? '' : `took ${formatMillis(l.durationMs)}`,
  ]
  return `${head.filter(Boolean).join('  ')}${l.match ? '' : '  (context)'}\n${l.line}`
}

/**
 * The report for one trace: a waterfall (one lane per source, a mark per line, a bar for the
 * duration a line reports) and the timeline, every line's full text on hover. Pure: result in, HTML out.
 */
export function renderTraceReport(r: TraceResult, meta: TraceReportMeta): string {
  const gapMs = meta.gapMs ?? 1000
  const timed = r.lines.filter((l) => l.offsetMs !== undefined)
  const span = timed.length > 0 ? Math.max(...timed.map((l) => l.offsetMs!)) : 0
  // A line that reports a duration (access logs log when the request ends) may start before the first line.
  const lead = Math.max(0, ...timed.map((l) => (l.durationMs ?? 0) - l.offsetMs!))
  const t0 = -lead
  const t1 = Math.max(span, 1)
  const sourceNames = [...new Set(r.lines.map((l) => l.source))]
  const sourceColor = new Map(sourceNames.map((name, i) => [name, PALETTE[i % PALETTE.length]!]))
  const first = timed[0]?.time
  const body: string[] = []

  const state = r.found
    ? '<span id="verdict" class="badge ok" data-found="true">found</span>'
    : '<span id="verdict" class="badge bad" data-found="false">not found</span>'
  body.push(`<header>
<h1>mcp trace <span class="mono">${escapeHtml(r.id.hex)}</span> ${state}</h1>
<p class="sub">${escapeHtml(`${r.id.spelling} · ${r.lines.filter((l) => l.match).length} lines in ${r.sources.filter((s) => s.matches > 0).length} of ${r.sources.length} sources · ${first ? `from ${first}, ` : ''}${formatMillis(span)} from first to last line · ${formatNumber(r.stats.bytes)} bytes searched in ${formatMillis(r.stats.elapsedMs)}`)}</p>
<pre id="command">${escapeHtml(meta.command)}</pre>
</header>`)

  // Waterfall: one lane per source.
  const width = 1000
  const labelW = 220
  const laneH = 30
  const top = 8
  const axisH = 28
  const plotW = width - labelW - 24
  const x = (offset: number): number => labelW + ((offset - t0) / (t1 - t0)) * plotW
  const height = top + sourceNames.length * laneH + axisH
  const svg: string[] = []
  const ticks = niceTicks(t0, t1, 8, (v) => (v === 0 ? '0' : `${v > 0 ? '+' : ''}${formatMillis(v)}`))
  for (const t of ticks) {
    const tx = x(t.value).toFixed(1)
    svg.push(
      `<line class="grid" x1="${tx}" x2="${tx}" y1="${top}" y2="${height - axisH}"/><text x="${tx}" y="${height - axisH + 16}" text-anchor="middle">${escapeHtml(t.label)}</text>`,
    )
  }

  sourceNames.forEach((name, i) => {
    const lines = r.lines.filter((l) => l.source === name)
    const times = lines.filter((l) => l.offsetMs !== undefined).map((l) => l.offsetMs!)
    const y = top + i * laneH
    const color = sourceColor.get(name)!
    const label = name.length > 32 ? `…${name.slice(-31)}` : name
    svg.push(`<g${attrs({'data-source': name, 'data-lines': lines.length})}>`)
    svg.push(
      `<text x="${labelW - 10}" y="${y + laneH / 2}" text-anchor="end" dominant-baseline="middle"${attrs({'data-tip': name})}>${escapeHtml(label)}</text>`,
    )
    if (times.length > 0) {
      const a = x(Math.min(...times))
      const b = x(Math.max(...times))
      svg.push(
        `<rect x="${a.toFixed(1)}" y="${y + 9}" width="${Math.max(2, b - a).toFixed(1)}" height="${laneH - 18}" rx="3" fill="${color}" opacity="0.18"${attrs({'data-tip': `${name}: ${lines.length} line${lines.length === 1 ? '' : 's'}, +${formatMillis(Math.min(...times))} → +${formatMillis(Math.max(...times))}`})}/>`,
      )
    }

    for (const l of lines) {
      if (l.offsetMs === undefined) continue
      const index = r.lines.indexOf(l)
      const lx = x(l.offsetMs)
      if (l.durationMs !== undefined && l.durationMs > 0) {
        const start = x(l.offsetMs - l.durationMs)
        svg.push(
          `<rect class="dur" x="${start.toFixed(1)}" y="${y + 12}" width="${Math.max(1, lx - start).toFixed(1)}" height="${laneH - 24}" fill="${levelColor(l)}" opacity="0.45"${attrs({'data-tip': `took ${formatMillis(l.durationMs)} (ending at this line)\n${lineTip(l)}`})}/>`,
        )
      }

      svg.push(
        `<a href="#line-${index}"><rect class="mark" x="${(lx - 2).toFixed(1)}" y="${y + 5}" width="4" height="${laneH - 10}" rx="1" fill="${levelColor(l)}"${attrs({'data-line': index, 'data-offset': l.offsetMs, 'data-tip': lineTip(l)})}/></a>`,
      )
    }

    svg.push('</g>')
  })
  body.push(`<h2>Waterfall</h2>
<figure class="chart" id="waterfall"><p class="note">One lane per source; a mark per line (colour: level), a bar for the time a line says it took. Hover for the line, click to jump to it.</p>
<div class="legend">${Object.entries(LEVEL_COLOR)
    .map(([k, c]) => `<span><i class="${styleClass(`background:${c}`)}"></i>${k}</span>`)
    .join('')}</div>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="waterfall" xmlns="http://www.w3.org/2000/svg">${svg.join('')}</svg></figure>`)

  // Timeline: every line, with its place on the same time axis.
  const rows: string[] = []
  let prev: number | undefined
  r.lines.forEach((l, i) => {
    if (prev !== undefined && l.offsetMs !== undefined && l.offsetMs - prev >= gapMs) {
      rows.push(
        `<tr class="gap"><td></td><td colspan="6">··· ${escapeHtml(formatMillis(l.offsetMs - prev))} gap ···</td></tr>`,
      )
    }

    if (l.offsetMs !== undefined) prev = l.offsetMs
    const pos =
      l.offsetMs === undefined
        ? ''
        : `<span class="pos ${styleClass(`left:${(((l.offsetMs - t0) / (t1 - t0)) * 100).toFixed(2)}%;background:${levelColor(l)}`)}"></span>`
    rows.push(`<tr${attrs({id: `line-${i}`, class: l.match ? 'm' : 'ctx', 'data-line': i, 'data-source': l.source, 'data-level': l.level, 'data-offset-ms': l.offsetMs, 'data-tip': lineTip(l)})}>
<td class="mono">${escapeHtml(l.time ? l.time.slice(11) : '—')}${l.timeInferred ? '~' : ''}</td><td class="num mono">${l.offsetMs === undefined ? '' : `+${escapeHtml(formatMillis(l.offsetMs))}`}</td>
<td><span class="dot ${styleClass(`background:${sourceColor.get(l.source)}`)}"></span>${escapeHtml(l.source)}</td>
<td class="lvl ${styleClass(`color:${levelColor(l)}`)}">${escapeHtml((l.level ?? '').toUpperCase())}</td><td class="num">${escapeHtml(String(l.status ?? ''))}</td>
<td class="msg mono">${escapeHtml(l.message)}</td><td class="wf">${pos}</td></tr>`)
  })
  body.push(
    `<h2>Timeline</h2><table id="timeline"><thead><tr><th>time (UTC)</th><th class="num">offset</th><th>source</th><th>level</th><th class="num">status</th><th>message</th><th class="wf">when</th></tr></thead><tbody>${rows.join('\n') || '<tr><td colspan="7">no line carries this id</td></tr>'}</tbody></table>`,
  )

  const sourceRows = r.sources.map(
    (s) =>
      `<tr${attrs({'data-source': s.name, 'data-matches': s.matches})}><td><span class="dot ${styleClass(`background:${sourceColor.get(s.name) ?? '#ccc'}`)}"></span>${escapeHtml(s.name)}</td><td>${escapeHtml(s.type)}</td><td class="num">${formatNumber(s.matches)}</td><td class="mono">${escapeHtml(s.first ?? '')}</td><td class="mono">${escapeHtml(s.last ?? '')}</td><td class="num">${formatNumber(s.bytes)}</td></tr>`,
  )
  body.push(
    `<h2>Sources</h2><table id="sources"><thead><tr><th>source</th><th>type</th><th class="num">lines</th><th>first</th><th>last</th><th class="num">bytes</th></tr></thead><tbody>${sourceRows.join('')}</tbody></table>`,
  )
  if (r.problems.length > 0) {
    body.push(
      `<h2>Problems</h2><table id="problems"><tbody>${r.problems.map((p) => `<tr${attrs({'data-kind': p.kind})}><td>${escapeHtml(p.source)}</td><td>${p.kind}</td><td>${escapeHtml(p.message)}${p.hint ? ` — ${escapeHtml(p.hint)}` : ''}</td></tr>`).join('')}</tbody></table>`,
    )
  }

  body.push(
    `<footer>Generated by mcp${meta.version ? ` ${escapeHtml(meta.version)}` : ''} at ${escapeHtml(meta.generatedAt ?? new Date().toISOString())} · times in UTC · self-contained: no network needed to open this file.</footer>`,
  )

  return htmlPage({
    title: `mcp trace ${r.id.hex}`,
    body: body.join('\n'),
    css: `.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}
#timeline td.msg{max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#timeline tr.ctx td{color:#8a919c}#timeline tr.gap td{color:#8a919c;font-style:italic;border-bottom:none;padding:2px 10px}
#timeline tr[data-line]:hover td,#timeline tr:target td{background:#eef3fd}
#timeline td.lvl{font-weight:600;font-size:12px}
#timeline .wf{width:180px;position:relative}#timeline td.wf .pos{position:absolute;top:50%;width:6px;height:12px;margin:-6px 0 0 -3px;border-radius:2px}
#waterfall svg a rect.mark{cursor:pointer}`,
  })
}
