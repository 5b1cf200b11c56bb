/**
 * The three unary etcd v3 calls discover and doctor make (KV.Range, Lease.LeaseTimeToLive,
 * Auth.Authenticate), spoken as gRPC over HTTP/2 (src/net/grpc.ts, node:http2) with the few protobuf
 * fields they use.
 *
 * Why not etcd3 here: loading it (gRPC-js + protobufjs parsing .proto files) costs more than the
 * whole read, and etcd's JSON gateway, which needs no library, is several times slower than gRPC
 * for a large prefix (figures: docs/performance.md). The messages are etcd's documented, stable API
 * (api/etcdserverpb/rpc.proto, mvccpb/kv.proto); field numbers are given next to each use.
 * Watches keep using etcd3, which reconnects and resumes by itself.
 */
import {GrpcChannel, GrpcStatusError} from '../net/grpc.js'

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

/** Decimal text of the large varints already seen, by their bytes (as Latin-1 text). */
const bigVarints = new Map<string, string>()

const NO_FIELDS: readonly number[] = []

/** A varint is at most 10 bytes (64 bits, 7 a byte): anything longer is not protobuf. */
const MAX_VARINT_BYTES = 10

function malformed(what: string): EtcdCallError {
  return new EtcdCallError(`etcd sent a malformed message (${what})`)
}

/**
 * Reads one message's fields in order; callers switch on the field number. The one way every
 * decoder here reads bytes: each varint at most 10 bytes, each length a finite integer within
 * the message, so a hostile answer ends in an EtcdCallError, never a loop or a read past the end.
 */
export class ProtoReader {
  /** Where the message being read ends: the buffer's end, or an embedded message's (`enter`). */
  end: number
  pos = 0

