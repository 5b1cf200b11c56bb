import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {LineScanner} from '../../../src/logs/scanner.js'
import {needlesFor, padHexId, parseTraceId, sameTraceId, traceQuery, verifyAt} from '../../../src/logs/trace-id.js'

const ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const HIGH = '4bf92f3577b34da6'
const LOW = 'a3ce929d0e0e4736'
const uuid = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`

function scan(text: string, idText: string): string[] {
  const found: string[] = []
  const s = new LineScanner(traceQuery(idText)!, {onLine: (l) => found.push(l.text)})
  const buf = Buffer.from(text)
  s.scan(buf, buf.length, 0, true)
  return found
}

/** verifyAt on a one-line buffer, at the needle (the id's last 12 digits). */
function verify(line: string, idText: string, needleAt = line.lastIndexOf(ID.slice(-12))): boolean {
  return verifyAt(Buffer.from(line), needleAt, 0, line.length, traceQuery(idText)!)
}

describe('trace ids at the edges of a line and of an id', () => {
  test('a line that starts with the id is found, in every spelling', () => {
    for (const spelled of [uuid(ID), uuid(ID).toUpperCase(), ID, `1-${ID.slice(0, 8)}-${ID.slice(8)}`, LOW]) {
      const line = `${spelled} GET /checkout 200`
      assert.deepEqual(scan(`${line}\n`, ID), [line], spelled)
      assert.deepEqual(scan(`first line\n${line}\nlast\n`, ID), [line], `${spelled} after another line`)
    }
  })

  test('a line that is only the id, and an id at the very end of a line', () => {
    assert.deepEqual(scan(`${uuid(ID)}\n`, ID), [uuid(ID)])
    assert.deepEqual(scan(`req=${uuid(ID)}\n`, ID), [`req=${uuid(ID)}`])
    assert.deepEqual(scan(`x Root=1-${ID.slice(0, 8)}-${ID.slice(8)}`, ID), [
      `x Root=1-${ID.slice(0, 8)}-${ID.slice(8)}`,
    ])
  })

  test('verifyAt: a UUID or X-Ray form needs its whole shape within the line', () => {
    assert.ok(verify(uuid(ID), ID))
    assert.ok(verify(`1-${ID.slice(0, 8)}-${ID.slice(8)}`, ID))
    // The UUID's last group alone (12 digits) is not the id.
    assert.ok(!verify(`id ${ID.slice(-12)}`, ID))
    // A dash missing or a group too short: not a UUID of the id.
    assert.ok(!verify(uuid(ID).replace(/-/, '_'), ID))
    assert.ok(
      !verify(`${ID.slice(1, 8)}-${ID.slice(8, 12)}-${ID.slice(12, 16)}-${ID.slice(16, 20)}-${ID.slice(20)}`, ID),
    )
    for (let dash = 0; dash < 4; dash++) {
      const parts = uuid(ID).split('-')
      const broken = parts.slice(0, dash + 1).join('-') + 'x' + parts.slice(dash + 1).join('-')
      assert.ok(!verify(broken, ID), broken)
    }

    for (const at of [0, 9, 14, 19]) {
      const chars = [...uuid(ID)]
      chars[at] = 'z'
      assert.ok(!verify(chars.join(''), ID), chars.join(''))
    }

    // X-Ray: "1-" then 8 hex digits; another version digit or a short epoch is not.
    assert.ok(!verify(`2-${ID.slice(0, 8)}-${ID.slice(8)}`, ID))
    assert.ok(!verify(`1-${ID.slice(1, 8)}z-${ID.slice(8)}`, ID))
    assert.ok(!verify(`1_${ID.slice(0, 8)}-${ID.slice(8)}`, ID))
    assert.ok(!verify(`1-${ID.slice(0, 8)}_${ID.slice(8)}`, ID))
    // Another line's bytes before lineStart do not complete a shape.
    const two = `${uuid(ID).slice(0, 24)}\n${ID.slice(-12)}`
    assert.ok(!verifyAt(Buffer.from(two), 25, 25, two.length, traceQuery(ID)!))
  })

  test('verifyAt: the hex run decides; 33 digits are not an id', () => {
    // A UUID or X-Ray id that begins before lineStart is not read as one.
    const u = uuid(ID)
    assert.ok(verifyAt(Buffer.from(u), 24, 0, u.length, traceQuery(ID)!))
    assert.ok(!verifyAt(Buffer.from(u), 24, 5, u.length, traceQuery(ID)!))
    const x = `1-${ID.slice(0, 8)}-${ID.slice(8)}`
    assert.ok(verifyAt(Buffer.from(x), 11 + 12, 0, x.length, traceQuery(ID)!))
    assert.ok(!verifyAt(Buffer.from(x), 11 + 12, 3, x.length, traceQuery(ID)!))
    // An X-Ray shape whose epoch is not hex is no X-Ray id: its 24 digits are an id that dropped zeros.
    const epochless = `1-zzzzzzzz-${ID.slice(8)}`
    assert.ok(verify(epochless, `00000000${ID.slice(8)}`))
    // A UUID shape whose groups are not hex is no UUID: its last 12 digits alone are a 64-bit id with
    // its leading zeros dropped.
    const short = `0000${ID.slice(-12)}`
    for (const group of [0, 1, 2, 3]) {
      const parts = uuid(ID).split('-')
      parts[group] = 'z'.repeat(parts[group]!.length)
      assert.ok(verify(parts.join('-'), short), parts.join('-'))
    }

    // Only the bytes within [lineStart, lineEnd) count, whatever lies around them.
    const around = Buffer.from(`ff${ID}ff`)
    assert.ok(verifyAt(around, 2 + 20, 2, 2 + 32, traceQuery(ID)!))
    assert.ok(!verifyAt(around, 2 + 20, 1, 2 + 32, traceQuery(ID)!))
    assert.ok(!verifyAt(around, 2 + 20, 2, 2 + 33, traceQuery(ID)!))
    assert.ok(verify(`id=${ID};`, ID))
    assert.ok(verify(`id=${ID.toUpperCase()}`, ID, 3 + 20))
    assert.ok(!verify(`id=0${ID}`, ID))
    assert.ok(!verify(`id=${ID}0`, ID, 3 + 20))
    assert.ok(verify(`b3=${LOW}`, ID), 'the low 64 bits of the id')
    assert.ok(!verify(`b3=${HIGH}`, ID, 3 + 4), 'the high half is not the id')
  })

  test('low64 is the low half of a 128-bit id; a 64-bit id is its own', () => {
    assert.equal(traceQuery(ID)?.low64, LOW)
    assert.equal(traceQuery(uuid(ID))?.low64, LOW)
    assert.equal(traceQuery(LOW)?.low64, LOW)
    assert.equal(traceQuery('abc:1:0:1')?.low64, '0000000000000abc')
    assert.deepEqual(traceQuery(ID), {
      input: ID,
      spelling: 'hex128',
      hex: ID,
      low64: LOW,
      needles: [Buffer.from(ID.slice(-12), 'latin1'), Buffer.from(ID.slice(-12).toUpperCase(), 'latin1')],
    })
    assert.equal(traceQuery('not an id'), undefined)
  })

  test('a UUID or X-Ray id that shares only the low 64 bits is another id', () => {
    const twin = 'ffffffffffffffff' + LOW
    for (const spelled of [
      uuid(twin),
      `1-${twin.slice(0, 8)}-${twin.slice(8)}`,
      `Root=1-${twin.slice(0, 8)}-${twin.slice(8)}`,
    ]) {
      assert.deepEqual(scan(`x ${spelled} y\n`, ID), [], spelled)
      assert.deepEqual(scan(`${spelled}\n`, ID), [], spelled)
    }

    assert.deepEqual(scan(`x ${uuid(ID)} y\n`, twin), [])
  })

  test('every spelling is read whole: text before or after it makes it no id', () => {
    const whole = [
      `00-${ID}-00f067aa0ba902b7-01`,
      uuid(ID),
      `${LOW}-e457b5a2e4d86bd1`,
      `${ID}:e457b5a2e4d86bd1:0:1`,
      `1-${ID.slice(0, 8)}-${ID.slice(8)}`,
    ]
    for (const w of whole) {
      assert.ok(parseTraceId(w), w)
      for (const bad of [`x${w}`, `${w}x`, `${w}-`, `-${w}`]) assert.equal(parseTraceId(bad), undefined, bad)
    }

    assert.equal(parseTraceId(`${LOW}-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90x`), undefined)
    assert.equal(parseTraceId('12340x5678abcd'), undefined, '0x only as a prefix')
    assert.equal(parseTraceId(`Root=1-${ID.slice(0, 8)}-${ID.slice(8)}x`), undefined)
    assert.equal(parseTraceId(`Root=1-${ID.slice(0, 8)}-${ID.slice(8)};Sampled=1`)?.hex, ID)
    assert.equal(parseTraceId(`Parent=1;Root=1-${ID.slice(0, 8)}-${ID.slice(8)}`)?.hex, ID)
  })

  test('quotes and a pasted key are taken off the ends only', () => {
    assert.equal(parseTraceId(`trace_id: " ${ID} "`)?.hex, ID)
    assert.equal(parseTraceId(`Parent=53995c3f42cd8ad8; Root=1-${ID.slice(0, 8)}-${ID.slice(8)}`)?.hex, ID)
    assert.equal(parseTraceId(`"${ID}"`)?.hex, ID)
    assert.equal(parseTraceId(`'${ID}'`)?.hex, ID)
    assert.equal(parseTraceId(`${ID.slice(0, 16)}"${ID.slice(16)}`), undefined)
    assert.equal(parseTraceId(`"traceId": "${ID}",`)?.hex, ID)
    assert.equal(parseTraceId(`{"traceId":"${ID}"}`), undefined, 'a whole JSON object is not a field')
    assert.equal(parseTraceId(`trace_id=${ID}}`)?.hex, ID)
    assert.equal(parseTraceId(`trace_id=${ID.slice(0, 16)}}${ID.slice(16)}`), undefined)
    // A hex word before ":" is an id (Jaeger), not a key; "root" is X-Ray's.
    assert.equal(parseTraceId(`rooted: ${ID}`)?.hex, ID)
    assert.equal(parseTraceId(`myroot: ${ID}`)?.hex, ID)
    assert.equal(parseTraceId(`abc1: ${ID}`), undefined)
    assert.equal(parseTraceId(`abcx: ${ID}`)?.hex, ID)
  })

  test('sameTraceId: 64 against 128 compares the low half only; equal lengths compare whole', () => {
    assert.ok(sameTraceId(LOW, ID))
    assert.ok(!sameTraceId(HIGH, ID))
    assert.ok(!sameTraceId(HIGH + LOW, LOW + LOW))
    assert.ok(sameTraceId(ID, ID))
  })

  test('needles: the last 12 significant digits, both cases; fewer for a small id', () => {
    assert.deepEqual(needlesFor(ID).map(String), ['929d0e0e4736', '929D0E0E4736'])
    assert.deepEqual(needlesFor('0000000000000abc').map(String), ['abc', 'ABC'])
    assert.deepEqual(needlesFor('0'.repeat(16)).map(String), ['0'])
    assert.deepEqual(needlesFor('00000000000012345').map(String), ['12345'])
  })

  test('padHexId and spelling names', () => {
    assert.equal(padHexId(''), undefined)
    assert.equal(padHexId('f'.repeat(33)), undefined)
    assert.equal(padHexId('f'.repeat(16)), 'f'.repeat(16))
    assert.equal(padHexId('f'.repeat(17)), '0'.repeat(15) + 'f'.repeat(17))
    assert.equal(padHexId('f'.repeat(32)), 'f'.repeat(32))
    assert.deepEqual(parseTraceId(LOW), {hex: LOW, spelling: 'hex64'})
    assert.deepEqual(parseTraceId(ID), {hex: ID, spelling: 'hex128'})
    assert.deepEqual(parseTraceId('0x1234abcd'), {hex: '000000001234abcd', spelling: 'hex (leading zeros dropped)'})
    assert.equal(parseTraceId('1234abc'), undefined, 'seven digits: a typo more likely than an id')
    assert.deepEqual(parseTraceId(`00-${ID}-00f067aa0ba902b7-01`), {hex: ID, spelling: 'w3c-traceparent'})
    assert.deepEqual(parseTraceId(uuid(ID)), {hex: ID, spelling: 'uuid'})
    assert.deepEqual(parseTraceId(`${LOW}-e457b5a2e4d86bd1`), {hex: LOW, spelling: 'b3-single'})
    assert.deepEqual(parseTraceId(`${ID}:1:0:1`), {hex: ID, spelling: 'jaeger'})
    const jaeger = `${ID}:e457b5a2e4d86bd1:53995c3f42cd8ad8:01`
    assert.deepEqual(parseTraceId(jaeger), {hex: ID, spelling: 'jaeger'}, 'a parent span and two flag digits')
    assert.deepEqual(parseTraceId(`Root=1-${ID.slice(0, 8)}-${ID.slice(8)}`), {hex: ID, spelling: 'aws-xray'})
    assert.deepEqual(parseTraceId(`1-${ID.slice(0, 8)}-${ID.slice(8)}`), {hex: ID, spelling: 'aws-xray'})
    assert.deepEqual(parseTraceId(`  '${ID}'  `), {hex: ID, spelling: 'hex128'})
    assert.deepEqual(parseTraceId(`trace_id = "${ID}",`), {hex: ID, spelling: 'hex128'})
    // A leading hex word followed by ':' is a Jaeger id, not a header name.
    assert.deepEqual(parseTraceId('abc:1:0:1'), {hex: '0000000000000abc', spelling: 'jaeger'})
    assert.equal(parseTraceId(`00-${ID}-00f067aa0ba902b7`), undefined)
  })
})
