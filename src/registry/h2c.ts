/**
 * Unary requests over HTTP/2 on cleartext TCP with prior knowledge (RFC 9113 §3.3): the part of
 * HTTP/2 and of HPACK (RFC 7541) that etcd's gRPC calls need — requests out, each answered by
 * headers, a body and trailers. TLS endpoints keep node:http2 (src/registry/etcd-grpc.ts).
 *
 * Why not node:http2 for these: loading it brings parts of crypto and tls along, ~6 ms of every
 * discover, and its stream objects cost ~3 ms more for the dozen calls a discover makes; what is
 * needed here is small. The HPACK decoder is complete (etcd's server indexes and Huffman-codes the
 * fields it sends); requests are sent as literals, which needs no encoder state.
 */
import {connect, Socket} from 'node:net'

export interface UnaryResponse {
  /** Header and trailer fields by name (a trailer replaces a header of the same name). */
  fields: Map<string, string>
  body: Buffer
}

/** A failed request: the connection's socket error code, or the code named here. */
export class H2cError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

// Frame types and flags (RFC 9113 §6).
const DATA = 0x0
const HEADERS = 0x1
const RST_STREAM = 0x3
const SETTINGS = 0x4
const PUSH_PROMISE = 0x5
const PING = 0x6
const GOAWAY = 0x7
const WINDOW_UPDATE = 0x8
const CONTINUATION = 0x9
const END_STREAM = 0x1
const ACK = 0x1
const END_HEADERS = 0x4
const PADDED = 0x8
const PRIORITY = 0x20
const SETTINGS_ENABLE_PUSH = 0x2
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4
const CANCEL = 0x8
const DEFAULT_WINDOW = 65_535
const MAX_FRAME = 16_384

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length)
  out.writeUIntBE(payload.length, 0, 3)
  out[3] = type
  out[4] = flags
  out.writeUInt32BE(streamId, 5)
  payload.copy(out, 9)
  return out
}

function u32(n: number): Buffer {
  const out = Buffer.allocUnsafe(4)
  out.writeUInt32BE(n)
  return out
}

interface PendingStream {
  fields: Map<string, string>
  chunks: Buffer[]
  /** Bytes received since the last WINDOW_UPDATE for this stream. */
  unacknowledged: number
  resolve: (response: UnaryResponse) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

/** One connection; requests are multiplexed on it, each its own stream. */
export class H2cConnection {
  private readonly socket: Socket
  private readonly streams = new Map<number, PendingStream>()
  private readonly hpack = new HpackDecoder()
  private nextStreamId = 1
  private sawServerSettings = false
  /** The frame being read: its header, its fields, and what is left of its payload. */
  private readonly header = Buffer.alloc(9)
  private headerFill = 0
  private frameType = 0
  private frameFlags = 0
  private frameStream = 0
  private payloadLeft = 0
  /** The payload gathered whole (any frame but an unpadded DATA one). */
  private payload: Buffer | undefined
  /** Where an unpadded DATA frame's payload goes. */
  private dataTo: PendingStream | undefined
  /** The header block being received across HEADERS and CONTINUATION frames. */
  private block: {streamId: number; parts: Buffer[]; endStream: boolean} | undefined
  private unacknowledged = 0
  private failure: H2cError | undefined

