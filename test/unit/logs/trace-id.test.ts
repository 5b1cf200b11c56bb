import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {LineScanner} from '../../../src/logs/scanner.js'
import {parseTraceId, sameTraceId, traceQuery} from '../../../src/logs/trace-id.js'

const ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const LOW = 'a3ce929d0e0e4736'
const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`

/** Every spelling of one 128-bit id as it appears in headers and log fields. */
function spellings(h: string): Record<string, string> {
  return {
    hex128: h,
    upper: h.toUpperCase(),
    traceparent: `00-${h}-00f067aa0ba902b7-01`,
    b3TraceId64: h.slice(16),
    b3TraceId128: h,
    b3Single: `${h}-e457b5a2e4d86bd1-1`,
    b3Single64: `${h.slice(16)}-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90`,
    jaeger: `${h}:e457b5a2e4d86bd1:0:1`,
    jaegerEncoded: `${h}%3Ae457b5a2e4d86bd1%3A0%3A1`,
    xray: `Root=1-${h.slice(0, 8)}-${h.slice(8)};Parent=53995c3f42cd8ad8;Sampled=1`,
    uuid: uuid(h),
    uuidUpper: uuid(h).toUpperCase(),
    otelJson: h,
    nginx: h,
  }
}

/** The same spelling inside each log format. */
function inFormats(spelled: string): string[] {
  return [
    `{"time":"2026-11-21T10:00:00.123Z","level":"info","trace_id":"${spelled}","msg":"x"}`,
    `{"timestamp":1763719200123,"traceId":"${spelled}","message":"y"}`,
    `127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl" rt=0.012 request_id=${spelled}`,
    `[2026-11-21T10:00:00.310Z] "GET /a HTTP/1.1" 200 - 0 15 3 2 "-" "curl" "${spelled}" "orders" "127.0.0.1:8080"`,
    `2026-11-21T10:00:00.123456789Z level=info msg="call" traceparent=${spelled}`,
    `Nov 21 10:00:00 host app[12]: X-B3-TraceId: ${spelled} done`,
  ]
}

function scanText(text: string, idText: string): string[] {
  const q = traceQuery(idText)!
  const found: string[] = []
  const s = new LineScanner(q, {onLine: (l) => found.push(l.text)})
  const buf = Buffer.from(text)
  s.scan(buf, buf.length, 0, true)
  return found
}

describe('parseTraceId', () => {
  test('reads every spelling to the same hex', () => {
    for (const [name, spelled] of Object.entries(spellings(ID))) {
      const p = parseTraceId(spelled)
      assert.ok(p, name)
      const expected = name.includes('64') && !name.includes('128') ? LOW : ID
      assert.equal(p.hex, expected, name)
    }
  })

  test('accepts pasted headers and fields', () => {
    assert.equal(parseTraceId(`traceparent: 00-${ID}-00f067aa0ba902b7-01`)?.hex, ID)
    assert.equal(parseTraceId(`X-Amzn-Trace-Id: Root=1-${ID.slice(0, 8)}-${ID.slice(8)}`)?.hex, ID)
    assert.equal(parseTraceId(`"traceId":"${ID}"`)?.hex, ID)
    assert.equal(parseTraceId(`uber-trace-id: ${ID}:1:0:1`)?.hex, ID)
    assert.equal(parseTraceId(`X-B3-TraceId=${LOW}`)?.hex, LOW)
    assert.equal(parseTraceId(`x-request-id: ${uuid(ID)}`)?.hex, ID)
  })

  test('pads Jaeger ids that dropped leading zeros', () => {
    assert.equal(parseTraceId('abc:1:0:1')?.hex, '0000000000000abc')
    assert.equal(parseTraceId('f' + '0'.repeat(16))?.hex, '000000000000000f' + '0'.repeat(16))
  })

  test('rejects what is not an id', () => {
    for (const bad of ['', 'hello', 'x'.repeat(32), '0'.repeat(33), '12345678-1234'])
      assert.equal(parseTraceId(bad), undefined, bad)
  })

  test('64-bit ids match the low half of 128-bit ones', () => {
    assert.ok(sameTraceId(ID, LOW))
    assert.ok(sameTraceId(LOW, ID))
    assert.ok(!sameTraceId(ID, '0'.repeat(16)))
  })
})

describe('every spelling in every log format', () => {
  const all = spellings(ID)
  for (const [queryName, query] of Object.entries(all)) {
    test(`query as ${queryName}`, () => {
      for (const [lineName, spelled] of Object.entries(all)) {
        for (const line of inFormats(spelled)) {
          assert.deepEqual(scanText(line + '\n', query), [line], `${queryName} should find ${lineName} in: ${line}`)
        }
      }
    })
  }

  test('a different id in the same places is not found', () => {
    const other = '4bf92f3577b34da6a3ce929d0e0e4737'
    for (const spelled of Object.values(spellings(other))) {
      for (const line of inFormats(spelled)) assert.deepEqual(scanText(line, ID), [], line)
    }
  })

  test('the id inside a longer hex string is not a match', () => {
    assert.deepEqual(scanText(`sha=${ID}${ID}\n`, ID), [])
    assert.deepEqual(scanText(`x=ff${ID}\n`, ID), [])
  })
})

describe('property: spellings round-trip', () => {
  test('any 128-bit id is found from any spelling in any format', () => {
    const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/).filter((h) => !h.startsWith('0'))
    fc.assert(
      fc.property(hex32, fc.nat(13), fc.nat(13), fc.nat(5), (h, qi, li, fi) => {
        const sp = Object.values(spellings(h))
        const line = inFormats(sp[li]!)[fi]!
        assert.deepEqual(scanText(`noise\n${line}\nnoise\n`, sp[qi]!), [line])
      }),
      {numRuns: 300},
    )
  })
})
