/**
 * The three unary etcd v3 calls discover and doctor make (KV.Range, Lease.LeaseTimeToLive,
 * Auth.Authenticate), spoken as gRPC over HTTP/2 (src/registry/h2c.ts; node:http2 for TLS) with the
 * few protobuf fields they use.
 *
 * Why not etcd3 here: loading it (gRPC-js + protobufjs parsing .proto files) costs ~200 ms, more
 * than the whole read; and etcd's JSON gateway, which needs no library, takes ~200 ms to turn 10,000
 * keys into JSON where gRPC answers in ~40 ms. The messages are etcd's documented, stable API
 * (api/etcdserverpb/rpc.proto, mvccpb/kv.proto); field numbers are given next to each use.
 * Watches keep using etcd3, which reconnects and resumes by itself.
 */
import {createRequire} from 'node:module'
import type * as Http2 from 'node:http2'

import {H2cConnection, UnaryResponse} from './h2c.js'

export interface EtcdKeyValue {
  key: string
  value: string
  createRevision: string
  modRevision: string
  /** "0" when the key has no lease. */
  lease: string
}

export interface EtcdTls {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
}

/** A failed call: gRPC's status code and message, or a socket error's code (ECONNREFUSED…). */
export class EtcdCallError extends Error {
  constructor(
    message: string,
    readonly grpcStatus?: number,
    readonly code?: string,
  ) {
    super(message)
  }
}

// gRPC status codes that mean "these credentials will not do" on every member alike.
const GRPC_UNAUTHENTICATED = 16
const GRPC_PERMISSION_DENIED = 7
const GRPC_INVALID_ARGUMENT = 3

export function isAuthFailure(error: unknown): boolean {
  if (!(error instanceof EtcdCallError)) return false
  if (error.grpcStatus === GRPC_UNAUTHENTICATED || error.grpcStatus === GRPC_PERMISSION_DENIED) return true
  // etcd answers a wrong password with INVALID_ARGUMENT "authentication failed, invalid user ID or password".
  return error.grpcStatus === GRPC_INVALID_ARGUMENT && /auth|password|permission/i.test(error.message)
}

// --- protobuf, the little of it these messages need --------------------------------------------

function varint(value: bigint | number): number[] {
  let n = BigInt(value)
  if (n < 0n) n += 1n << 64n // int64 on the wire is two's complement in 10 bytes
  const out: number[] = []
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80)
    n >>= 7n
  }
  out.push(Number(n))
  return out
}

function bytesField(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), bytes])
}

function varintField(field: number, value: bigint | number): Buffer {
  return Buffer.from([(field << 3) | 0, ...varint(value)])
}

/** Decimal text of large varints already seen, by their high bits then their low 49 bits. */
const bigVarints = new Map<number, Map<number, string>>()

/**
 * Buffer's own UTF-8 slice, called directly: 20,000 key and value fields for 10,000 keys, and
 * toString's argument checks around each call cost more than the decoding (run cold, as a CLI is).
 */
const utf8Slice: (this: Buffer, start: number, end: number) => string =
  (Buffer.prototype as unknown as {utf8Slice?: (this: Buffer, start: number, end: number) => string}).utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('utf8', start, end)
  }

/** Reads one message's fields in order; callers switch on the field number. */
class ProtoReader {
  pos: number
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  /** A varint as a number: exact below 2^53 (lengths, tags, TTLs). */
  uint(): number {
    let result = 0
    let scale = 1
    for (;;) {
      if (this.pos >= this.end) throw new EtcdCallError('etcd sent a truncated message')
      const b = this.buf[this.pos++]!
      result += (b & 0x7f) * scale
      if (b < 0x80) return result
      scale *= 128
    }
  }

  /**
   * A varint as a decimal string of a signed int64 (revisions and lease IDs pass 2^53). Lease IDs
   * are large and few, shared by thousands of keys: each distinct one is converted once.
   */
  int64(): string {
    const start = this.pos
    const small = this.uint()
    if (this.pos - start <= 7) return String(small) // < 2^49: exact as a number
    if (this.pos - start > 10) throw new EtcdCallError('etcd sent a malformed varint')
    // The low 49 bits and the rest, each exact as a number, key the cache: no string per key.
    let low = 0
    let high = 0
    for (let i = start + 6, scale = 2 ** 42; i >= start; i--, scale /= 128) low += (this.buf[i]! & 0x7f) * scale
    for (let i = this.pos - 1; i >= start + 7; i--) high = high * 128 + (this.buf[i]! & 0x7f)
    let byLow = bigVarints.get(high)
    if (byLow === undefined) bigVarints.set(high, (byLow = new Map()))
    let text = byLow.get(low)
    if (text === undefined) {
      let result = 0n
      for (let i = this.pos - 1; i >= start; i--) result = (result << 7n) | BigInt(this.buf[i]! & 0x7f)
      text = BigInt.asIntN(64, result).toString()
      byLow.set(low, text)
    }
    return text
  }

