import {createHash} from 'node:crypto'

/**
 * The frame every HTML report shares: one self-contained file (inline CSS, inline SVG, a few lines
 * of inline script for hover tips), and a Content-Security-Policy that forbids any network fetch, so
 * a report opened from disk, a CI artifact or a mail attachment never reaches out. The CSP allows
 * exactly the page's own <style> and <script> by their SHA-256, never 'unsafe-inline': text that
 * slipped into the page unescaped still could not run, nor style anything.
 */

export function escapeHtml(text: string): string {
  return text.replaceAll(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
}

/** Shorthand for attributes: undefined and false are left out; values are escaped. */
export function attrs(map: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(map)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escapeHtml(String(v))}"`))
    .join('')
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

/** Styles of one element (a bar's width, a dot's colour) as a class: style="" attributes would need 'unsafe-inline'. */
const styleClasses = new Map<string, string>()
export function styleClass(css: string): string {
  const name = `st-${createHash('sha256').update(css).digest('hex').slice(0, 10)}`
  styleClasses.set(name, css)
  return name
}

const CSS = `
:root{--fg:#1d2330;--muted:#5d6675;--line:#d9dde4;--bg:#fff;--panel:#f6f7f9;--ok:#1a7f37;--bad:#c62828;--warn:#b26a00;--accent:#2f6fde}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.sub{color:var(--muted);margin:0 0 14px}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:0}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;font-size:13px;color:#fff;vertical-align:middle}
.badge.ok{background:var(--ok)}.badge.bad{background:var(--bad)}.badge.none{background:var(--muted)}.badge.warn{background:var(--warn)}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.tile .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}.tile .v{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em;font-weight:600}
td.num,th.num{text-align:right}
tr.ok td.state{color:var(--ok);font-weight:600}tr.bad td.state{color:var(--bad);font-weight:600}
.chart{background:#fff;border:1px solid var(--line);border-radius:8px;padding:6px;margin:0 0 14px}
.chart svg{display:block;width:100%;height:auto}
.chart h3{font-size:14px;margin:4px 8px 0}.chart .note{color:var(--muted);font-size:12px;margin:0 8px 4px}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;fill:#444}
svg .grid{stroke:#e6e8ec;stroke-width:1}svg .axis{stroke:#888;stroke-width:1}
svg [data-tip]:hover{stroke:#000;stroke-width:2}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin:2px 8px 6px;font-size:12px;color:var(--muted)}
.legend i{display:inline-block;width:18px;height:3px;vertical-align:middle;margin-right:5px;border-radius:2px}
#tip{position:fixed;pointer-events:none;z-index:10;max-width:680px;background:#1d2330;color:#fff;padding:6px 9px;border-radius:5px;font:12px/1.4 ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;white-space:pre-wrap;word-break:break-all;display:none;box-shadow:0 2px 8px rgba(0,0,0,.25)}
footer{margin-top:36px;color:var(--muted);font-size:12px}
`

/** Hover tips: any element with data-tip shows it next to the pointer. */
const SCRIPT = `
(function(){
  var tip=document.getElementById('tip');
  function show(e){var t=e.target.closest&&e.target.closest('[data-tip]');if(!t){tip.style.display='none';return}
    tip.textContent=t.getAttribute('data-tip');tip.style.display='block';
    var x=e.clientX+14,y=e.clientY+14,w=tip.offsetWidth,h=tip.offsetHeight;
    if(x+w>window.innerWidth-8)x=Math.max(8,e.clientX-w-14);if(y+h>window.innerHeight-8)y=Math.max(8,e.clientY-h-14);
    tip.style.left=x+'px';tip.style.top=y+'px'}
  document.addEventListener('mousemove',show);
  document.addEventListener('mouseleave',function(){tip.style.display='none'});
})();
`

export interface PageOptions {
  title: string
  body: string
  /** Extra CSS for one report. */
  css?: string
}

export function htmlPage(options: PageOptions): string {
  const used = [...styleClasses]
    .filter(([name]) => options.body.includes(name))
    .map(([name, css]) => `.${name}{${css}}`)
  const style = `${CSS}${options.css ?? ''}${used.join('')}`
  const csp = `default-src 'none'; style-src ${sha256(style)}; script-src ${sha256(SCRIPT)}; img-src data:`
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mcp">
<title>${escapeHtml(options.title)}</title>
<style>${style}</style>
</head>
<body>
<main>
${options.body}
</main>
<div id="tip" role="tooltip"></div>
<script>${SCRIPT}</script>
</body>
</html>
`
}

/** 1234567 → "1,234,567"; fixed decimals when asked. Anything but a finite number is "n/a". */
export function formatNumber(n: number, decimals = 0): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return 'n/a'
  return n.toLocaleString('en-US', {minimumFractionDigits: decimals, maximumFractionDigits: decimals})
}

/** Microseconds as people read them: 850µs, 12.40ms, 1.50s. */
export function formatMicros(us: number): string {
  if (typeof us !== 'number' || !Number.isFinite(us)) return 'n/a'
  if (us < 1000) return `${Math.round(us)}µs`
  if (us < 1_000_000) return `${(us / 1000).toFixed(2)}ms`
  return `${(us / 1_000_000).toFixed(2)}s`
}

/** Milliseconds as people read them: 850ms, 2.5s, 1m30s. */
export function formatMillis(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return 'n/a'
  if (ms === 0) return '0ms'
  if (Math.abs(ms) < 1) return `${Math.round(ms * 1000)}µs`
  if (Math.abs(ms) < 1000) return `${Number(ms.toFixed(ms < 10 ? 2 : 0))}ms`
  if (Math.abs(ms) < 60_000) return `${Number((ms / 1000).toFixed(2))}s`
  const m = Math.floor(ms / 60_000)
  return `${m}m${Math.round((ms - m * 60_000) / 1000)}s`
}
