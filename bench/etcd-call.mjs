// The etcd Range read on its own, for built checkouts side by side: in a fresh process each, the
// time to load the client module, to make the call (connect, ask, the whole answer back), and to
// decode the answer into key-values. What bench/discover.sh's totals cannot separate: what a client
// costs against another (the hand HTTP/2 client of 354a9c0 against node:http2, issue 18).
// usage: node bench/etcd-call.mjs RUNS DIR...   (each DIR a built checkout, .build/ present)
// Seed first (bench/thread-cpu.sh says how); ETCDCTL_ENDPOINTS (a loopback URL) and PREFIX
// (default /mcpbench/) say what to read. PRELOAD=node:http2 (or node:net) loads that module before
// the clock starts, to tell a client's load from its work.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const endpoint = process.env.ETCDCTL_ENDPOINTS ?? 'http://127.0.0.1:23790'
const prefix = process.env.PREFIX ?? '/mcpbench/'
// Loopback only, checked before the child starts (it is what connects); the Range message below
// gives each field's length in one byte.
if (!/^https?:\/\/(127\.\d+\.\d+\.\d+|\[::1\]|localhost)(:\d+)?$/.test(endpoint) || Buffer.byteLength(prefix) > 127) {
  console.error('bench/etcd-call.mjs: ETCDCTL_ENDPOINTS must be one loopback URL, PREFIX under 128 bytes')
  process.exit(2)
}

if (process.argv[2] === '--child') {
  const dir = process.argv[3]
  if (process.env.PRELOAD) (await import('node:module')).createRequire(import.meta.url)(process.env.PRELOAD)
  const started = performance.now()
  const {EtcdGrpcSession, decodeRangeResponse} = await import(`${dir}/.build/registry/etcd-grpc.js`)
  const loaded = performance.now()
  const session = new EtcdGrpcSession(endpoint, {}, Date.now() + 10_000)
  const field = (number, bytes) => Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes])
  const rangeEnd = Buffer.from(prefix)
  rangeEnd[rangeEnd.length - 1]++
  // call() is the session's own (private in TypeScript): the answer's bytes, not yet decoded.
  const answer = await session.call(
    '/etcdserverpb.KV/Range',
    Buffer.concat([field(1, Buffer.from(prefix)), field(2, rangeEnd)]),
  )
  const called = performance.now()
  const {kvs} = decodeRangeResponse(answer)
  const decoded = performance.now()
  session.close()
  console.log(
    JSON.stringify({load: loaded - started, call: called - loaded, decode: decoded - called, keys: kvs.length}),
  )
  process.exit(0)
}

const [runsText, ...dirs] = process.argv.slice(2)
const runs = Number(runsText)
if (!(runs > 0) || dirs.length === 0) {
  console.error('usage: node bench/etcd-call.mjs RUNS DIR...')
  process.exit(2)
}

const rows = new Map(dirs.map((dir) => [dir, []]))
for (let round = 0; round < runs + 1; round++) {
  for (const dir of dirs) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dir], {encoding: 'utf8'})
    if (child.status !== 0) {
      console.error(`${dir}: ${child.stderr.trim().split('\n').pop()}`)
      process.exit(1)
    }

    if (round > 0) rows.get(dir).push(JSON.parse(child.stdout)) // round 0 warms the page cache
  }
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]
console.log(
  `ms, medians of ${runs} runs${process.env.PRELOAD ? ` (${process.env.PRELOAD} loaded before the clock)` : ''}: load, call, decode`,
)
for (const [dir, results] of rows) {
  const [load, call, decode] = ['load', 'call', 'decode'].map((k) => median(results.map((r) => r[k])).toFixed(1))
  console.log(`  ${load.padStart(6)} ${call.padStart(6)} ${decode.padStart(6)}  ${dir} (${results[0].keys} keys)`)
}
