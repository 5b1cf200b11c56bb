import {describe, test} from 'node:test'
import assert from 'node:assert/strict'

import fc from 'fast-check'

import {FrameDemuxer} from '../../../src/logs/docker-logs.js'

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text)
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

describe('FrameDemuxer (Docker multiplexed log stream)', () => {
  test('splits frames however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<1 | 2>(1, 2), fc.string({maxLength: 40})), {maxLength: 20}),
        fc.array(fc.integer({min: 1, max: 30}), {minLength: 1, maxLength: 6}),
        (frames, cuts) => {
          const bytes = Buffer.concat(frames.map(([s, t]) => frame(s, t)))
          const got: {1: string; 2: string} = {1: '', 2: ''}
          const d = new FrameDemuxer((s, p) => (got[s] += p.toString()))
          let at = 0
          let k = 0
          while (at < bytes.length) {
            const n = cuts[k++ % cuts.length]!
            d.push(bytes.subarray(at, at + n))
            at += n
          }
          assert.equal(got[1], frames.filter(([s]) => s === 1).map(([, t]) => t).join(''))
          assert.equal(got[2], frames.filter(([s]) => s === 2).map(([, t]) => t).join(''))
        },
      ),
      {numRuns: 300},
    )
  })
})