  /** A small int64 as a number (TTLs, which may be -1). */
  smallInt(): number {
    const start = this.pos
    const n = this.uint()
    if (n < 2 ** 53) return n
    this.pos = start
    return Number(this.int64())
  }

  /** A length-delimited field as UTF-8 text, without a Buffer view in between. */
  text(): string {
    const length = this.uint()
    const start = this.pos
    this.pos += length
    if (this.pos > this.end) throw new EtcdCallError('etcd sent a truncated message')
    return utf8Slice.call(this.buf, start, this.pos)
  }

  /** The bounds of an embedded message, and the reader moved past it. */
  sub(): ProtoReader {
    const length = this.uint()
    const start = this.pos
    this.pos += length
    if (this.pos > this.end) throw new EtcdCallError('etcd sent a truncated message')
    return new ProtoReader(this.buf, start, this.pos)
  }

  skip(wireType: number): void {
    if (wireType === 0) {
      this.uint()
    } else if (wireType === 2) {
      const length = this.uint() // read first: `pos += uint()` would add to the old pos
      this.pos += length
    } else if (wireType === 1) this.pos += 8
    else if (wireType === 5) this.pos += 4
    else throw new EtcdCallError(`etcd sent an unknown protobuf wire type ${wireType}`)
  }
}

/** ResponseHeader.revision (field 3) from a response's header (field 1 of every response). */
function headerRevision(reader: ProtoReader): string {
  let revision = '0'
  while (!reader.done) {
    const tag = reader.uint()
    if (tag >>> 3 === 3 && (tag & 7) === 0) revision = reader.int64()
    else reader.skip(tag & 7)
  }
  return revision
}

/** The decimal text of the signed int64 varint in buf[start, end) (past 2^49: through the cache). */
function int64Text(buf: Buffer, start: number, end: number): string {
  return new ProtoReader(buf, start, end).int64()
}

function sameBytes(buf: Buffer, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (buf[a + i] !== buf[b + i]) return false
  return true
}

/** What a caller makes of each key-value as it is decoded. */
export type KeyValueMaker<T> = (key: string, value: string, createRevision: string, modRevision: string, lease: string) => T

const keyValue: KeyValueMaker<EtcdKeyValue> = (key, value, createRevision, modRevision, lease) => ({key, value, createRevision, modRevision, lease})

/**
 * RangeResponse: header 1, kvs 2 (mvccpb.KeyValue: key 1, create_revision 2, mod_revision 3,
 * version 4, value 5, lease 6). The key-value loop runs once per key (10,000 for a large registry)
 * and cold, as a CLI runs: its varints are read inline rather than through ProtoReader's methods
 * (a call each costs more than the byte it reads before V8 has compiled the loop), and a lease
 * written by the same bytes as the key before's is the same text. Each key-value goes to `make` as
 * it is read: a caller that builds records of its own builds no EtcdKeyValue in between.
 */
