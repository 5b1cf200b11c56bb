/**
 * Worker thread body for one .gz file: reads and decompresses it, and posts the decompressed bytes
 * to the thread that searches them, so decompression (the slow part) overlaps the search instead of
 * taking turns with it.
 *
 * Why a synchronous loop on the zlib handle rather than a Gunzip stream: the stream runs each step
 * on the libuv pool and comes back through the event loop and the stream machinery, which is
 * slower than the same inflate driven in a loop (docs/performance.md, bench/trace.sh). The handle
 * (`_handle.writeSync`, `_writeState`) is what zlib's own sync functions use; when a Node version
 * lacks it the worker says `unsupported` and the caller decompresses in its own thread instead.
 * Members are joined by Node's own gunzip (concatenated files work as with the stream).
 *
 * No allocation per chunk and no copies: a fixed set of buffers travels to the searcher
 * (transferred) and back, so memory stays flat whatever the file size; when all are out the loop
 * sleeps on a shared counter the searcher bumps with each return.
 */
import {closeSync, openSync, readSync} from 'node:fs'
import {MessagePort, parentPort, receiveMessageOnPort, workerData} from 'node:worker_threads'
import {constants, createGunzip} from 'node:zlib'

export interface GunzipWorkerData {
  path: string
  chunkBytes: number
  buffers: number
  /** Buffers come back on this port; after each return the searcher adds 1 to returned[0] and notifies. */
  returns: MessagePort
  returned: Int32Array
}

/** Messages to the searching thread, in this order: data*, then end or error (or unsupported alone). */
export type GunzipMessage =
  | {type: 'data'; buffer: ArrayBuffer; length: number}
  | {type: 'end'; compressed: number}
  | {type: 'error'; message: string; code?: string; compressed: number}
  | {type: 'unsupported'}

interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void
}

const {path, chunkBytes, buffers, returns, returned} = workerData as GunzipWorkerData
const port = parentPort!
const send = (m: GunzipMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer)

const gunzip = createGunzip()
gunzip.on('error', () => {}) // reported from the loop below; the event itself comes a tick later
const internals = gunzip as unknown as {_handle?: ZlibHandle; _writeState?: Uint32Array}
const handle = internals._handle
const state = internals._writeState

let made = 0
function takeBuffer(): ArrayBuffer {
  for (;;) {
    const seen = Atomics.load(returned, 0)
    const back = receiveMessageOnPort(returns)
    if (back) return back.message as ArrayBuffer
    if (made < buffers) {
      made++
      return new ArrayBuffer(chunkBytes)
    }

    Atomics.wait(returned, 0, seen, 1000)
  }
}

function run(): void {
  if (typeof handle?.writeSync !== 'function' || !(state instanceof Uint32Array)) {
    send({type: 'unsupported'})
    return
  }

  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    send({type: 'error', message: e.message, code: e.code, compressed: 0})
    return
  }

  const input = Buffer.allocUnsafe(1024 * 1024)
  let out = new Uint8Array(takeBuffer())
  let outLen = 0
  let consumed = 0
  try {
    for (;;) {
      const n = readSync(fd, input, 0, input.length, null)
      const flush = n === 0 ? constants.Z_FINISH : constants.Z_NO_FLUSH
      let inOff = 0
      let inLen = n
      for (;;) {
        handle.writeSync(flush, input, inOff, inLen, out, outLen, out.length - outLen)
        if (gunzip.destroyed) {
          // zlib reported an error (it destroys the stream at once): hand over what came before it.
          const e = (gunzip.errored ?? new Error('gzip data is damaged')) as NodeJS.ErrnoException
          consumed += inLen - state[1]!
          if (outLen > 0)
            send({type: 'data', buffer: out.buffer as ArrayBuffer, length: outLen}, [out.buffer as ArrayBuffer])
          send({type: 'error', message: e.message, code: e.code, compressed: consumed})
          return
        }

        const availOut = state[0]!
        const availIn = state[1]!
        outLen = out.length - availOut
        consumed += inLen - availIn
        inOff += inLen - availIn
        inLen = availIn
        if (availOut !== 0) break
        send({type: 'data', buffer: out.buffer as ArrayBuffer, length: outLen}, [out.buffer as ArrayBuffer])
        out = new Uint8Array(takeBuffer())
        outLen = 0
      }

      if (n === 0) break
    }

    if (outLen > 0) send({type: 'data', buffer: out.buffer as ArrayBuffer, length: outLen}, [out.buffer as ArrayBuffer])
    send({type: 'end', compressed: consumed})
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    send({type: 'error', message: e.message, code: e.code, compressed: consumed})
  } finally {
    closeSync(fd)
  }
}

run()
returns.close()
