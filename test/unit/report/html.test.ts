import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import type {TraceResult} from '../../../src/logs/trace.js'

import {commandLine, shellQuote} from '../../../src/cli/command-line.js'
import {type LoadReportInput, renderLoadtestReport} from '../../../src/loadtest/html-report.js'
import {Series} from '../../../src/loadtest/series.js'
import {renderTraceReport} from '../../../src/logs/html-report.js'
import {escapeHtml, formatMicros, formatMillis} from '../../../src/report/html/page.js'
import {logTicks, niceTicks} from '../../../src/report/html/svg.js'

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/reports/${name}`, import.meta.url), 'utf8'))
const meta = {command: 'mcp x', version: '0.1.0', generatedAt: '2026-11-22T00:00:00.000Z'}

describe('HTML report renderers (pure)', () => {
  test('a recorded service run: self-contained, every number where the browser test looks for it', () => {
    const result = fixture('loadtest-service.json') as LoadReportInput
    const html = renderLoadtestReport(result, meta)
    assert.equal(renderLoadtestReport(result, meta), html, 'deterministic')
    assert.match(html, /^<!DOCTYPE html>/)
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/)
    assert.doesNotMatch(html, /\b(src|href)=["']?(https?:)?\/\//i, 'no external resource')
    assert.match(html, new RegExp(`data-metric="requests-per-second" data-value="${result.requests.perSecond}"`))
    assert.match(html, new RegExp(`data-metric="p99" data-value="${result.latency.p99}"`))
    for (const inst of result.instances) {
      assert.match(html, new RegExp(`<tr data-instance="${inst.id}" data-requests="${inst.requests}"`))
      assert.match(html, new RegExp(`<g data-series="${inst.id}">`))
    }

    assert.equal(
      (html.match(/<g data-series="requests\/s">[\s\S]*?<\/g>/)![0].match(/<circle/g) ?? []).length,
      result.timeline.points.length,
    )
    assert.match(html, /id="verdict" class="badge none"/)
  })

  test('thresholds: rows, verdict, and a limit far off the scale named rather than drawn', () => {
    const result = fixture('loadtest-service.json') as LoadReportInput
    const breached: LoadReportInput = {
      ...result,
      ok: false,
      thresholds: [
        {name: 'max-p99', metric: 'p99', limit: 250_000, actual: result.latency.p99, ok: true},
        {name: 'min-rps', metric: 'requestsPerSecond', limit: 1_000_000, actual: result.requests.perSecond, ok: false},
      ],
    }
    const html = renderLoadtestReport(breached, meta)
    assert.match(html, /id="verdict" class="badge bad" data-ok="false">threshold breached/)
    assert.match(html, /<tr class="bad" data-threshold="min-rps" data-ok="false"/)
    assert.match(html, /--min-rps 1,000,000 \(off scale\)/)
    assert.match(html, /<g data-series="--max-p99 250.00ms"><path /)
  })

  test('a result without a timeline (older mcp) still renders', () => {
    const {timeline: _drop, ...old} = fixture('loadtest-service.json')
    assert.match(renderLoadtestReport(old as LoadReportInput, meta), /no per-second timeline/)
  })

  test('trace: a mark per line at its offset; log text is escaped, never markup', () => {
    const result = fixture('trace-result.json') as TraceResult
    result.lines[1]!.line = '<script>alert(1)</script> & "quotes"'
    result.lines[1]!.message = '<img src=x onerror=alert(1)>'
    const html = renderTraceReport(result, {...meta, gapMs: 1000})
    assert.equal((html.match(/<rect class="mark"/g) ?? []).length, result.lines.length)
    for (const [i, l] of result.lines.entries())
      assert.match(html, new RegExp(`data-line="${i}" data-offset="${l.offsetMs}"`))
    assert.ok(!html.includes('<script>alert(1)'))
    assert.ok(!html.includes('<img src=x'))
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quotes&quot;/)
    assert.equal((html.match(/<tr class="gap">/g) ?? []).length, 2)
    const notFound = renderTraceReport(
      {...result, found: false, lines: [], sources: result.sources.map((s) => ({...s, matches: 0}))},
      meta,
    )
    assert.match(notFound, /data-found="false">not found/)
  })

  test('command lines: shell-quoted, header values and URL passwords masked', () => {
    assert.equal(shellQuote('a b'), "'a b'")
    assert.equal(shellQuote("it's"), `'it'\\''s'`)
    assert.equal(shellQuote('http://h:1/x?a=1'), "'http://h:1/x?a=1'")
    assert.equal(
      commandLine('mcp', [
        'loadtest',
        'http://u:pa55word@h/',
        '-H',
        'Authorization: Bearer abc.def.ghi',
        '--header=Cookie: s=1',
        '-HX-Api-Key: k',
        '-c',
        '10',
      ]),
      "mcp loadtest 'http://u:[redacted]@h/' -H 'Authorization: [redacted]' '--header=Cookie: [redacted]' '-HX-Api-Key: [redacted]' -c 10",
    )
  })

  test('formatting and ticks', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
    assert.deepEqual([formatMicros(850), formatMicros(12_400), formatMicros(1_500_000)], ['850µs', '12.40ms', '1.50s'])
    assert.deepEqual(
      [formatMillis(0), formatMillis(0.25), formatMillis(140), formatMillis(2690), formatMillis(90_000)],
      ['0ms', '250µs', '140ms', '2.69s', '1m30s'],
    )
    assert.deepEqual(
      niceTicks(0, 3000, 6).map((t) => t.value),
      [0, 500, 1000, 1500, 2000, 2500, 3000],
    )
    assert.deepEqual(
      logTicks(1, 1000).map((t) => t.value),
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    )
  })
})

describe('loadtest per-second series', () => {
  test('counts per second, percentiles within a bucket (≈9%), merge across threads', () => {
    const a = new Series()
    a.t0 = 1000
    for (let i = 0; i < 99; i++) a.record(1000 + 10 + i, 1000) // second 0: 99 × 1 ms
    a.record(1500, 100_000) // and one 100 ms
    a.record(2100, 2000) // second 1
    a.error(2200, 3)
    const b = new Series()
    b.t0 = 1000
    b.record(2300, 2000)
    a.add(b.data())
    const [s0, s1, s2] = a.points(2500)
    assert.equal(s0!.requests, 100)
    assert.ok(Math.abs(s0!.p50! - 1000) / 1000 < 0.1, `p50 ${s0!.p50}`)
    assert.ok(Math.abs(s0!.p99! - 1000) / 1000 < 0.1, `p99 ${s0!.p99}: the 99th of 100 is still 1 ms`)
    assert.ok(Math.abs(s0!.max! - 100_000) / 100_000 < 0.1, `max ${s0!.max}`)
    assert.deepEqual([s1!.requests, s1!.errors], [2, 3])
    assert.deepEqual(s2, {t: 2, requests: 0, errors: 0, p50: null, p90: null, p99: null, max: null})
  })
})