  constructor(
    host: string,
    port: number,
    /** The flow-control window this side offers, per stream and for the connection. */
    private readonly windowBytes: number,
  ) {
    this.socket = connect({host, port})
    this.socket.setNoDelay(true)
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk))
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.fail(new H2cError(error.message, error.code)))
    this.socket.on('close', () => this.fail(new H2cError('the server closed the connection', 'ECONNRESET')))
    const settings = Buffer.concat([Buffer.from([0, SETTINGS_ENABLE_PUSH, 0, 0, 0, 0]), Buffer.from([0, SETTINGS_INITIAL_WINDOW_SIZE]), u32(windowBytes)])
    // Written at once: the socket holds it until it is connected.
    this.socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, settings), frame(WINDOW_UPDATE, 0, 0, u32(windowBytes - DEFAULT_WINDOW))]))
  }

  /** POST `body` to `path`; resolves when the server ends the stream. */
  request(authority: string, path: string, headers: [string, string][], body: Buffer, timeoutMs: number): Promise<UnaryResponse> {
    if (this.failure) return Promise.reject(this.failure)
    const streamId = this.nextStreamId
    this.nextStreamId += 2
    const block = [Buffer.from([0x83, 0x86]), literal(4, path), literal(1, authority)] // :method POST, :scheme http (static table)
    for (const [name, value] of headers) block.push(literal(0, value, name))
    const out = [frame(HEADERS, END_HEADERS | (body.length === 0 ? END_STREAM : 0), streamId, Buffer.concat(block))]
    for (let at = 0; at < body.length; at += MAX_FRAME) {
      const end = Math.min(body.length, at + MAX_FRAME)
      out.push(frame(DATA, end === body.length ? END_STREAM : 0, streamId, body.subarray(at, end)))
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.streams.delete(streamId)
        if (!this.failure) this.socket.write(frame(RST_STREAM, 0, streamId, u32(CANCEL)))
        reject(new H2cError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT'))
      }, timeoutMs)
      timer.unref()
      this.streams.set(streamId, {fields: new Map(), chunks: [], unacknowledged: 0, resolve, reject, timer})
      this.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out))
    })
  }

  close(): void {
    if (!this.failure) this.socket.end(frame(GOAWAY, 0, 0, Buffer.concat([u32(0), u32(0)])))
    this.fail(new H2cError('the connection was closed', 'ERR_CLOSED'))
  }

  private fail(error: H2cError): void {
    if (this.failure) return
    this.failure = error
    for (const stream of this.streams.values()) {
      clearTimeout(stream.timer)
      stream.reject(error)
    }
    this.streams.clear()
    this.socket.destroySoon()
  }

  /**
   * Frames are read as the bytes arrive, across socket reads: a DATA payload goes to its stream as
   * views of the reads (no copy until the body is joined), anything else is gathered whole.
   */
  private receive(chunk: Buffer): void {
    try {
      for (let at = 0; at < chunk.length; ) {
        if (this.headerFill < 9) {
          const n = Math.min(9 - this.headerFill, chunk.length - at)
          chunk.copy(this.header, this.headerFill, at, at + n)
          this.headerFill += n
          at += n
          if (this.headerFill < 9) return
          this.startFrame()
          if (this.payloadLeft === 0) this.endFrame()
          continue
        }
        const n = Math.min(this.payloadLeft, chunk.length - at)
        if (this.payload) chunk.copy(this.payload, this.payload.length - this.payloadLeft, at, at + n)
        else this.dataTo?.chunks.push(chunk.subarray(at, at + n))
        this.payloadLeft -= n
        at += n
        if (this.payloadLeft === 0) this.endFrame()
      }
    } catch (error) {
      this.fail(error instanceof H2cError ? error : new H2cError(`HTTP/2 protocol error: ${(error as Error).message}`, 'ERR_HTTP2_PROTOCOL'))
    }
  }

  private startFrame(): void {
    const length = this.header.readUIntBE(0, 3)
    const type = this.header[3]!
    if (!this.sawServerSettings) {
      // The server's preface is a SETTINGS frame (RFC 9113 §3.4): anything else is not HTTP/2.
      if (type !== SETTINGS || length > MAX_FRAME) throw new H2cError('the server does not speak HTTP/2 (is it an etcd client URL?)', 'ERR_NOT_HTTP2')
      this.sawServerSettings = true
    }
    if (this.block && type !== CONTINUATION) throw new H2cError('HTTP/2 protocol error: a header block was interrupted', 'ERR_HTTP2_PROTOCOL')
    this.payloadLeft = length
    const flags = this.header[4]!
    const streamId = this.header.readUInt32BE(5) & 0x7fffffff
    this.frameType = type
    this.frameFlags = flags
    this.frameStream = streamId
    if (type === DATA && !(flags & PADDED)) {
      // Streamed to its stream (or dropped, for one no longer wanted); flow control counts it all.
      this.dataTo = this.streams.get(streamId)
      this.payload = undefined
      this.acknowledge(this.dataTo, streamId, length)
    } else {
      this.payload = Buffer.allocUnsafe(length)
    }
  }

  private endFrame(): void {
    this.headerFill = 0
    const {frameType: type, frameFlags: flags, frameStream: streamId} = this
    if (this.payload) {
      const payload = this.payload
      this.payload = undefined
      this.onFrame(type, flags, streamId, payload)
    } else if (flags & END_STREAM) {
      const stream = this.streams.get(streamId)
      if (stream) this.finish(streamId, stream)
    }
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    switch (type) {
      case DATA: {
        // A padded one (an unpadded one is streamed by receive).
        const stream = this.streams.get(streamId)
        if (stream) stream.chunks.push(unpad(payload, flags))
        this.acknowledge(stream, streamId, payload.length)
        if (stream && flags & END_STREAM) this.finish(streamId, stream)
        return
      }
      case HEADERS: {
        let fragment = unpad(payload, flags)
        if (flags & PRIORITY) fragment = fragment.subarray(5)
        this.block = {streamId, parts: [fragment], endStream: Boolean(flags & END_STREAM)}
        if (flags & END_HEADERS) this.endBlock()
        return
      }
      case CONTINUATION: {
        if (!this.block || this.block.streamId !== streamId) throw new H2cError('HTTP/2 protocol error: CONTINUATION without HEADERS', 'ERR_HTTP2_PROTOCOL')
        this.block.parts.push(payload)
        if (flags & END_HEADERS) this.endBlock()
        return
      }
      case RST_STREAM: {
        const stream = this.streams.get(streamId)
        if (!stream) return
        this.streams.delete(streamId)
        clearTimeout(stream.timer)
        stream.reject(new H2cError(`the server reset the stream (HTTP/2 error code ${payload.length >= 4 ? payload.readUInt32BE(0) : '?'})`, 'ERR_HTTP2_STREAM_RESET'))
        return
      }
      case SETTINGS:
        if (!(flags & ACK)) this.socket.write(frame(SETTINGS, ACK, 0))
        return
      case PING:
        if (!(flags & ACK)) this.socket.write(frame(PING, ACK, 0, payload))
        return
      case GOAWAY: {
        const code = payload.length >= 8 ? payload.readUInt32BE(4) : 0
        const detail = payload.length > 8 ? `: ${payload.subarray(8).toString('latin1')}` : ''
        throw new H2cError(`the server closed the connection (HTTP/2 GOAWAY, error code ${code}${detail})`, 'ERR_HTTP2_GOAWAY')
      }
      case PUSH_PROMISE:
        throw new H2cError('HTTP/2 protocol error: PUSH_PROMISE though push is disabled', 'ERR_HTTP2_PROTOCOL')
      default:
        // WINDOW_UPDATE (requests are far below the server's window), PRIORITY, unknown types.
        return
    }
  }

  /** Give back window for received DATA once half of it is used, so a large answer never stalls. */
  private acknowledge(stream: PendingStream | undefined, streamId: number, length: number): void {
    this.unacknowledged += length
    if (this.unacknowledged >= this.windowBytes / 2) {
      this.socket.write(frame(WINDOW_UPDATE, 0, 0, u32(this.unacknowledged)))
      this.unacknowledged = 0
    }
    if (stream) {
      stream.unacknowledged += length
      if (stream.unacknowledged >= this.windowBytes / 2) {
        this.socket.write(frame(WINDOW_UPDATE, 0, streamId, u32(stream.unacknowledged)))
        stream.unacknowledged = 0
      }
    }
  }

  private endBlock(): void {
    const {streamId, parts, endStream} = this.block!
    this.block = undefined
    const stream = this.streams.get(streamId)
    // Decoded even for a stream no longer wanted: the decoder's table must follow every block.
    this.hpack.decode(parts.length === 1 ? parts[0]! : Buffer.concat(parts), stream?.fields ?? new Map())
    if (stream && endStream) this.finish(streamId, stream)
  }

  private finish(streamId: number, stream: PendingStream): void {
    this.streams.delete(streamId)
    clearTimeout(stream.timer)
    stream.resolve({fields: stream.fields, body: stream.chunks.length === 1 ? stream.chunks[0]! : Buffer.concat(stream.chunks)})
  }
}

