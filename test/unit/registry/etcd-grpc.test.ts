import fc from 'fast-check'
import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import {describe, test} from 'node:test'

import {decodeLeaseTimeToLive, decodeRangeResponse, EtcdCallError} from '../../../src/registry/etcd-grpc.js'

// Messages encoded by protobufjs from etcd's own .proto files (as shipped in etcd3): an encoder
// independent of mcp's small decoder.
const require = createRequire(import.meta.url)
const protobuf = require('protobufjs') as typeof import('protobufjs')
const protoDir = require.resolve('etcd3/proto/rpc.proto').replace(/rpc\.proto$/, '')
const root = new protobuf.Root()
root.resolvePath = (_origin, target) => protoDir + target.replace(/^.*\//, '')
root.loadSync('rpc.proto', {keepCase: true})
const RangeResponse = root.lookupType('etcdserverpb.RangeResponse')
const LeaseTimeToLiveResponse = root.lookupType('etcdserverpb.LeaseTimeToLiveResponse')

const int64 = fc.bigInt({min: -(1n << 63n), max: (1n << 63n) - 1n})
// Keys and values in ASCII, and in any Unicode (U+0080–U+00FF among it: read as Latin-1 they would
// come out as other characters of the same bytes).
const keyValue = fc.record({
  key: fc.oneof(fc.string({minLength: 1, maxLength: 40}), fc.string({unit: 'grapheme', minLength: 1, maxLength: 20})),
  value: fc.oneof(
    fc.string({maxLength: 80}),
    fc.string({unit: 'grapheme', maxLength: 30}),
    fc.constant('{"address":"10.0.0.1:8080","note":"ünïcödé ✓ ÿ"}'),
  ),
  create_revision: fc.bigInt({min: 0n, max: 1n << 62n}),
  mod_revision: fc.bigInt({min: 0n, max: 1n << 62n}),
  version: fc.bigInt({min: 0n, max: 1000n}),
  lease: int64,
})

/** A drawn keyValue as protobufjs takes it: bytes for key and value, decimal text for the 64-bit fields. */
const protoKv = (kv: typeof keyValue extends fc.Arbitrary<infer T> ? T : never) => ({
  ...kv,
  key: Buffer.from(kv.key),
  value: Buffer.from(kv.value),
  create_revision: kv.create_revision.toString(),
  mod_revision: kv.mod_revision.toString(),
  version: kv.version.toString(),
  lease: kv.lease.toString(),
})

describe('etcd gRPC messages (mcp decoder vs protobufjs encoder)', () => {
  test('RangeResponse: every key, value, revision and lease, including 64-bit lease IDs and UTF-8', () => {
    fc.assert(
      fc.property(fc.array(keyValue, {maxLength: 30}), fc.bigInt({min: 1n, max: 1n << 62n}), (kvs, revision) => {
        const message = RangeResponse.fromObject({
          header: {
            cluster_id: '324952591200643719',
            member_id: '3319814642761637952',
            revision: revision.toString(),
            raft_term: 2,
          },
          kvs: kvs.map((kv) => protoKv(kv)),
          more: false,
          count: kvs.length,
        })
        const decoded = decodeRangeResponse(Buffer.from(RangeResponse.encode(message).finish()))
        assert.equal(decoded.revision, revision.toString())
        assert.deepEqual(
          decoded.kvs,
          kvs.map((kv) => ({
            key: kv.key,
            value: kv.value,
            createRevision: kv.create_revision.toString(),
            modRevision: kv.mod_revision.toString(),
            lease: kv.lease.toString(),
          })),
        )
      }),
      {numRuns: 300},
    )
  })

  test('LeaseTimeToLiveResponse: TTL and granted TTL, and -1 for an expired lease', () => {
    for (const [ttl, grantedTtl] of [
      [409, 600],
      [-1, 0],
      [0, 5],
      [2 ** 40, 2 ** 40],
    ] as const) {
      const message = LeaseTimeToLiveResponse.fromObject({
        header: {revision: 7},
        ID: '2324035533257759494',
        TTL: ttl,
        grantedTTL: grantedTtl,
        keys: [Buffer.from('/services/a/b')],
      })
      assert.deepEqual(decodeLeaseTimeToLive(Buffer.from(LeaseTimeToLiveResponse.encode(message).finish())), {
        ttl,
        grantedTtl,
      })
    }
  })

  test('RangeResponse: keys sharing a lease, leases of one length but other IDs, fields the decoder skips', () => {
    const KeyValue = root.lookupType('mvccpb.KeyValue')
    const leases = [
      '7587862144209151234',
      '7587862144209151235',
      '-3',
      '0',
      '7587862144209151234',
      '7587862144209151234',
      '12',
    ]
    const kvs = leases.map((lease, i) => ({
      key: `/services/a/${i}`,
      value: `10.0.0.${i}:80`,
      create_revision: String(2 ** 50 + i),
      mod_revision: String(i + 1),
      version: '1',
      lease,
    }))
    // Each KeyValue with fields appended that etcd does not send today: a fixed64 (field 7), a
    // fixed32 (field 8) and a varint with a two-byte tag (field 20). A decoder must step over them.
    const extra = Buffer.from([
      (7 << 3) | 1,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      (8 << 3) | 5,
      1,
      2,
      3,
      4,
      (20 << 3) | 0 | 0x80,
      20 >> 4,
      0x96,
      0x01,
    ])
    const parts = [Buffer.from(RangeResponse.encode(RangeResponse.fromObject({header: {revision: 9}})).finish())]
    for (const kv of kvs) {
      const body = Buffer.concat([
        Buffer.from(
          KeyValue.encode(
            KeyValue.fromObject({...kv, key: Buffer.from(kv.key), value: Buffer.from(kv.value)}),
          ).finish(),
        ),
        extra,
      ])
      parts.push(Buffer.from([(2 << 3) | 2, body.length]), body)
    }

    const decoded = decodeRangeResponse(Buffer.concat(parts))
    assert.equal(decoded.revision, '9')
    assert.deepEqual(
      decoded.kvs,
      kvs.map((kv) => ({
        key: kv.key,
        value: kv.value,
        createRevision: kv.create_revision,
        modRevision: kv.mod_revision,
        lease: kv.lease,
      })),
    )
  })

  test('a truncated message is an error, not a wrong answer', () => {
    const message = RangeResponse.fromObject({
      header: {revision: 3},
      kvs: [{key: Buffer.from('/services/a/1'), value: Buffer.from('10.0.0.1:80'), lease: '7'}],
    })
    const bytes = Buffer.from(RangeResponse.encode(message).finish())
    assert.throws(() => decodeRangeResponse(bytes.subarray(0, -3)), /length past the end/)
  })
})

/** Decode; what came of it: 'ok', or the error's class name and message. */
function outcome(decode: () => unknown): string {
  const started = performance.now()
  try {
    decode()
    return 'ok'
  } catch (error) {
    if (!(error instanceof EtcdCallError)) return `not EtcdCallError: ${String(error)}`
    return 'EtcdCallError'
  } finally {
    // No input of a few KB may take long: a loop that never ends would hang the test instead.
    assert.ok(performance.now() - started < 500, 'decoding took over 500 ms')
  }
}

describe('etcd gRPC decoder on hostile bytes: returns, or throws its own EtcdCallError, never loops', () => {
  test('the NaN varint (0x0a, 148 bytes of 0x80, 0x00) and other over-long varints end at once', () => {
    const nan = Buffer.concat([Buffer.from([0x0a]), Buffer.alloc(148, 0x80), Buffer.from([0x00])])
    assert.throws(
      () => decodeRangeResponse(nan),
      (e: Error) => e instanceof EtcdCallError && /varint longer than 10 bytes/.test(e.message),
    )
    assert.throws(() => decodeLeaseTimeToLive(nan), EtcdCallError)
    // Eleven bytes inside a key-value; a length of 2^63; a tag of field 0.
    const kv = Buffer.concat([Buffer.from([0x10]), Buffer.alloc(10, 0xff), Buffer.from([0x01])])
    assert.throws(() => decodeRangeResponse(Buffer.concat([Buffer.from([0x12, kv.length]), kv])), EtcdCallError)
    assert.throws(
      () => decodeRangeResponse(Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00])),
      /length past the end/,
    )
    assert.throws(() => decodeRangeResponse(Buffer.from([0x02, 0x00])), /field tag 2/)
  })

  test('wrong wire types for known fields, and group wire types, are refused', () => {
    assert.throws(() => decodeRangeResponse(Buffer.from([0x10, 0x01])), /field 2 has wire type 0/) // kvs as a varint
    assert.throws(() => decodeRangeResponse(Buffer.from([0x12, 0x02, 0x0d, 0x00])), /field 1 has wire type 5/) // key as fixed32
    // version (field 4) is read, not shown: as bytes instead of a varint it is refused like the others
    assert.throws(() => decodeRangeResponse(Buffer.from([0x12, 0x02, 0x22, 0x00])), /field 4 has wire type 2/)
    assert.equal(decodeRangeResponse(Buffer.from([0x12, 0x04, 0x0a, 0x00, 0x20, 0x07])).kvs.length, 1)
    assert.throws(() => decodeRangeResponse(Buffer.from([0x1b])), /wire type 3/)
  })

  test('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 2000}), (bytes) => {
        const buf = Buffer.from(bytes)
        assert.match(
          outcome(() => decodeRangeResponse(buf)),
          /^(ok|EtcdCallError)$/,
        )
        assert.match(
          outcome(() => decodeLeaseTimeToLive(buf)),
          /^(ok|EtcdCallError)$/,
        )
      }),
      {numRuns: 2000},
    )
  })

  test('valid answers with bytes changed, cut or inserted', () => {
    fc.assert(
      fc.property(
        fc.array(keyValue, {minLength: 1, maxLength: 10}),
        fc.array(fc.tuple(fc.nat(), fc.integer({min: 0, max: 255}), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 8,
        }),
        (kvs, edits) => {
          const message = RangeResponse.fromObject({
            header: {revision: '5'},
            kvs: kvs.map((kv) => protoKv(kv)),
          })
          const bytes = [...RangeResponse.encode(message).finish()]
          for (const [at, byte, how] of edits) {
            const i = at % (bytes.length + 1)
            if (how === 'set' && i < bytes.length) bytes[i] = byte
            else if (how === 'insert') bytes.splice(i, 0, byte)
            else bytes.splice(i, 1)
          }

          assert.match(
            outcome(() => decodeRangeResponse(Buffer.from(bytes))),
            /^(ok|EtcdCallError)$/,
          )
        },
      ),
      {numRuns: 1000},
    )
  })
})
