import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {type LoadReportInput, renderLoadtestReport} from '../../src/loadtest/html-report.js'
import {HeadlessBrowser, launchBrowser} from '../helpers/browser.js'
import {runCli} from '../helpers/cli.js'

// A saved result is someone's file: --compare checks it, the report escapes every value, and the
// page's CSP runs only the page's own script and style (by hash), so markup that slipped in runs nothing.
const dir = mkdtempSync(join(tmpdir(), 'mcpt-csp-'))
const fixture = () =>
  JSON.parse(
    readFileSync(new URL('../fixtures/reports/loadtest-service.json', import.meta.url), 'utf8'),
  ) as LoadReportInput
const meta = {command: 'mcp loadtest x', version: '0.1.0', generatedAt: '2026-11-22T00:00:00.000Z'}
let browser: HeadlessBrowser
before(async () => {
  browser = await launchBrowser()
})
after(async () => {
  await browser?.close()
  rmSync(dir, {recursive: true, force: true})
})

describe('loadtest HTML report: nothing from a saved result runs', () => {
  test('--compare refuses a saved result whose numbers are not numbers (exit 3)', async () => {
    const saved = {
      ...fixture(),
      requests: {...fixture().requests, perSecond: '<script>document.title="pwned"</script>'},
    }
    const file = join(dir, 'saved.json')
    writeFileSync(file, JSON.stringify(saved))
    const r = await runCli(['loadtest', 'http://127.0.0.1:9/', '--compare', file, '--report', join(dir, 'r.html')])
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stderr, /^mcp: .*saved\.json: requests\.perSecond is not a number\n/)
  })

  test('the page: no inline script or style but its own (CSP hashes, no unsafe-inline); the hover tip still works', async () => {
    const result = fixture()
    const evil = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'
    const html = renderLoadtestReport(
      {
        ...result,
        compare: {
          file: evil,
          before: {startedAt: evil},
          deltas: [{metric: evil, unit: 'rps', before: evil as unknown as number, now: 1, change: 0, better: true}],
        },
      },
      meta,
    )
    assert.ok(!html.includes('<script>document'), 'escaped')
    assert.doesNotMatch(html, /unsafe-inline/)
    assert.doesNotMatch(html, / style="/)
    // Were anything to slip through, the CSP still stops it.
    const planted = html.replace('</main>', `${evil}<div style="display:none" id="styled">x</div></main>`)
    const file = join(dir, 'report.html')
    writeFileSync(file, planted)
    const {page, errors, requests} = await browser.open(file)
    assert.notEqual(await page.title(), 'pwned')
    assert.equal(
      await page.evaluate(() =>
        (
          globalThis as unknown as {document: {getElementById: (id: string) => {checkVisibility: () => boolean}}}
        ).document
          .getElementById('styled')
          .checkVisibility(),
      ),
      true,
      'a planted style attribute has no effect',
    )
    assert.ok(
      errors.some((e) => /Content Security Policy/.test(e)),
      'the planted script was refused',
    )
    assert.deepEqual(
      requests.filter((u) => !u.endsWith('/x')),
      [],
    )
    await page.hover('[data-tip]')
    assert.equal(await page.isVisible('#tip'), true, "the page's own script runs")
    // The page as rendered: no CSP violation at all (its own style and script are allowed by hash).
    writeFileSync(file, renderLoadtestReport(result, meta))
    const clean = await browser.open(file)
    assert.deepEqual(clean.errors, [])
  })
})