function unpad(payload: Buffer, flags: number): Buffer {
  if (!(flags & PADDED)) return payload
  const padding = payload[0] ?? 0
  if (1 + padding > payload.length) throw new H2cError('HTTP/2 protocol error: padding longer than the frame', 'ERR_HTTP2_PROTOCOL')
  return payload.subarray(1, payload.length - padding)
}

// --- HPACK ------------------------------------------------------------------------------------

/** An HPACK integer with an N-bit prefix (the bits above it zero: no flags in the literals sent). */
function hpackInteger(value: number, prefixBits: number): number[] {
  const max = (1 << prefixBits) - 1
  if (value < max) return [value]
  const out = [max]
  for (value -= max; value >= 128; value = Math.floor(value / 128)) out.push((value % 128) | 0x80)
  out.push(value)
  return out
}

/** A field as a literal without indexing: a static-table name (index > 0) or a literal name. */
function literal(nameIndex: number, value: string, name?: string): Buffer {
  const parts = [Buffer.from(hpackInteger(nameIndex, 4))]
  for (const text of name === undefined ? [value] : [name, value]) {
    const bytes = Buffer.from(text, 'latin1')
    parts.push(Buffer.from(hpackInteger(bytes.length, 7)), bytes)
  }
  return Buffer.concat(parts)
}

