import assert from 'node:assert/strict'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {FIXTURES, lint} from './helpers.js'

/**
 * Every label rule's findings on its fixtures — message, hint, evidence, position — pinned in
 * test/fixtures/labels/findings.golden.json (UPDATE_GOLDEN=1 rewrites it; read the diff first).
 */
const GOLDEN = 'test/fixtures/labels/findings.golden.json'

async function all(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const f of readdirSync(`${FIXTURES}/compose`)
    .filter((x) => x.endsWith('.yaml'))
    .sort()) {
    const file = `${FIXTURES}/compose/${f}`
    out[`compose/${f}`] = await lint({composeFiles: [file], swarm: f.startsWith('swarm-')})
    if (f === 'deploy-labels-only.yaml') out[`compose/${f} --swarm`] = await lint({composeFiles: [file], swarm: true})
  }

  for (const f of readdirSync(`${FIXTURES}/dockerfile`)
    .filter((x) => x.endsWith('.Dockerfile'))
    .sort()) {
    out[`dockerfile/${f}`] = await lint({dockerfiles: [`${FIXTURES}/dockerfile/${f}`]})
  }

  // Paths under the checkout are pinned relative to it.
  return JSON.parse(JSON.stringify(out).split(process.cwd()).join('<cwd>'))
}

describe('label findings on every fixture, pinned', async () => {
  const actual = await all()
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, JSON.stringify(actual, null, 1) + '\n')
  const expected = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, unknown>
  test('the same fixtures', () => assert.deepEqual(Object.keys(actual), Object.keys(expected)))
  for (const name of Object.keys(actual)) test(name, () => assert.deepEqual(actual[name], expected[name]))
})