  constructor(readonly buf: Buffer) {
    this.end = buf.length
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  /** A varint as a number: exact below 2^53 (lengths, tags, TTLs), finite always. */
  uint(): number {
    const {buf, end} = this
    let {pos} = this
    const last = Math.min(end, pos + MAX_VARINT_BYTES)
    let result = 0
    let scale = 1
    while (pos < last) {
      const b = buf[pos++]!
      result += (b & 0x7f) * scale
      if (b < 0x80) {
        this.pos = pos
        return result
      }

      scale *= 128
    }

    throw malformed(pos >= end ? 'truncated varint' : 'varint longer than 10 bytes')
  }

  /** A field's tag: field number ≥ 1. */
  tag(): number {
    const tag = this.uint()
    if (tag < 8 || tag > 0xff_ff_ff_ff) throw malformed(`field tag ${tag}`)
    return tag
  }

  /**
   * A varint as a decimal string of a signed int64 (revisions and lease IDs pass 2^53). Lease IDs
   * are large and few, shared by thousands of keys: each distinct one is converted once.
   */
  int64(): string {
    const start = this.pos
    const small = this.uint()
    if (this.pos - start <= 7) return String(small) // < 2^49: exact as a number
    const bytes = this.buf.toString('latin1', start, this.pos)
    let text = bigVarints.get(bytes)
    if (text === undefined) {
      let result = 0n
      for (let i = this.pos - 1; i >= start; i--) result = (result << 7n) | BigInt(this.buf[i]! & 0x7f)
      text = BigInt.asIntN(64, result).toString()
      bigVarints.set(bytes, text)
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

  /** The end of a length-delimited field that starts here, checked to lie within the message. */
  private lengthEnd(): number {
    const length = this.uint()
    if (length > this.end - this.pos) throw malformed('length past the end')
    return this.pos + length
  }

  /** A length-delimited field as UTF-8 text. */
  text(): string {
    const end = this.lengthEnd()
    const start = this.pos
    this.pos = end
    return this.buf.toString('utf8', start, end)
  }

  /**
   * Into the embedded message that starts here: the reader is done at its end, until `leave` with
   * what this returned (the end of the message around it) moves on past it.
   */
  enter(): number {
    const end = this.lengthEnd()
    const outer = this.end
    this.end = end
    return outer
  }

  leave(outer: number): void {
    this.pos = this.end
    this.end = outer
  }

  /**
   * Steps over a field the caller does not read. One of the fields it does read (`known`, by
   * number) that came with another wire type than its own is refused.
   */
  skip(tag: number, known: readonly number[] = NO_FIELDS): void {
    const wireType = tag & 7
    if (known.includes(tag >>> 3)) throw malformed(`field ${tag >>> 3} has wire type ${wireType}`)
    switch (wireType) {
      case 0: {
        this.uint()
        break
      }

      case 2: {
        this.pos = this.lengthEnd()
        break
      }

      case 1:
      case 5: {
        const size = wireType === 1 ? 8 : 4
        if (size > this.end - this.pos) throw malformed('truncated fixed-size field')
        this.pos += size

        break
      }

      default: {
        throw malformed(`wire type ${wireType}`)
      }
    }
  }
}

/** ResponseHeader.revision (field 3) from a response's header (field 1 of every response). */
function headerRevision(reader: ProtoReader): string {
  let revision = '0'
  while (!reader.done) {
    const tag = reader.tag()
    if (tag === ((3 << 3) | 0)) revision = reader.int64()
    else reader.skip(tag)
  }

  return revision
}

/** What a caller makes of each key-value as it is decoded. */
export type KeyValueMaker<T> = (
  key: string,
  value: string,
  createRevision: string,
  modRevision: string,
  lease: string,
) => T

const keyValue: KeyValueMaker<EtcdKeyValue> = (key, value, createRevision, modRevision, lease) => ({
  key,
  value,
  createRevision,
  modRevision,
  lease,
})

// The tags (field number << 3 | wire type: 0 varint, 2 length-delimited) of the fields read below.
const RANGE_HEADER = (1 << 3) | 2
const RANGE_KV = (2 << 3) | 2
const RANGE_FIELDS = [1, 2]
const KV_KEY = (1 << 3) | 2
const KV_CREATE_REVISION = (2 << 3) | 0
const KV_MOD_REVISION = (3 << 3) | 0
const KV_VERSION = (4 << 3) | 0
const KV_VALUE = (5 << 3) | 2
const KV_LEASE = (6 << 3) | 0
const KV_FIELDS = [1, 2, 3, 4, 5, 6]

/**
 * RangeResponse: header 1, kvs 2 (mvccpb.KeyValue: key 1, create_revision 2, mod_revision 3,
 * version 4, value 5, lease 6). Each key-value goes to `make` as it is read: a caller that builds
 * records of its own builds no EtcdKeyValue in between. Unknown fields are skipped; a known field
 * with another wire type than its own is refused (Go's protobuf would skip it as unknown, and an
 * answer without its keys shown as an empty registry is worse than an error).
 */
export function decodeRangeResponse(buf: Buffer): {revision: string; kvs: EtcdKeyValue[]}
export function decodeRangeResponse<T>(buf: Buffer, make: KeyValueMaker<T>): {revision: string; kvs: T[]}
export function decodeRangeResponse<T>(
  buf: Buffer,
  make: KeyValueMaker<T> = keyValue as KeyValueMaker<T>,
): {revision: string; kvs: T[]} {
  const reader = new ProtoReader(buf)
  let revision = '0'
  const kvs: T[] = []
  while (!reader.done) {
    const tag = reader.tag()
    if (tag === RANGE_HEADER) {
      const outer = reader.enter()
      revision = headerRevision(reader)
      reader.leave(outer)
    } else if (tag === RANGE_KV) {
      const outer = reader.enter()
      let key = ''
      let value = ''
      let createRevision = '0'
      let modRevision = '0'
      let lease = '0'
      while (!reader.done) {
        const kvTag = reader.tag()
        switch (kvTag) {
          case KV_KEY: {
            key = reader.text()
            break
          }

          case KV_CREATE_REVISION: {
            createRevision = reader.int64()
            break
          }

          case KV_MOD_REVISION: {
            modRevision = reader.int64()
            break
          }

          case KV_VERSION: {
            reader.uint() // not shown: every key-value has one, and stepping over it here costs no skip()
            break
          }

          case KV_VALUE: {
            value = reader.text()
            break
          }

          case KV_LEASE: {
            lease = reader.int64()
            break
          }

          default: {
            reader.skip(kvTag, KV_FIELDS)
          }
        }
      }

      reader.leave(outer)
      kvs.push(make(key, value, createRevision, modRevision, lease))
    } else reader.skip(tag, RANGE_FIELDS)
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
    const tag = reader.tag()
    if (tag === ((3 << 3) | 0)) ttl = reader.smallInt()
    else if (tag === ((4 << 3) | 0)) grantedTtl = reader.smallInt()
    else reader.skip(tag)
  }

  return {ttl, grantedTtl}
}

function decodeAuthenticate(buf: Buffer): string {
  // AuthenticateResponse: header 1, token 2
  const reader = new ProtoReader(buf)
  let token = ''
  while (!reader.done) {
    const tag = reader.tag()
    if (tag === ((2 << 3) | 2)) token = reader.text()
    else reader.skip(tag)
  }

  return token
}

// --- the calls -------------------------------------------------------------------------------------

/** One HTTP/2 connection to one etcd endpoint (src/net/grpc.ts); calls are multiplexed on it. */
export class EtcdGrpcSession {
  private readonly channel: GrpcChannel
  private token: string | undefined

  constructor(
    readonly endpoint: string,
    tls: EtcdTls,
    deadline: number,
  ) {
    this.channel = new GrpcChannel(endpoint, tls, 'etcd', deadline)
  }

  async authenticate(name: string, password: string): Promise<void> {
    const message = Buffer.concat([bytesField(1, Buffer.from(name)), bytesField(2, Buffer.from(password))])
    this.token = decodeAuthenticate(await this.call('/etcdserverpb.Auth/Authenticate', message))
  }

  /** Every key from `key` up to (not including) `rangeEnd`, with their values: one Range call. */
  async range<T>(key: Buffer, rangeEnd: Buffer, make: KeyValueMaker<T>): Promise<{revision: string; kvs: T[]}> {
    return decodeRangeResponse(
      await this.call('/etcdserverpb.KV/Range', Buffer.concat([bytesField(1, key), bytesField(2, rangeEnd)])),
      make,
    )
  }

  async leaseTimeToLive(id: string): Promise<{ttl: number; grantedTtl: number}> {
    return decodeLeaseTimeToLive(await this.call('/etcdserverpb.Lease/LeaseTimeToLive', varintField(1, BigInt(id))))
  }

  close(): void {
    this.channel.close()
  }

  private async call(path: string, message: Buffer): Promise<Buffer> {
    try {
      return await this.channel.unary(path, message, this.token ? [['token', this.token]] : [])
    } catch (error) {
      if (error instanceof GrpcStatusError) throw new EtcdCallError(error.message, error.grpcStatus)
      throw error
    }
  }
}