/** RFC 7541 Appendix A. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''],
  ['etag', ''], ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''],
  ['if-modified-since', ''], ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''],
  ['last-modified', ''], ['link', ''], ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''],
  ['proxy-authorization', ''], ['range', ''], ['referer', ''], ['refresh', ''], ['retry-after', ''],
  ['server', ''], ['set-cookie', ''], ['strict-transport-security', ''], ['transfer-encoding', ''],
  ['user-agent', ''], ['vary', ''], ['via', ''], ['www-authenticate', ''],
]

/** The dynamic table's size limit this side allows (SETTINGS_HEADER_TABLE_SIZE, left at its default). */
const TABLE_LIMIT = 4096

/** HPACK decoding state for one connection (RFC 7541 §2.3, §6). */
export class HpackDecoder {
  /** Newest first, as the index space counts it. */
  private readonly table: [string, string][] = []
  private size = 0
  private maxSize = TABLE_LIMIT

  decode(block: Buffer, into: Map<string, string>): void {
    const reader = {buf: block, pos: 0}
    while (reader.pos < block.length) {
      const b = block[reader.pos]!
      if (b & 0x80) {
        const [name, value] = this.entry(readInteger(reader, 7))
        into.set(name, value)
      } else if (b & 0x40) {
        const index = readInteger(reader, 6)
        const name = index ? this.entry(index)[0] : readString(reader)
        const value = readString(reader)
        this.add(name, value)
        into.set(name, value)
      } else if (b & 0x20) {
        const size = readInteger(reader, 5)
        if (size > TABLE_LIMIT) throw new H2cError(`HPACK: table size ${size} above the limit ${TABLE_LIMIT}`, 'ERR_HTTP2_PROTOCOL')
        this.maxSize = size
        this.evict(0)
      } else {
        // Literal without indexing (0000) or never indexed (0001).
        const index = readInteger(reader, 4)
        const name = index ? this.entry(index)[0] : readString(reader)
        into.set(name, readString(reader))
      }
    }
  }

  private entry(index: number): readonly [string, string] {
    const entry = index === 0 ? undefined : index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.table[index - STATIC_TABLE.length - 1]
    if (!entry) throw new H2cError(`HPACK: index ${index} is not in the table`, 'ERR_HTTP2_PROTOCOL')
    return entry
  }

  private add(name: string, value: string): void {
    const size = name.length + value.length + 32 // latin1 strings: one char per octet
    this.evict(size)
    if (size <= this.maxSize) {
      this.table.unshift([name, value])
      this.size += size
    }
  }

