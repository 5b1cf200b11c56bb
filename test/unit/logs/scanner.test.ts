import fc from 'fast-check'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {after, describe, test} from 'node:test'
import {gzipSync} from 'node:zlib'

import {scanGzipFile, scanPlainFile, scanStream} from '../../../src/logs/file-scan.js'
import {LineScanner, ScannedLine, StreamScanner} from '../../../src/logs/scanner.js'
import {traceQuery} from '../../../src/logs/trace-id.js'
import {wasmFinder} from '../../../src/logs/wasm-find.js'

const ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const Q = traceQuery(ID)!
const dir = mkdtempSync(join(tmpdir(), 'mcp-scan-'))
after(() => rmSync(dir, {recursive: true, force: true}))

/** Reference: split into lines and test each one naively. */
function reference(text: string, context: number): {offset: number; match: boolean}[] {
  const lines: {offset: number; text: string}[] = []
  let at = 0
  for (const l of text.split('\n')) {
    lines.push({offset: at, text: l})
    at += Buffer.byteLength(l) + 1
  }

  if (text.endsWith('\n')) lines.pop()
  const isMatch = lines.map((l) => l.text.toLowerCase().includes(ID) && !/[0-9a-f]4bf92f|4736[0-9a-f]/i.test(l.text))
  const keep = new Map<number, boolean>()
  isMatch.forEach((m, i) => {
    if (!m) return
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++)
      if (!keep.has(j) || isMatch[j]) keep.set(j, isMatch[j]!)
  })
  return [...keep.entries()].sort((a, b) => a[0] - b[0]).map(([i, m]) => ({offset: lines[i]!.offset, match: m}))
}

function viaStream(text: string, chunks: number[], context: number): ScannedLine[] {
  const out: ScannedLine[] = []
  const feed = new StreamScanner(new LineScanner(Q, {context, onLine: (l) => out.push(l)}), {initialSize: 64})
  const bytes = Buffer.from(text)
  let at = 0
  let k = 0
  while (at < bytes.length) {
    const n = Math.max(1, chunks[k++ % chunks.length]!)
    feed.push(bytes.subarray(at, at + n))
    at += n
  }

  feed.end()
  return out
}

