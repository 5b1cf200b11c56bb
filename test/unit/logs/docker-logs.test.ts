import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {FrameDemuxer, LogStreamError} from '../../../src/logs/docker-logs.js'
import {LIMITS} from '../../../src/net/limits.js'

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

          assert.equal(
            got[1],
            frames
              .filter(([s]) => s === 1)
              .map(([, t]) => t)
              .join(''),
          )
          assert.equal(
            got[2],
            frames
              .filter(([s]) => s === 2)
              .map(([, t]) => t)
              .join(''),
          )
        },
      ),
      {numRuns: 300},
    )
  })

  test('a header announcing 4 GiB ends the stream at once, naming the limit', () => {
    const d = new FrameDemuxer(() => assert.fail('no payload expected'), 'Docker at unix:///x.sock')
    const header = Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
    assert.throws(
      () => d.push(header),
      (e: Error) => e instanceof LogStreamError && /log frame of 4\.0 GiB, over the 1 MiB limit/.test(e.message),
    )
  })

  test('what is not the frame format (a stream past 2, padding not zero) is refused', () => {
    assert.throws(() => new FrameDemuxer(() => undefined).push(Buffer.from('HTTP/1.1 200 OK\r\n')), LogStreamError)
    assert.throws(
      () => new FrameDemuxer(() => undefined).push(Buffer.from([1, 0, 1, 0, 0, 0, 0, 1, 0x41])),
      LogStreamError,
    )
  })

  test('a large frame fed a byte at a time is passed on as it comes, nothing held back (no quadratic copying)', () => {
    let got = 0
    const d = new FrameDemuxer((_s, p) => (got += p.length))
    const size = LIMITS.logFrameBytes
    const header = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])
    header.writeUInt32BE(size, 4)
    const started = performance.now()
    d.push(header)
    const piece = Buffer.alloc(1, 0x41)
    for (let i = 0; i < size; i++) {
      d.push(piece)
      if (i === 1000) assert.equal(got, 1001, 'payload bytes are handed on before the frame is complete')
    }

    assert.equal(got, size)
    assert.ok(performance.now() - started < 5000)
  })

  test('random and mutated bytes: payload out, or a LogStreamError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({maxLength: 500}),
          fc
            .array(fc.tuple(fc.constantFrom<1 | 2>(1, 2), fc.string({maxLength: 40})), {maxLength: 10})
            .chain((frames) => {
              const bytes = Buffer.concat(frames.map(([s, t]) => frame(s, t)))
              return fc.tuple(fc.nat(), fc.integer({min: 0, max: 255})).map(([at, byte]) => {
                const copy = Buffer.from(bytes)
                if (copy.length > 0) copy[at % copy.length] = byte
                return new Uint8Array(copy)
              })
            }),
        ),
        fc.integer({min: 1, max: 50}),
        (bytes, cut) => {
          let out = 0
          const d = new FrameDemuxer((_s, p) => (out += p.length))
          try {
            for (let at = 0; at < bytes.length; at += cut) d.push(Buffer.from(bytes.subarray(at, at + cut)))
          } catch (error) {
            assert.ok(error instanceof LogStreamError, String(error))
          }

          assert.ok(out <= bytes.length)
        },
      ),
      {numRuns: 1000},
    )
  })
})