  /** Drop the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.table.length && this.size + room > this.maxSize) {
      const [name, value] = this.table.pop()!
      this.size -= name.length + value.length + 32
    }
  }
}

function readInteger(reader: {buf: Buffer; pos: number}, prefixBits: number): number {
  const max = (1 << prefixBits) - 1
  let value = reader.buf[reader.pos++]! & max
  if (value < max) return value
  for (let scale = 1; ; scale *= 128) {
    if (reader.pos >= reader.buf.length || scale > 2 ** 28) throw new H2cError('HPACK: malformed integer', 'ERR_HTTP2_PROTOCOL')
    const b = reader.buf[reader.pos++]!
    value += (b & 0x7f) * scale
    if (b < 0x80) return value
  }
}

function readString(reader: {buf: Buffer; pos: number}): string {
  if (reader.pos >= reader.buf.length) throw new H2cError('HPACK: truncated string', 'ERR_HTTP2_PROTOCOL')
  const huffman = (reader.buf[reader.pos]! & 0x80) !== 0
  const length = readInteger(reader, 7)
  const start = reader.pos
  reader.pos += length
  if (reader.pos > reader.buf.length) throw new H2cError('HPACK: truncated string', 'ERR_HTTP2_PROTOCOL')
  return huffman ? huffmanDecode(reader.buf, start, reader.pos) : reader.buf.toString('latin1', start, reader.pos)
}

// --- Huffman code (RFC 7541 Appendix B) --------------------------------------------------------

/**
 * The code's lengths in bits for symbols 0–255 (RFC 7541 Appendix B); symbol 256, EOS, is 30 ones.
 * The code is canonical — codes of one length are consecutive, in symbol order, each length's
 * first following the last of the length before — so the lengths define it.
 */
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
]
const EOS = 256

/** Canonical decoding tables: per length, the first code, and where its symbols start in `bySymbolOrder`. */
const huffman = (() => {
  const symbols = HUFFMAN_LENGTHS.map((length, symbol) => ({length, symbol})).sort((a, b) => a.length - b.length || a.symbol - b.symbol)
  const count = new Array<number>(31).fill(0)
  for (const {length} of symbols) count[length]!++
  const firstCode = new Array<number>(31).fill(0)
  const offset = new Array<number>(31).fill(0)
  for (let length = 1, code = 0, at = 0; length <= 30; length++) {
    firstCode[length] = code
    offset[length] = at
    code = (code + count[length]!) * 2
    at += count[length]!
  }
  return {count, firstCode, offset, bySymbolOrder: symbols.map((s) => s.symbol)}
})()

/** The code of a symbol (for tests: the RFC lists codes, this file keeps lengths). */
export function huffmanCode(symbol: number): {code: number; length: number} {
  const length = HUFFMAN_LENGTHS[symbol]!
  const rank = huffman.bySymbolOrder.indexOf(symbol) - huffman.offset[length]!
  return {code: huffman.firstCode[length]! + rank, length}
}

export function huffmanDecode(buf: Buffer, start: number, end: number): string {
  const {count, firstCode, offset, bySymbolOrder} = huffman
  let out = ''
  let code = 0
  let length = 0
  for (let i = start; i < end; i++) {
    const byte = buf[i]!
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1)
      length++
      const rank = code - firstCode[length]!
      if (rank >= 0 && rank < count[length]!) {
        const symbol = bySymbolOrder[offset[length]! + rank]!
        if (symbol === EOS) throw new H2cError('HPACK: EOS inside a Huffman string', 'ERR_HTTP2_PROTOCOL')
        out += String.fromCharCode(symbol)
        code = 0
        length = 0
      } else if (length >= 30) {
        throw new H2cError('HPACK: invalid Huffman code', 'ERR_HTTP2_PROTOCOL')
      }
    }
  }
  // What is left is padding: fewer than 8 bits, all ones (the start of EOS).
  if (length > 7 || code !== 2 ** length - 1) throw new H2cError('HPACK: invalid Huffman padding', 'ERR_HTTP2_PROTOCOL')
  return out
}