describe('LineScanner', () => {
  test('finds the same lines, with context, whatever the chunking', () => {
    const lineArb = fc.oneof(
      fc.constant(`id=${ID} here`),
      fc.constant(`x ${ID.toUpperCase()}`),
      fc.constant(`near miss ${ID}0`),
      fc.string({maxLength: 30}).map((s) => s.replaceAll('\n', ' ')),
    )
    fc.assert(
      fc.property(
        fc.array(lineArb, {maxLength: 40}),
        fc.array(fc.integer({min: 1, max: 50}), {minLength: 1, maxLength: 5}),
        fc.nat(2),
        fc.boolean(),
        (lines, chunks, context, trailingNl) => {
          const text = lines.join('\n') + (trailingNl ? '\n' : '')
          const got = viaStream(text, chunks, context).map((l) => ({offset: l.offset, match: l.match}))
          assert.deepEqual(got, reference(text, context))
        },
      ),
      {numRuns: 400},
    )
  })

  test('plain files (wasm finder, tiny buffer) agree with the reference, with context and ranges', () => {
    const path = join(dir, 'prop.log')
    const lineArb = fc.oneof(
      fc.constant(`id=${ID} here`),
      fc.constant(`x ${ID.toUpperCase()}`),
      fc.constant(`near miss ${ID}0`),
      fc.string({maxLength: 30}).map((s) => s.replaceAll(/[\n\0]/g, ' ')),
    )
    fc.assert(
      fc.property(
        fc.array(lineArb, {maxLength: 40}),
        fc.integer({min: 64, max: 300}),
        fc.nat(2),
        fc.nat(3),
        (lines, bufferBytes, context, parts) => {
          const text = lines.join('\n') + '\n'
          writeFileSync(path, text)
          const size = Buffer.byteLength(text)
          const expected = reference(text, context)
          const whole = scanPlainFile(path, Q, {context, bufferBytes})
          assert.deepEqual(
            whole.lines.map((l) => ({offset: l.offset, match: l.match})),
            expected,
          )
          if (context === 0 && parts > 0) {
            const step = Math.ceil(size / (parts + 1))
            const got: number[] = []
            for (let s = 0; s < size; s += step)
              got.push(
                ...scanPlainFile(path, Q, {bufferBytes, range: {start: s, end: Math.min(size, s + step)}}).lines.map(
                  (l) => l.offset,
                ),
              )
            assert.deepEqual(
              got,
              expected.map((e) => e.offset),
            )
          }
        },
      ),
      {numRuns: 300},
    )
  })

  test('a 10 MB line with the id at its end is found and its text capped', () => {
    const big = 'a'.repeat(10 * 1024 * 1024) + ` ${ID}`
    const path = join(dir, 'long.log')
    writeFileSync(path, `first\n${big}\nlast ${ID}\n`)
    const r = scanPlainFile(path, Q)
    assert.equal(r.matches, 2)
    assert.equal(r.lines[0]!.offset, 6)
    assert.match(r.lines[0]!.text, /more bytes\]$/)
    assert.equal(r.lines[1]!.text, `last ${ID}`)
  })

  test('binary files are reported, not searched', () => {
    const path = join(dir, 'bin.log')
    writeFileSync(path, Buffer.concat([Buffer.from('abc\0def\n'), Buffer.from(`${ID}\n`)]))
    const r = scanPlainFile(path, Q)
    assert.equal(r.binaryAt, 3)
    assert.equal(r.matches, 0)
  })

  test('invalid UTF-8 is still searched as bytes', () => {
    const path = join(dir, 'latin1.log')
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe, 0x41, 0x20]), Buffer.from(`${ID}\n`)]))
    const r = scanPlainFile(path, Q)
    assert.equal(r.matches, 1)
  })

  test('ranges of one file together find what the whole file finds', () => {
    const path = join(dir, 'ranges.log')
    const lines = Array.from({length: 5000}, (_, i) =>
      i % 97 === 0 ? `line ${i} trace ${ID}` : `line ${i} ${'x'.repeat(i % 50)}`,
    )
    writeFileSync(path, lines.join('\n') + '\n')
    const whole = scanPlainFile(path, Q).lines.map((l) => l.offset)
    const size = Buffer.byteLength(lines.join('\n') + '\n')
    for (const parts of [2, 3, 7]) {
      const step = Math.ceil(size / parts)
      const got: number[] = []
      for (let s = 0; s < size; s += step)
        got.push(
          ...scanPlainFile(path, Q, {range: {start: s, end: Math.min(size, s + step)}}).lines.map((l) => l.offset),
        )
      assert.deepEqual(got, whole, `${parts} parts`)
    }
  })

  test('gzip, concatenated members, and a truncated gzip keeps what it found', async () => {
    const text = `a\nb ${ID}\nc\n`
    const path = join(dir, 'x.log.gz')
    writeFileSync(path, Buffer.concat([gzipSync(text), gzipSync(`d ${ID}\n`)]))
    const r = await scanGzipFile(path, Q)
    assert.equal(r.matches, 2)
    assert.equal(r.error, undefined)

    const many = Array.from({length: 20_000}, (_, i) => (i === 10 ? `hit ${ID}` : `line ${i} ${Math.random()}`)).join(
      '\n',
    )
    const gz = gzipSync(many)
    const cut = join(dir, 'cut.log.gz')
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)))
    const t = await scanGzipFile(cut, Q)
    assert.equal(t.matches, 1)
    assert.equal(t.error?.message, 'truncated gzip data')
    assert.ok((t.error?.compressedOffset ?? 0) > 0)
  })

  test('stdin-like streams', async () => {
    const r = await scanStream(
      Readable.from([Buffer.from(`x\n${ID.slice(0, 10)}`), Buffer.from(`${ID.slice(10)} y\n`)]),
      Q,
    )
    assert.equal(r.matches, 1)
  })
})

describe('wasm finder', () => {
  test('agrees with a case-insensitive indexOf', () => {
    const w = wasmFinder(1 << 20)
    assert.ok(w, 'WebAssembly SIMD is available in Node 20')
    const needle = Buffer.from('29d0e0e4736')
    w.setNeedle(needle)
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constant('29d0e0e4736'),
            fc.constant('29D0E0E4736'),
            fc.constant('29d0e0e473'),
            fc.string({maxLength: 40}),
          ),
          {maxLength: 60},
        ),
        (parts) => {
          const text = parts.join('')
          const buf = w.buffer(text.length + 64)
          const n = buf.write(text, 0, 'latin1')
          const expected: number[] = []
          const lower = text.toLowerCase()
          for (let p = lower.indexOf('29d0e0e4736'); p !== -1; p = lower.indexOf('29d0e0e4736', p + 1)) expected.push(p)
          const got: number[] = []
          for (let p = w.find(buf, 0, n); p !== -1; p = w.find(buf, p + 1, n)) got.push(p)
          // |0x20 folding may add candidates of non-letters; every expected hit must be there.
          for (const e of expected) assert.ok(got.includes(e), `missing ${e} in ${JSON.stringify(text)}`)
          for (const g of got)
            assert.equal(
              Buffer.from(Buffer.from(text.slice(g, g + 11), 'latin1').map((c) => c | 0x20)).toString('latin1'),
              '29d0e0e4736',
            )
        },
      ),
      {numRuns: 300},
    )
  })
})
