#!/usr/bin/env node
// Decompression alone, as `mcp trace` does it for one large .gz: the built gunzip worker
// (dist/logs/gunzip-worker.js) inflating FILE, its buffers handed straight back unsearched. What
// mcp's search overlaps with, so the best gzip figure mcp can reach on this machine right now.
// Prints "<decompressed bytes> <ns>".
// usage: node bench/gunzip-ceiling.mjs FILE.gz
import {MessageChannel, Worker} from 'node:worker_threads'

const path = process.argv[2]
const {port1: returns, port2: workerReturns} = new MessageChannel()
const returned = new Int32Array(new SharedArrayBuffer(4))
const t0 = process.hrtime.bigint()
const worker = new Worker(new URL('../dist/logs/gunzip-worker.js', import.meta.url), {
  workerData: {path, chunkBytes: 1024 * 1024, buffers: 8, returns: workerReturns, returned},
  transferList: [workerReturns],
})
let bytes = 0
worker.on('message', (m) => {
  if (m.type === 'data') {
    bytes += m.length
    returns.postMessage(m.buffer, [m.buffer])
    Atomics.add(returned, 0, 1)
    Atomics.notify(returned, 0)
    return
  }

  if (m.type !== 'end') {
    console.error(`gunzip-ceiling: ${m.message ?? m.type}`)
    process.exit(1)
  }

  console.log(`${bytes} ${process.hrtime.bigint() - t0}`)
  returns.close()
  void worker.terminate()
})
