#!/usr/bin/env node
import {randomBytes} from 'node:crypto'
// Writes a mixed JSON / nginx-style log of about SIZE bytes to OUT, with the trace id ID in about one
// line per 100,000, cycling through every spelling mcp trace understands. Prints the number of lines
// that carry the id as plain 32-hex (what `rg ID` must find) and the total number of id lines.
// usage: node gen-trace-logs.mjs OUT SIZE_BYTES ID
import {closeSync, openSync, writeSync} from 'node:fs'

const [out, sizeArg, id] = process.argv.slice(2)
const size = Number(sizeArg)
if (!out || !size || !/^[0-9a-f]{32}$/.test(id ?? '')) {
  console.error('usage: gen-trace-logs.mjs OUT SIZE_BYTES ID(32 lowercase hex)')
  process.exit(2)
}

let seed = 0x9e_37_79_b9
function rnd() {
  seed ^= seed << 13
  seed >>>= 0
  seed ^= seed >>> 17
  seed ^= seed << 5
  seed >>>= 0
  return seed
}

// Random hex from a pool refilled natively (string building per digit made generation the bottleneck).
let pool = ''
let at = 0
function hex(n) {
  if (at + n > pool.length) {
    pool = randomBytes(1 << 20).toString('hex')
    at = 0
  }

  at += n
  return pool.slice(at - n, at)
}

const uuid = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
const spellings = [
  (h) => h, // OTel / nginx $request_id / B3 128
  (h) => `00-${h}-${hex(16)}-01`, // W3C traceparent
  (h) => h.slice(16), // B3 / Jaeger 64-bit (low half)
  (h) => `Root=1-${h.slice(0, 8)}-${h.slice(8)};Parent=${hex(16)};Sampled=1`, // X-Ray
  (h) => uuid(h), // Envoy x-request-id
  (h) => `${h.toUpperCase()}`, // uppercase
  (h) => `${h.slice(16)}-${hex(16)}-1`, // b3 single header, 64-bit
]
const paths = ['/api/orders', '/api/users/42', '/health', '/api/cart/items', '/static/app.js']
const methods = ['GET', 'POST', 'PUT', 'DELETE']
let t = Date.UTC(2026, 10, 21, 10, 0, 0)
function line(idText) {
  t += rnd() % 20
  const iso = new Date(t).toISOString()
  const tid = idText ?? hex(32)
  if (rnd() & 1) {
    return `{"time":"${iso}","level":"info","service":"orders","trace_id":"${tid}","span_id":"${hex(16)}","msg":"handled request","method":"${methods[rnd() & 3]}","path":"${paths[rnd() % 5]}","status":200,"duration_ms":${rnd() % 500}}\n`
  }

  const d = new Date(t)
  const clf = `${String(d.getUTCDate()).padStart(2, '0')}/${'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ')[d.getUTCMonth()]}/${d.getUTCFullYear()}:${iso.slice(11, 19)} +0000`
  return `127.0.0.1 - - [${clf}] "${methods[rnd() & 3]} ${paths[rnd() % 5]} HTTP/1.1" 200 ${rnd() % 9000} "-" "curl/8.5" rt=0.${String(rnd() % 1000).padStart(3, '0')} request_id=${tid}\n`
}

const fd = openSync(out, 'w')
let written = 0
let lines = 0
let plain = 0
let total = 0
let chunk = ''
while (written < size) {
  let text
  if (lines % 100_000 === 99_999) {
    const k = total % spellings.length
    text = line(spellings[k](id))
    total++
    if (k === 0 || k === 1) plain++ // both contain the id as 32 lowercase hex
  } else text = line()
  chunk += text
  lines++
  if (chunk.length > 4 << 20) {
    written += writeSync(fd, chunk)
    chunk = ''
  }
}

if (chunk) written += writeSync(fd, chunk)
closeSync(fd)
console.log(JSON.stringify({bytes: written, lines, plainMatches: plain, idLines: total}))
