import type {AddressInfo} from 'node:net'

import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {HeadlessBrowser, launchBrowser, screenshotPath} from '../helpers/browser.js'
import {ROOT, runCli, testEnv} from '../helpers/cli.js'
import {cleanupDocker, requireDocker, runContainer, uniqueName} from '../helpers/services.js'

const dir = mkdtempSync(join(tmpdir(), 'mcp-reports-'))
const prefix = uniqueName('report')
let browser: HeadlessBrowser
let server: Server
let url: string

before(async () => {
  await requireDocker()
  browser = await launchBrowser()
  // A server with a tail: every 40th response waits 15 ms, so the percentile chart has a shape.
  let n = 0
  server = createServer((_req, res) => {
    n++
    setTimeout(() => res.end('ok'), n % 40 === 0 ? 15 : 0)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
after(async () => {
  await browser?.close()
  server?.close()
  await cleanupDocker(prefix)
  rmSync(dir, {recursive: true, force: true})
})

/** Numbers from data-* attributes of every element matching the selector. */
async function dataValues(
  page: import('playwright-core').Page,
  selector: string,
  attribute: string,
): Promise<number[]> {
  return page.$$eval(selector, (els, a) => els.map((e) => Number(e.getAttribute(a))), attribute)
}

describe('HTML reports in headless Chromium', () => {
  test(
    "loadtest --report: the run's numbers in tiles, charts and thresholds; no console errors, no network",
    {timeout: 60_000},
    async () => {
      const file = join(dir, 'loadtest.html')
      const r = await runCli([
        'loadtest',
        url,
        '-c',
        '4',
        '-d',
        '3s',
        '--max-p99',
        '2s',
        '--min-rps',
        '1000000',
        '-H',
        'Authorization: Bearer sekret-token-123',
        '--report',
        file,
        '--json',
      ])
      assert.equal(r.code, 1, `--min-rps 1000000 is breached: ${r.stderr}`)
      const result = JSON.parse(r.stdout)
      const html = readFileSync(file, 'utf8')
      assert.ok(!html.includes('sekret-token-123'), 'header values never reach the report')
      assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=["']?https?:/i, 'no external resources')

      const {page, errors, requests} = await browser.open(file)
      assert.deepEqual(errors, [])
      assert.deepEqual(requests, [])
      const tile = (metric: string) => page.getAttribute(`[data-metric="${metric}"]`, 'data-value').then(Number)
      assert.equal(await tile('requests-per-second'), result.requests.perSecond)
      assert.equal(await tile('requests'), result.requests.total)
      assert.equal(await tile('p99'), result.latency.p99)
      assert.equal(await tile('max'), result.latency.max)
      assert.match(
        (await page.textContent('[data-metric="requests"] .v'))!,
        new RegExp(result.requests.total.toLocaleString('en-US')),
      )

      // Thresholds: one row each, with the verdict the run reached.
      const rows = await page.$$eval('#thresholds tr[data-threshold]', (trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-threshold'),
          tr.getAttribute('data-ok'),
          tr.querySelector('.state')!.textContent,
        ]),
      )
      assert.deepEqual(rows, [
        ['max-p99', 'true', 'held'],
        ['min-rps', 'false', 'BREACHED'],
      ])
      assert.equal(await page.getAttribute('#verdict', 'data-ok'), 'false')
      assert.match(
        (await page.textContent('#command'))!,
        /^mcp loadtest http:\/\/127\.0\.0\.1:\d+\/ -c 4 -d 3s .*-H 'Authorization: \[redacted\]' --report /,
      )

      // Requests/s over time: one point per second, and they add up to the run's responses.
      const points = result.timeline.points as {requests: number}[]
      const rps = await dataValues(page, '#chart-rps g[data-series="requests/s"] circle', 'data-y')
      assert.equal(rps.length, points.length)
      assert.equal(
        points.reduce((a, p) => a + p.requests, 0),
        result.requests.total,
      )
      assert.equal(rps[0], points[0]!.requests)
      assert.equal(await page.locator('#chart-latency-time g[data-series="p99"] circle').count(), points.length)

      // The HDR distribution: the point at x = 2 (99%) is the run's p99, in ms.
      const xs = await dataValues(page, '#chart-percentiles g[data-series="corrected"] circle', 'data-x')
      const ys = await dataValues(page, '#chart-percentiles g[data-series="corrected"] circle', 'data-y')
      assert.equal(ys[xs.indexOf(2)], result.latency.p99 / 1000)
      assert.equal(ys[xs.indexOf(1)], result.latency.p90 / 1000)

      // Hover shows the point's value (force: the uncorrected line's point may lie on top of it).
      await page.hover('#chart-percentiles g[data-series="corrected"] circle >> nth=40', {force: true})
      assert.ok(await page.isVisible('#tip'))
      assert.match((await page.textContent('#tip'))!, /^p\d+(\.\d+)? = /)
      await page.screenshot({path: screenshotPath('loadtest-report.png'), fullPage: true})
      await page.close()
    },
  )

  test(
    'loadtest --report for a service: one row and one distribution line per instance',
    {timeout: 60_000},
    async () => {
      const service = `${prefix}-svc`
      const labels = {'mcp.service.name': service, 'mcp.service.port': '8080', 'mcp.health.path': '/health'}
      await runContainer(`${prefix}-a`, {labels, publish: ['127.0.0.1::8080']})
      await runContainer(`${prefix}-b`, {labels, publish: ['127.0.0.1::8080']})
      const file = join(dir, 'service.html')
      const r = await runCli(
        [
          'loadtest',
          service,
          '--path',
          '/health',
          '-c',
          '4',
          '-d',
          '2s',
          '--source',
          'docker',
          '--report',
          file,
          '--json',
        ],
        {env: testEnv()},
      )
      assert.equal(r.code, 0, r.stderr)
      const result = JSON.parse(r.stdout)
      const {page, errors, requests} = await browser.open(file)
      assert.deepEqual(errors, [])
      assert.deepEqual(requests, [])
      const rows = await page.$$eval('#instances tr[data-instance]', (trs) =>
        trs.map((tr) => [tr.getAttribute('data-instance'), Number(tr.getAttribute('data-requests'))]),
      )
      assert.deepEqual(
        rows,
        result.instances.map((i: {id: string; requests: number}) => [i.id, i.requests]),
      )
      assert.equal(rows.length, 2)
      for (const inst of result.instances)
        assert.equal(
          (await page.locator(`#chart-percentiles g[data-series="${inst.id}"] circle`).count()) > 0,
          true,
          inst.id,
        )
      assert.equal(Number(await page.getAttribute('#imbalance', 'data-imbalance')), result.imbalance)
      await page.screenshot({path: screenshotPath('loadtest-service-report.png'), fullPage: true})
      await page.close()
    },
  )

  test(
    'trace --report: a lane per source, a mark per line at its offset, the line on hover',
    {timeout: 60_000},
    async () => {
      const logs = join(ROOT, 'test', 'fixtures', 'reports', 'trace')
      const file = join(dir, 'trace.html')
      const r = await runCli(['trace', '4bf92f3577b34da6a3ce929d0e0e4736', logs, '--report', file, '--json'])
      assert.equal(r.code, 0, r.stderr)
      const result = JSON.parse(r.stdout) as {
        lines: {offsetMs: number; source: string; line: string}[]
        sources: {name: string; matches: number}[]
      }
      assert.equal(result.lines.length, 8)
      const {page, errors, requests} = await browser.open(file)
      assert.deepEqual(errors, [])
      assert.deepEqual(requests, [])

      const lanes = await page.$$eval('#waterfall g[data-source]', (gs) =>
        gs.map((g) => [g.getAttribute('data-source'), Number(g.getAttribute('data-lines'))]),
      )
      assert.deepEqual(lanes.sort(), result.sources.map((s) => [s.name, s.matches]).sort())
      const offsets = await dataValues(page, '#waterfall rect.mark', 'data-offset')
      assert.deepEqual(
        offsets.sort((a, b) => a - b),
        result.lines.map((l) => l.offsetMs).sort((a, b) => a - b),
      )
      // Marks are placed left to right in time order.
      const placed = await page.$$eval('#waterfall rect.mark', (rs) =>
        rs.map((el) => [Number(el.getAttribute('data-offset')), Number(el.getAttribute('x'))]),
      )
      placed.sort((a, b) => a[0]! - b[0]!)
      for (let i = 1; i < placed.length; i++)
        assert.ok(placed[i]![1]! >= placed[i - 1]![1]!, 'later lines sit further right')
      assert.equal(await page.locator('#timeline tr[data-line]').count(), 8)
      assert.equal(await page.locator('#timeline tr.gap').count(), 2, 'the 2.5s and 3.25s gaps')

      // Hover a mark: the whole line; click: the timeline row is the target.
      const last = result.lines.length - 1
      await page.hover(`#waterfall rect.mark[data-line="${last}"]`)
      assert.ok(await page.isVisible('#tip'))
      assert.ok((await page.textContent('#tip'))!.includes(result.lines[last]!.line))
      await page.click(`#waterfall rect.mark[data-line="${last}"]`)
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as {location: {hash: string}}).location.hash),
        `#line-${last}`,
      )
      await page.hover(`#timeline tr[data-line="0"]`)
      assert.ok((await page.textContent('#tip'))!.includes(result.lines[0]!.line))
      await page.screenshot({path: screenshotPath('trace-report.png'), fullPage: true})
      await page.close()
    },
  )

  test('a report that cannot be written: exit 3, one line, nothing half-written', async () => {
    const r = await runCli([
      'trace',
      '4bf92f3577b34da6a3ce929d0e0e4736',
      join(ROOT, 'test', 'fixtures', 'reports', 'trace'),
      '--report',
      join(dir, 'missing-dir', 'x.html'),
    ])
    assert.equal(r.code, 3)
    assert.match(r.stderr, /^mcp: .*missing-dir\/x\.html: cannot write the report \(ENOENT\)\n/)
  })
})