export function decodeRangeResponse(buf: Buffer): {revision: string; kvs: EtcdKeyValue[]}
export function decodeRangeResponse<T>(buf: Buffer, make: KeyValueMaker<T>): {revision: string; kvs: T[]}
export function decodeRangeResponse<T>(buf: Buffer, make: KeyValueMaker<T> = keyValue as KeyValueMaker<T>): {revision: string; kvs: T[]} {
  const reader = new ProtoReader(buf)
  let revision = '0'
  const kvs: T[] = []
  const end = buf.length
  let lastLease = '0'
  let lastLeaseAt = -1
  let lastLeaseLength = 0
  while (!reader.done) {
    const tag = reader.uint()
    if (tag === ((1 << 3) | 2)) {
      revision = headerRevision(reader.sub())
      continue
    }
    if (tag !== ((2 << 3) | 2)) {
      reader.skip(tag & 7)
      continue
    }
    let pos = reader.pos
    let b = buf[pos++]!
    let length = b & 0x7f
    for (let scale = 128; b >= 0x80; scale *= 128) length += ((b = buf[pos++]!) & 0x7f) * scale
    const kvEnd = pos + length
    if (kvEnd > end) throw new EtcdCallError('etcd sent a truncated message')
    let key = ''
    let value = ''
    let createRevision = '0'
    let modRevision = '0'
    let lease = '0'
    while (pos < kvEnd) {
      const t = buf[pos++]!
      const wireType = t & 7
      if (t >= 0x80 || (wireType !== 0 && wireType !== 2)) {
        // A field this decoder does not read (a tag of two bytes is a field number past 15).
        const other = new ProtoReader(buf, pos - 1, kvEnd)
        other.skip(other.uint() & 7)
        pos = other.pos
        continue
      }
      const fieldStart = pos
      // A varint, or the length of the bytes that follow; a byte past the end reads as 0.
      b = buf[pos++]!
      let n = b & 0x7f
      for (let scale = 128; b >= 0x80; scale *= 128) n += ((b = buf[pos++]!) & 0x7f) * scale
      if (wireType === 2) {
        const from = pos
        pos += n
        if (pos > kvEnd) throw new EtcdCallError('etcd sent a truncated message')
        if (t === ((1 << 3) | 2)) key = utf8Slice.call(buf, from, pos)
        else if (t === ((5 << 3) | 2)) value = utf8Slice.call(buf, from, pos)
        continue
      }
      if (pos > kvEnd) throw new EtcdCallError('etcd sent a truncated message')
      const size = pos - fieldStart
      if (t === ((6 << 3) | 0)) {
        if (size <= 7) lease = String(n)
        else if (size === lastLeaseLength && sameBytes(buf, lastLeaseAt, fieldStart, size)) lease = lastLease
        else {
          lease = lastLease = int64Text(buf, fieldStart, pos)
          lastLeaseAt = fieldStart
          lastLeaseLength = size
        }
      } else if (t === ((2 << 3) | 0)) createRevision = size <= 7 ? String(n) : int64Text(buf, fieldStart, pos)
      else if (t === ((3 << 3) | 0)) modRevision = size <= 7 ? String(n) : int64Text(buf, fieldStart, pos)
    }
    if (pos !== kvEnd) throw new EtcdCallError('etcd sent a malformed key-value')
    kvs.push(make(key, value, createRevision, modRevision, lease))
    reader.pos = kvEnd
  }
  return {revision, kvs}
}

export function decodeLeaseTimeToLive(buf: Buffer): {ttl: number; grantedTtl: number} {
  // LeaseTimeToLiveResponse: header 1, ID 2, TTL 3, grantedTTL 4, keys 5. A lease that expired
  // answers TTL -1.
  const reader = new ProtoReader(buf)
  let ttl = 0
  let grantedTtl = 0
  while (!reader.done) {
    const tag = reader.uint()
    if (tag === ((3 << 3) | 0)) ttl = reader.smallInt()
    else if (tag === ((4 << 3) | 0)) grantedTtl = reader.smallInt()
    else reader.skip(tag & 7)
  }
  return {ttl, grantedTtl}
}

function decodeAuthenticate(buf: Buffer): string {
  // AuthenticateResponse: header 1, token 2
  const reader = new ProtoReader(buf)
  let token = ''
  while (!reader.done) {
    const tag = reader.uint()
    if (tag === ((2 << 3) | 2)) token = reader.text()
    else reader.skip(tag & 7)
  }
  return token
}

// --- gRPC over HTTP/2 ------------------------------------------------------------------------------

/** Per-stream and connection flow-control window for answers. */
const WINDOW_BYTES = 16 * 1024 * 1024

/** RST_STREAM's CANCEL error code (RFC 9113 §7). */
const NGHTTP2_CANCEL = 8

/** How a call reaches the endpoint: src/registry/h2c.ts on http://, node:http2 on https://. */
interface UnaryTransport {
  request(path: string, headers: [string, string][], body: Buffer, timeoutMs: number): Promise<UnaryResponse>
  close(): void
}

function h2cTransport(url: URL): UnaryTransport {
  // Large windows: a 10,000-key answer is ~1 MB, and HTTP/2's default 64 KiB windows make etcd
  // wait for a window update every 64 KiB of it.
  const connection = new H2cConnection(url.hostname.replace(/^\[(.*)\]$/, '$1'), Number(url.port || 80), WINDOW_BYTES)
  return {
    request: (path, headers, body, timeoutMs) => connection.request(url.host, path, headers, body, timeoutMs),
    close: () => connection.close(),
  }
}

/** TLS endpoints: node:http2, loaded only for them (it brings tls and crypto along, ~6 ms). */
function nodeHttp2Transport(endpoint: string, tls: EtcdTls): UnaryTransport {
  const {connect} = createRequire(import.meta.url)('node:http2') as typeof Http2
  const session = connect(endpoint, {ca: tls.ca, cert: tls.cert, key: tls.key, settings: {initialWindowSize: WINDOW_BYTES}})
  let sessionError: Error | undefined
  session.on('connect', () => session.setLocalWindowSize(WINDOW_BYTES))
  session.on('error', (error) => (sessionError = error))
  return {
    request: (path, headers, body, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (sessionError) return reject(sessionError)
        const stream = session.request({':method': 'POST', ':path': path, ...Object.fromEntries(headers)})
        const fields = new Map<string, string>()
        const chunks: Buffer[] = []
        let timedOut = false
        const timer = setTimeout(() => {
          timedOut = true
          stream.close(NGHTTP2_CANCEL)
        }, timeoutMs)
        timer.unref()
        const take = (h: Record<string, unknown>) => {
          for (const [name, value] of Object.entries(h)) fields.set(name, String(value))
        }
        stream.on('response', take) // a trailers-only answer carries the status here
        stream.on('trailers', take)
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('error', (error) => {
          clearTimeout(timer)
          reject(sessionError ?? error)
        })
        stream.on('close', () => {
          clearTimeout(timer)
          if (sessionError) return reject(sessionError)
          if (timedOut) return reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), {code: 'ETIMEDOUT'}))
          resolve({fields, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)})
        })
        stream.end(body)
      }),
    close: () => session.close(),
  }
}

