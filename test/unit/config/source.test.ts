import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {canonicalDuration} from '../../../src/config/duration-spelling.js'
import {applyFixes} from '../../../src/config/fix.js'
import {lintConfigDocument} from '../../../src/config/index.js'
import {parseConfigSource} from '../../../src/config/source.js'
import {InputError} from '../../../src/core/errors.js'

const json = (text: string) => parseConfigSource({path: 'c.json', text, hadBom: false})

describe('JSON source', () => {
  test('values equal JSON.parse for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : 0)
        assert.deepEqual(json(text).value, JSON.parse(text))
      }),
      {numRuns: 300},
    )
  })
  test('duplicate keys and syntax errors are InputErrors with line:col', () => {
    assert.throws(
      () => json('{\n  "a": 1,\n  "a": 2\n}'),
      (e: unknown) => e instanceof InputError && e.where === 'c.json:3:3' && /duplicate key/.test(e.message),
    )
    assert.throws(
      () => json('{\n  "a": 1,\n}'),
      (e: unknown) => e instanceof InputError && e.where === 'c.json:3:1',
    )
    assert.throws(
      () => json('{"a": tru}'),
      (e: unknown) => e instanceof InputError && e.where === 'c.json:1:7',
    )
  })
  test('ranges point at keys and values', () => {
    const s = json('{"routes": [{"match": {"path": "/x"}}]}')
    const key = s.range(['routes', 0, 'match', 'path'], 'key')!
    const value = s.range(['routes', 0, 'match', 'path'], 'value')!
    assert.equal(s.text.slice(key.start, key.end), '"path"')
    assert.equal(s.text.slice(value.start, value.end), '"/x"')
  })
})

describe('--fix edits', () => {
  test('keep comments, layout and quoting', () => {
    const text =
      '# gateway\ndiscovery:   # from the blog\n  fallback_timeout: "5 seconds"  # keep me\n  resync: 30 sec\n'
    let r = lintConfigDocument({path: 'g.yaml', text, hadBom: false}, {vars: {}})
    let out = applyFixes(text, r.fixes).text
    r = lintConfigDocument({path: 'g.yaml', text: out, hadBom: false}, {vars: {}})
    out = applyFixes(out, r.fixes).text
    assert.equal(out, '# gateway\ndiscovery:   # from the blog\n  fallbackTimeout: "5s"  # keep me\n  resync: 30s\n')
  })
  test('a rename is not applied when the camelCase key is already set', () => {
    const r = lintConfigDocument(
      {path: 'g.yaml', text: 'healthCheck: {}\nhealth_check: {}\n', hadBom: false},
      {vars: {}},
    )
    assert.equal(r.fixes.length, 0)
    assert.match(r.findings[0]!.hint!, /also set/)
  })
  test('duration spellings', () => {
    assert.equal(canonicalDuration('5 seconds'), '5s')
    assert.equal(canonicalDuration('500 ms'), '500ms')
    assert.equal(canonicalDuration('1 min 30 sec'), '1m30s')
    assert.equal(canonicalDuration('2 Hours'), '2h')
    assert.equal(canonicalDuration('5S'), '5s')
    assert.equal(canonicalDuration('30'), undefined)
    assert.equal(canonicalDuration('5s'), undefined)
    assert.equal(canonicalDuration('1 fortnight'), undefined)
  })
})

describe('format detection', () => {
  test('a YAML flow mapping in a .yaml file is YAML, JSON in a .yaml file is JSON', () => {
    assert.equal(parseConfigSource({path: 'g.yaml', text: '{version: 1, routes: []}\n', hadBom: false}).format, 'yaml')
    assert.equal(parseConfigSource({path: 'g.yaml', text: '{"version": 1}\n', hadBom: false}).format, 'json')
    assert.throws(() => parseConfigSource({path: 'g.json', text: '{version: 1}\n', hadBom: false}), InputError)
  })
})
