import assert from 'node:assert/strict'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {lintConfigDocument, lintConfigFile} from '../../../src/config/index.js'
import {CHECKOUT_ROUTES, checkoutView} from '../../helpers/fixtures.js'

/**
 * Every config rule's findings on its fixture — message, hint, evidence, position, fixes — pinned in
 * test/fixtures/config/findings.golden.json (UPDATE_GOLDEN=1 rewrites it; read the diff first).
 */
const GOLDEN = 'test/fixtures/config/findings.golden.json'
const FIXTURES = 'test/fixtures/config'

function all(): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of readdirSync(FIXTURES)
    .filter((x) => x.endsWith('.yaml'))
    .sort()) {
    const r = lintConfigFile(join(FIXTURES, f), {vars: {}})
    out[f] = {findings: r.findings, fixes: r.fixes}
  }

  const live = lintConfigDocument(
    {path: 'live.yaml', text: CHECKOUT_ROUTES, hadBom: false},
    {vars: {}, view: checkoutView()},
  )
  out['live.yaml --discover'] = {findings: live.findings, fixes: live.fixes}
  // Paths under the checkout are pinned relative to it.
  return JSON.parse(JSON.stringify(out).split(process.cwd()).join('<cwd>'))
}

describe('config findings on every fixture, pinned', () => {
  const actual = all()
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, JSON.stringify(actual, null, 1) + '\n')
  const expected = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, unknown>
  test('the same fixtures', () => assert.deepEqual(Object.keys(actual), Object.keys(expected)))
  for (const name of Object.keys(actual)) test(name, () => assert.deepEqual(actual[name], expected[name]))
})
