import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {jsonPieces} from '../../../src/core/json-pieces.js'

const joined = (value: unknown, levels: number) => {
  let text = ''
  jsonPieces(value, levels, (piece) => (text += piece))
  return text
}

describe('jsonPieces', () => {
  test('the pieces join to JSON.stringify, at every depth', () => {
    // JSON values, and members JSON.stringify leaves out (undefined, functions, symbols) or writes
    // as null in arrays; a Date (toJSON) and a boxed string stay JSON.stringify's to render.
    const odd = fc.constantFrom(
      undefined,
      () => 1,
      Symbol('s'),
      new Date(0),
      new Object('boxed'),
      Object.create(null),
      -0,
      Number.NaN,
      Infinity,
    )
    const value = fc.letrec((tie) => ({
      any: fc.oneof({depthSize: 'small'}, fc.jsonValue(), odd, tie('array'), tie('object')),
      array: fc.array(tie('any'), {maxLength: 5}),
      object: fc.dictionary(fc.string({maxLength: 6}), tie('any'), {maxKeys: 5}),
    })).any
    fc.assert(
      fc.property(value, fc.integer({min: 0, max: 4}), (v, levels) => {
        assert.equal(joined(v, levels), JSON.stringify(v) ?? 'null')
      }),
      {numRuns: 2000},
    )
  })

  test('a discover-shaped document comes out in one piece per service', () => {
    const view = {
      services: [
        {name: 'a', instances: [{id: 'a-1'}]},
        {name: 'b', instances: []},
      ],
      sources: [{name: 'etcd', ok: true}],
      takenAt: '2026-12-04T00:00:00.000Z',
    }
    const pieces: string[] = []
    jsonPieces(view, 2, (piece) => pieces.push(piece))
    assert.ok(pieces.includes(JSON.stringify(view.services[0])))
    assert.equal(pieces.join(''), JSON.stringify(view))
  })
})
