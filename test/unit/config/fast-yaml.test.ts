import fc from 'fast-check'
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {describe, test} from 'node:test'
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

const key = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    'name',
    'x-tenant',
    'mcp.service.name',
    '/path',
    'on',
    'null',
    '1',
    'true',
    'key with space',
    'k:v',
    '#k',
    '"q"',
    "it's",
  ),
  fc.string({maxLength: 6}),
)
const scalar = fc.oneof(
  fc.constantFrom(
    '5s',
    '500ms',
    '/api/x',
    'http://127.0.0.1:2379',
    'a: b',
    'a #b',
    'x#y',
    '-',
    '- x',
    '',
    ' lead',
    'trail ',
    "it's",
    'say "hi"',
    'yes',
    'no',
    '~',
    'null',
    'True',
    '0x1F',
    '0o7',
    '.inf',
    '1e3',
    '1.',
    '.5',
    '+5',
    '-0',
    '012',
    '1_000',
    'a\tb',
    'a\nb',
    '[x]',
    '{x}',
    '&a',
    '*a',
    '!tag',
    '|',
    '>',
    '@x',
    '`x',
    '%x',
    '?x',
    ':x',
    ',x',
    '\\',
    'é',
    '${VAR:-5s}',
  ),
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
      fc.property(
        value,
        fc.constantFrom('block', 'flow', 'any'),
        fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
        fc.integer({min: 2, max: 4}),
        (v, collectionStyle, defaultStringType, indent) => {
          const text = stringify(v, {
            collectionStyle: collectionStyle as 'block',
            defaultStringType: defaultStringType as 'PLAIN',
            indent,
            lineWidth: 0,
          })
          return agrees(text)
        },
      ),
      {numRuns: 1500},
    )
  })

  test('agrees with yaml on hand-written line soups', () => {
    const line = fc.constantFrom(
      'a: 1',
      'b:',
      '  c: x',
      '  - y',
      '- z',
      '- k: v',
      '  k2: [1, 2]',
      '    deep: {p: /a, m: [GET]}',
      '# comment',
      'd: "q # not a comment"',
      "e: 'it''s'",
      'f: x # c',
      '---',
      '  ',
      'g: |',
      '  text',
      'h: &x 1',
      'i: *x',
      'j:  spaced',
      '-',
      '  -',
      'k: {a: 1, a: 2}',
      'l: [a, ]',
      'a: 2',
      String.raw`m: "\x41"`,
      String.raw`n: "\u0041"`,
      '\tt: 1',
      'o: a: b',
      'p: -1',
      'q: 1e5',
    )
    fc.assert(
      fc.property(fc.array(line, {maxLength: 10}), (lines) => agrees(lines.join('\n') + '\n')),
      {numRuns: 3000},
    )
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

  // Characters trim() and \s take for white space but YAML does not, control characters, line separators.
  const odd = fc.constantFrom(
    '\u00A0',
    '\u2000',
    '\u2009',
    '\u200A',
    '\u2028',
    '\u2029',
    '\u3000',
    '\uFEFF',
    '\v',
    '\f',
    '\r',
    '\u0000',
    '\u001B',
    '\u007F',
    '\u0085',
    '\t',
    ' ',
    '\uD800',
    '\uDC00',
    '\uD83D\uDE00',
  )
  const piece = fc.oneof(
    odd,
    fc.constantFrom('a', 'b', 'true', '8080', '"x"', "'y'", '#', ':', ': ', '- ', '[1]', '{k: v}', 'é'),
    fc.string({maxLength: 4}),
  )
  const oddText = fc.array(piece, {maxLength: 6}).map((p) => p.join(''))

  test('agrees with yaml when values and keys carry Unicode spaces and control characters', () => {
    fc.assert(
      fc.property(
        oddText,
        oddText,
        fc.constantFrom(
          'k: %v\n',
          '%k: %v\n',
          'k:\n  - %v\n',
          'k: [%v]\n',
          'k: {a: %v}\n',
          'k: "%v"\n',
          "k: '%v'\n",
          'a:\n  %k: %v\n',
        ),
        (k, v, shape) => agrees(shape.replace('%k', k).replace('%v', v)),
      ),
      {numRuns: 4000},
    )
  })

  test('agrees with yaml on long lines and long keys, in linear time', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 1000, max: 3000}),
        fc.constantFrom(' ', '\t', 'k', '\u00A0'),
        fc.constantFrom('a: x%y \n', '%: 1\n', '"%": 1\n', 'a: [x%]\n', 'a: x%\n'),
        (n, c, shape) => agrees(shape.replace('%', c.repeat(n))),
      ),
      {numRuns: 60},
    )
    const start = performance.now()
    assert.deepEqual(readPlainYaml(`a: x${' '.repeat(100_000)}y \n`), {a: `x${' '.repeat(100_000)}y`})
    readPlainYaml(`a: x${'\t '.repeat(100_000)}\n`)
    assert.ok(performance.now() - start < 500, `took ${Math.round(performance.now() - start)} ms`)
  })

  test('the adversarial cases: no-break space, trailing Unicode space, a quote followed by one, over-long keys', () => {
    assert.deepEqual(readPlainYaml('port: \u00A08080\n'), {port: '\u00A08080'})
    assert.deepEqual(readPlainYaml('a: true\u2003\n'), {a: 'true\u2003'})
    assert.equal(readPlainYaml('a: "x"\u00A0\n'), undefined)
    assert.equal(readPlainYaml(`${'k'.repeat(1025)}: 1\n`), undefined)
    assert.equal(readPlainYaml('a: 1\u000B\n'), undefined)
    assert.equal(readPlainYaml('a: x\ry\n'), undefined)
  })

  test('refuses what it does not handle', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: |\n  x\n',
      'a: !!str 1\n',
      'a: 1\na: 2\n',
      'a: "x\n  y"\n',
      'a: x\n  y\n',
      '---\na: 1\n---\nb: 2\n',
      'plain scalar\n',
      'a: 0x10\n',
      '<<: {a: 1}\n',
    ]) {
      assert.equal(readPlainYaml(text), undefined, text)
    }
  })
})