/** grpc-message is percent-encoded; a malformed one is shown as sent. */
function grpcMessage(text: string | undefined): string {
  try {
    return decodeURIComponent(text ?? '')
  } catch {
    return text ?? ''
  }
}

/** One HTTP/2 connection to one etcd endpoint; calls are multiplexed on it. */
export class EtcdGrpcSession {
  private readonly transport: UnaryTransport
  private token: string | undefined

  constructor(
    readonly endpoint: string,
    tls: EtcdTls,
    private readonly deadline: number,
  ) {
    const url = new URL(endpoint)
    this.transport = url.protocol === 'http:' ? h2cTransport(url) : nodeHttp2Transport(endpoint, tls)
  }

  async authenticate(name: string, password: string): Promise<void> {
    const message = Buffer.concat([bytesField(1, Buffer.from(name)), bytesField(2, Buffer.from(password))])
    this.token = decodeAuthenticate(await this.call('/etcdserverpb.Auth/Authenticate', message))
  }

  /** Every key from `key` up to (not including) `rangeEnd`, with their values: one Range call. */
  async range<T>(key: Buffer, rangeEnd: Buffer, make: KeyValueMaker<T>): Promise<{revision: string; kvs: T[]}> {
    return decodeRangeResponse(await this.call('/etcdserverpb.KV/Range', Buffer.concat([bytesField(1, key), bytesField(2, rangeEnd)])), make)
  }

  async leaseTimeToLive(id: string): Promise<{ttl: number; grantedTtl: number}> {
    return decodeLeaseTimeToLive(await this.call('/etcdserverpb.Lease/LeaseTimeToLive', varintField(1, BigInt(id))))
  }

  close(): void {
    this.transport.close()
  }

  private async call(path: string, message: Buffer): Promise<Buffer> {
    const remaining = this.deadline - Date.now()
    if (remaining <= 0) throw new EtcdCallError(`etcd (${this.endpoint}) did not answer in time`, undefined, 'ETIMEDOUT')
    const frame = Buffer.allocUnsafe(5 + message.length)
    frame[0] = 0 // not compressed
    frame.writeUInt32BE(message.length, 1)
    message.copy(frame, 5)
    const headers: [string, string][] = [
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      // gRPC allows at most 8 digits here.
      ['grpc-timeout', `${Math.min(99_999_999, Math.max(1, remaining))}m`],
    ]
    if (this.token) headers.push(['token', this.token])
    let answer: UnaryResponse
    try {
      answer = await this.transport.request(path, headers, frame, remaining)
    } catch (error) {
      if ((error as {code?: string}).code === 'ETIMEDOUT') throw new EtcdCallError(`etcd (${this.endpoint}) did not answer within ${remaining} ms`, undefined, 'ETIMEDOUT')
      throw asCallError(error as Error, this.endpoint)
    }
    const status = answer.fields.get('grpc-status')
    if (status === undefined) throw new EtcdCallError(`${this.endpoint} ended the call without a gRPC status: is it an etcd client URL?`)
    if (status !== '0') throw new EtcdCallError(grpcMessage(answer.fields.get('grpc-message')) || `etcd answered gRPC status ${status}`, Number(status))
    const body = answer.body
    if (body.length < 5 || body[0] !== 0) throw new EtcdCallError(`etcd (${this.endpoint}) sent an unexpected ${body.length < 5 ? 'empty' : 'compressed'} answer`)
    return body.subarray(5, 5 + body.readUInt32BE(1))
  }
}

function asCallError(error: Error & {code?: string; cause?: unknown}, endpoint: string): EtcdCallError {
  if (error instanceof EtcdCallError) return error
  // A stream cancelled because its session failed says "caused by …": the cause (a refused
  // connection, a certificate not trusted) is what the user can act on.
  if (error.code === 'ERR_HTTP2_STREAM_CANCEL' && error.cause instanceof Error) error = error.cause
  return new EtcdCallError(`${error.message}${error.message.includes(endpoint) ? '' : ` (${endpoint})`}`, undefined, error.code)
}
