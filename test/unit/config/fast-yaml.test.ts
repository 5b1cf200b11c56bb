import {readdirSync, readFileSync} from 'node:fs'
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {parse, stringify} from 'yaml'

import {readPlainYaml} from '../../../src/config/fast-yaml.js'

/** The fast reader either refuses a document or reads exactly what the `yaml` package reads. */
function agrees(text: string): boolean {
  const fast = readPlainYaml(text)
  if (fast === undefined) return true
  let full: unknown
  try {
    full = parse(text, {uniqueKeys: true})
  } catch (error) {
    assert.fail(`fast reader accepted a document yaml rejects (${(error as Error).message}):\n${text}`)
  }
  assert.deepEqual(fast, full, text)
  return true
}

const key = fc.oneof(fc.constantFrom('a', 'b', 'name', 'x-tenant', 'mcp.service.name', '/path', 'on', 'null', '1', 'true', 'key with space', 'k:v', '#k', '"q"', "it's"), fc.string({maxLength: 6}))
const scalar = fc.oneof(
  fc.constantFrom('5s', '500ms', '/api/x', 'http://127.0.0.1:2379', 'a: b', 'a #b', 'x#y', '-', '- x', '', ' lead', 'trail ', "it's", 'say "hi"', 'yes', 'no', '~', 'null', 'True', '0x1F', '0o7', '.inf', '1e3', '1.', '.5', '+5', '-0', '012', '1_000', 'a\tb', 'a\nb', '[x]', '{x}', '&a', '*a', '!tag', '|', '>', '@x', '`x', '%x', '?x', ':x', ',x', '\\', 'é', '${VAR:-5s}'),
  fc.string({maxLength: 8}),
  fc.integer(),
  fc.double({noNaN: true, noDefaultInfinity: true}),
  fc.boolean(),
  fc.constant(null),
)
const value = fc.letrec((tie) => ({
  node: fc.oneof({depthSize: 'small'}, scalar, tie('list'), tie('map')),
  list: fc.array(tie('node'), {maxLength: 4}),
  map: fc.dictionary(key, tie('node'), {maxKeys: 4}),
})).node

describe('fast YAML reader', () => {
  test('agrees with yaml on generated documents in every style', () => {
    fc.assert(
      fc.property(value, fc.constantFrom('block', 'flow', 'any'), fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'), fc.integer({min: 2, max: 4}), (v, collectionStyle, defaultStringType, indent) => {
        const text = stringify(v, {collectionStyle: collectionStyle as 'block', defaultStringType: defaultStringType as 'PLAIN', indent, lineWidth: 0})
        return agrees(text)
      }),
      {numRuns: 1500},
    )
  })

  test('agrees with yaml on hand-written line soups', () => {
    const line = fc.constantFrom('a: 1', 'b:', '  c: x', '  - y', '- z', '- k: v', '  k2: [1, 2]', '    deep: {p: /a, m: [GET]}', '# comment', 'd: "q # not a comment"', "e: 'it''s'", 'f: x # c', '---', '  ', 'g: |', '  text', 'h: &x 1', 'i: *x', 'j:  spaced', '-', '  -', 'k: {a: 1, a: 2}', 'l: [a, ]', 'a: 2', 'm: "\\x41"', 'n: "\\u0041"', '\tt: 1', 'o: a: b', 'p: -1', 'q: 1e5')
    fc.assert(fc.property(fc.array(line, {maxLength: 10}), (lines) => agrees(lines.join('\n') + '\n')), {numRuns: 3000})
  })

  test('reads the config fixtures like yaml does', () => {
    const dir = new URL('../../fixtures/config/', import.meta.url)
    let read = 0
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      const text = readFileSync(new URL(f, dir), 'utf8')
      agrees(text)
      if (readPlainYaml(text) !== undefined) read++
    }
    assert.ok(read >= 10, 'most fixtures are plain YAML and take the fast path')
  })

  test('refuses what it does not handle', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: |\n  x\n', 'a: !!str 1\n', 'a: 1\na: 2\n', 'a: "x\n  y"\n', 'a: x\n  y\n', '---\na: 1\n---\nb: 2\n', 'plain scalar\n', 'a: 0x10\n', '<<: {a: 1}\n']) {
      assert.equal(readPlainYaml(text), undefined, text)
    }
  })
})
