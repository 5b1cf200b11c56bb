import {attrs, escapeHtml, styleClass} from './page.js'

/** Line charts as inline SVG: drawn once at render time, no charting library, no script needed. */

export interface ChartPoint {
  x: number
  /** null: a gap in the line (e.g. a second with no response). */
  y: number | null
  /** Hover text for the point's marker. */
  tip?: string
}

export interface ChartSeries {
  name: string
  color: string
  points: ChartPoint[]
  dash?: string
  /** Draw a marker per point (hover tips); default when there are at most 400 points. */
  markers?: boolean
}

export interface Tick {
  value: number
  label: string
}

export interface ChartAxis {
  label: string
  /** Logarithmic (base 10); values ≤ 0 are left out. */
  log?: boolean
  min?: number
  max?: number
  /** Fixed ticks; otherwise "nice" ones are chosen. */
  ticks?: Tick[]
  format?: (v: number) => string
}

export interface LineChartOptions {
  /** Becomes the figure's id (tests and links find charts by it). */
  id: string
  title: string
  note?: string
  x: ChartAxis
  y: ChartAxis
  series: ChartSeries[]
  width?: number
  height?: number
}

const PAD = {left: 70, right: 44, top: 14, bottom: 44}

/** 1, 2, 5 × 10^k steps giving about `count` ticks between min and max. */
export function niceTicks(min: number, max: number, count = 6, format: (v: number) => string = String): Tick[] {
  if (!(max > min)) return [{value: min, label: format(min)}]
  const raw = (max - min) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const out: Tick[] = []
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    const value = Number(v.toPrecision(12))
    out.push({value, label: format(value)})
  }

  return out
}

/** Powers of ten (and 2×, 5× when the range is short) between min and max. */
export function logTicks(min: number, max: number, format: (v: number) => string = String): Tick[] {
  const out: Tick[] = []
  const lo = Math.floor(Math.log10(min))
  const hi = Math.ceil(Math.log10(max))
  const multipliers = hi - lo <= 3 ? [1, 2, 5] : [1]
  for (let e = lo; e <= hi; e++) {
    for (const m of multipliers) {
      const value = m * 10 ** e
      if (value >= min * 0.999 && value <= max * 1.001) out.push({value, label: format(value)})
    }
  }

  return out
}

function extent(values: number[], axis: ChartAxis): [number, number] {
  const vs = axis.log ? values.filter((v) => v > 0) : values
  let lo = axis.min ?? (vs.length > 0 ? Math.min(...vs) : 0)
  let hi = axis.max ?? (vs.length > 0 ? Math.max(...vs) : 1)
  if (axis.log) {
    lo = 10 ** Math.floor(Math.log10(lo > 0 ? lo : 1))
    hi = 10 ** Math.ceil(Math.log10(hi > 0 ? hi : 10))
    if (hi <= lo) hi = lo * 10
  } else {
    if (axis.min === undefined) lo = Math.min(0, lo)
    if (hi <= lo) hi = lo + 1
    // Headroom so the top line does not sit on the frame.
    if (axis.max === undefined) hi += (hi - lo) * 0.05
  }

  return [lo, hi]
}

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 1000
  const height = o.height ?? 300
  const plotW = width - PAD.left - PAD.right
  const plotH = height - PAD.top - PAD.bottom
  const all = o.series.flatMap((s) => s.points)
  const [x0, x1] = extent(
    all.map((p) => p.x),
    o.x,
  )
  const [y0, y1] = extent(
    all.filter((p) => p.y !== null).map((p) => p.y!),
    o.y,
  )
  const scale = (v: number, lo: number, hi: number, log?: boolean): number =>
    log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo)
  const sx = (v: number): number => PAD.left + scale(v, x0, x1, o.x.log) * plotW
  const sy = (v: number): number => PAD.top + plotH - scale(v, y0, y1, o.y.log) * plotH
  const fmtX = o.x.format ?? String
  const fmtY = o.y.format ?? String
  const xTicks = o.x.ticks ?? (o.x.log ? logTicks(x0, x1, fmtX) : niceTicks(x0, x1, 8, fmtX))
  const yTicks = o.y.ticks ?? (o.y.log ? logTicks(y0, y1, fmtY) : niceTicks(y0, y1, 5, fmtY))
  const r = (n: number): string => n.toFixed(1)

  const parts: string[] = []
  for (const t of yTicks) {
    if (t.value < y0 || t.value > y1) continue
    const y = r(sy(t.value))
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${width - PAD.right}" y1="${y}" y2="${y}"/>`)
    parts.push(
      `<text x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(t.label)}</text>`,
    )
  }

  for (const t of xTicks) {
    if (t.value < x0 || t.value > x1) continue
    const x = r(sx(t.value))
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>`)
    parts.push(`<text x="${x}" y="${PAD.top + plotH + 16}" text-anchor="middle">${escapeHtml(t.label)}</text>`)
  }

  parts.push(`<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>`)
  parts.push(
    `<line class="axis" x1="${PAD.left}" x2="${width - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}"/>`,
  )
  parts.push(`<text x="${PAD.left + plotW / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(o.x.label)}</text>`)
  parts.push(
    `<text transform="translate(14 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.y.label)}</text>`,
  )

  for (const s of o.series) {
    const visible = s.points.filter((p) => p.y !== null && !(o.y.log && p.y <= 0))
    let d = ''
    let pen = false
    for (const p of s.points) {
      if (p.y === null || (o.y.log && p.y <= 0)) {
        pen = false
        continue
      }

      d += `${pen ? 'L' : 'M'}${r(sx(p.x))} ${r(sy(p.y))}`
      pen = true
    }

    parts.push(`<g${attrs({'data-series': s.name})}>`)
    if (d)
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} stroke-linejoin="round"/>`,
      )
    if (s.markers ?? visible.length <= 400) {
      for (const p of visible) {
        parts.push(
          `<circle cx="${r(sx(p.x))}" cy="${r(sy(p.y!))}" r="3" fill="${s.color}"${attrs({'data-x': p.x, 'data-y': p.y!, 'data-tip': p.tip})}/>`,
        )
      }
    }

    parts.push('</g>')
  }

  const legend = o.series
    .map((s) => `<span><i class="${styleClass(`background:${s.color}`)}"></i>${escapeHtml(s.name)}</span>`)
    .join('')
  return `<figure class="chart"${attrs({id: o.id})}>
<h3>${escapeHtml(o.title)}</h3>${o.note ? `<p class="note">${escapeHtml(o.note)}</p>` : ''}
<div class="legend">${legend}</div>
<svg viewBox="0 0 ${width} ${height}" role="img"${attrs({'aria-label': o.title})} xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>
</figure>`
}

/** Colours that stay distinct for several instances or sources. */
export const PALETTE = [
  '#2f6fde',
  '#e0712c',
  '#2e9e5b',
  '#c2417a',
  '#7b57c9',
  '#a0842c',
  '#1f9bb0',
  '#d14a4a',
  '#5d6675',
  '#8fb339',
]
