import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import {describe, test} from 'node:test'

import fc from 'fast-check'

import {decodeLeaseTimeToLive, decodeRangeResponse} from '../../../src/registry/etcd-grpc.js'

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
const keyValue = fc.record({
  key: fc.string({minLength: 1, maxLength: 40}),
  value: fc.oneof(fc.string({maxLength: 80}), fc.constant('{"address":"10.0.0.1:8080","note":"ünïcödé ✓"}')),
  create_revision: fc.bigInt({min: 0n, max: (1n << 62n)}),
  mod_revision: fc.bigInt({min: 0n, max: (1n << 62n)}),
  version: fc.bigInt({min: 0n, max: 1000n}),
  lease: int64,
})

describe('etcd gRPC messages (mcp decoder vs protobufjs encoder)', () => {
  test('RangeResponse: every key, value, revision and lease, including 64-bit lease IDs and UTF-8', () => {
    fc.assert(
      fc.property(fc.array(keyValue, {maxLength: 30}), fc.bigInt({min: 1n, max: (1n << 62n)}), (kvs, revision) => {
        const message = RangeResponse.fromObject({
          header: {cluster_id: '324952591200643719', member_id: '3319814642761637952', revision: revision.toString(), raft_term: 2},
          kvs: kvs.map((kv) => ({...kv, key: Buffer.from(kv.key), value: Buffer.from(kv.value), create_revision: kv.create_revision.toString(), mod_revision: kv.mod_revision.toString(), version: kv.version.toString(), lease: kv.lease.toString()})),
          more: false,
          count: kvs.length,
        })
        const decoded = decodeRangeResponse(Buffer.from(RangeResponse.encode(message).finish()))
        assert.equal(decoded.revision, revision.toString())
        assert.deepEqual(
          decoded.kvs,
          kvs.map((kv) => ({key: kv.key, value: kv.value, createRevision: kv.create_revision.toString(), modRevision: kv.mod_revision.toString(), lease: kv.lease.toString()})),
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
      const message = LeaseTimeToLiveResponse.fromObject({header: {revision: 7}, ID: '2324035533257759494', TTL: ttl, grantedTTL: grantedTtl, keys: [Buffer.from('/services/a/b')]})
      assert.deepEqual(decodeLeaseTimeToLive(Buffer.from(LeaseTimeToLiveResponse.encode(message).finish())), {ttl, grantedTtl})
    }
  })

  test('a truncated message is an error, not a wrong answer', () => {
    const message = RangeResponse.fromObject({header: {revision: 3}, kvs: [{key: Buffer.from('/services/a/1'), value: Buffer.from('10.0.0.1:80'), lease: '7'}]})
    const bytes = Buffer.from(RangeResponse.encode(message).finish())
    assert.throws(() => decodeRangeResponse(bytes.subarray(0, bytes.length - 3)), /truncated/)
  })
})
