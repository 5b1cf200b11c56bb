import {closeSync, createReadStream, existsSync, openSync, readSync} from 'node:fs'
import {Readable} from 'node:stream'
import {MessageChannel, Worker} from 'node:worker_threads'
import {createGunzip} from 'node:zlib'

import type {GunzipMessage, GunzipWorkerData} from './gunzip-worker.js'

import {LineScanner, MAX_LINE_BYTES, ScannedLine, StreamScanner} from './scanner.js'
import {TraceQuery} from './trace-id.js'
import {wasmFinder} from './wasm-find.js'

/** What scanning one input produced. Problems are data here; the command decides how to report them. */
export interface ScanResult {
  lines: ScannedLine[]
  matches: number
  /** Bytes searched (decompressed bytes for gzip). */
  bytes: number
  /** Set when the input is binary: the offset of the NUL byte; nothing from it is reported. */
  binaryAt?: number
  /** The input starts with the gzip magic bytes (a plain scan stops and says so). */
  gzip?: boolean
  /** A read or decompression error: what went wrong, and where (compressed offset for gzip). */
  error?: {message: string; code?: string; compressedOffset?: number; offset?: number}
}

export interface ScanOptions {
  context?: number
  /** Scan only lines that start in [start, end) of a plain file (parallel scanning of one file). */
  range?: {start: number; end: number}
  /** Read buffer size (default 4 MiB); tests use tiny ones to cross many refills. */
  bufferBytes?: number
}

/** 4 MiB: measured here as the sweet spot between syscall count and cache misses. */
const READ_BUFFER_BYTES = 4 * 1024 * 1024
let sharedBuffer: Buffer | undefined

/**
 * Scan a plain file with readSync into one reused buffer: no per-chunk allocation, no stream
 * machinery, and the bytes are never decoded unless a line matches.
 */
export function scanPlainFile(path: string, query: TraceQuery, options: ScanOptions = {}): ScanResult {
  const lines: ScannedLine[] = []
  const wasm = wasmFinder(READ_BUFFER_BYTES)
  if (wasm) wasm.setNeedle(query.needles[0]!)
  const finder = wasm ? (b: Buffer, from: number, end: number) => wasm.find(b, from, end) : undefined
  const scanner = new LineScanner(query, {context: options.context, onLine: (l) => lines.push(l), finder})
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    return {
      lines,
      matches: 0,
      bytes: 0,
      error: {
        message: e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOENT' ? 'no such file' : e.message,
        code: e.code,
      },
    }
  }

  // With wasm the buffer is a view of wasm memory: readSync fills it and the finder reads it in place.
  const size = options.bufferBytes ?? READ_BUFFER_BYTES
  let buf = wasm
    ? wasm.buffer(size).subarray(0, size)
    : size === READ_BUFFER_BYTES
      ? (sharedBuffer ??= Buffer.allocUnsafe(size))
      : Buffer.allocUnsafe(size)
  const rangeStart = options.range?.start ?? 0
  const rangeEnd = options.range?.end ?? Infinity
  let pos = rangeStart
  let base = rangeStart
  let len = 0
  let bytes = 0
  let skipFirstPartial = rangeStart > 0
  try {
    for (;;) {
      if (len === buf.length) {
        // One line fills the buffer: grow (bounded), as a 10 MB line needs.
        if (buf.length >= MAX_LINE_BYTES) {
          scanner.scan(buf, len, base, true)
          base += len
          scanner.reset(base)
          len = 0
        } else if (wasm) {
          // Memory grows in place and keeps the data, but detaches the old view: size it first.
          const size = buf.length * 2
          buf = wasm.buffer(size).subarray(0, size)
        } else {
          const bigger = Buffer.allocUnsafe(buf.length * 2)
          buf.copy(bigger, 0, 0, len)
          buf = bigger
        }
      }

      const n = readSync(fd, buf, len, buf.length - len, pos)
      if (pos === 0 && n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b && len === 0) {
        return {lines, matches: 0, bytes: 0, gzip: true}
      }

      pos += n
      bytes += n
      len += n
      let final = n === 0
      let end = len
      if (skipFirstPartial) {
        // A range that starts mid-file begins at the first line starting at or after rangeStart.
        const nl = buf.indexOf(0x0a, 0) // buf[0] is at rangeStart; a line starting exactly there
        const prevIsNl = readByte(fd, rangeStart - 1) === 0x0a
        if (!prevIsNl) {
          if (nl === -1 || nl >= len) {
            if (final) break
            continue
          }

          buf.copy(buf, 0, nl + 1, len)
          base += nl + 1
          len -= nl + 1
          end = len
        }

        scanner.reset(base)
        skipFirstPartial = false
        if (base >= rangeEnd) break // no line starts inside this range
      }

      if (base + len >= rangeEnd && rangeEnd !== Infinity) {
        // Finish the line that straddles rangeEnd, then stop.
        const from = Math.max(0, rangeEnd - 1 - base)
        const nl = buf.subarray(0, len).indexOf(0x0a, from)
        if (nl !== -1) {
          end = nl + 1
          final = true
        } else if (!final) {
          // The straddling line continues past this buffer: keep reading.
          const keep = scanner.scan(buf, len, base, false)
          if (scanner.binaryAt !== undefined) break
          buf.copy(buf, 0, keep, len)
          base += keep
          len -= keep
          continue
        }
      }

      const keep = scanner.scan(buf, end, base, final)
      if (scanner.binaryAt !== undefined || final) break
      if (keep > 0) {
        buf.copy(buf, 0, keep, len)
        base += keep
        len -= keep
      }
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    return {
      lines,
      matches: scanner.matches,
      bytes,
      error: {message: e.code === 'EISDIR' ? 'is a directory' : e.message, code: e.code, offset: pos},
    }
  } finally {
    closeSync(fd)
  }

  // Reads run past a range's end to finish its last line: count only the range's own bytes.
  if (options.range) bytes = Math.min(pos, rangeEnd) - rangeStart
  return {lines, matches: scanner.matches, bytes, binaryAt: scanner.binaryAt}
}

function readByte(fd: number, at: number): number {
  const one = Buffer.alloc(1)
  return readSync(fd, one, 0, 1, at) === 1 ? one[0]! : -1
}

/** A LineScanner fed through a StreamScanner, its buffer in wasm memory when `useWasm`. */
function streamFeed(query: TraceQuery, options: {context?: number; useWasm?: boolean}) {
  const lines: ScannedLine[] = []
  const wasm = options.useWasm ? wasmFinder(READ_BUFFER_BYTES) : undefined
  if (wasm) wasm.setNeedle(query.needles[0]!)
  const finder = wasm ? (b: Buffer, from: number, end: number) => wasm.find(b, from, end) : undefined
  const scanner = new LineScanner(query, {context: options.context, onLine: (l) => lines.push(l), finder})
  // Wasm memory grows in place and keeps its bytes; only the view is new.
  const resize = wasm ? (_old: Buffer | undefined, size: number) => wasm.buffer(size).subarray(0, size) : undefined
  const feed = new StreamScanner(scanner, {resize, initialSize: wasm ? READ_BUFFER_BYTES : undefined})
  return {lines, scanner, feed}
}

/**
 * Scan any byte stream (stdin, a decompressor) to its end. `useWasm`: put the buffer in this
 * thread's wasm memory and use the SIMD finder — only for scans that never overlap another wasm
 * scan in the same thread (files are scanned one after another).
 */
export async function scanStream(
  stream: Readable,
  query: TraceQuery,
  options: {context?: number; useWasm?: boolean} = {},
): Promise<ScanResult> {
  const {lines, scanner, feed} = streamFeed(query, options)
  try {
    for await (const chunk of stream) {
      feed.push(chunk as Buffer)
      if (scanner.binaryAt !== undefined) {
        stream.destroy()
        break
      }
    }

    feed.end()
  } catch (error) {
    feed.end()
    return {
      lines,
      matches: scanner.matches,
      bytes: feed.offset,
      binaryAt: scanner.binaryAt,
      error: {message: (error as Error).message, code: (error as NodeJS.ErrnoException).code, offset: feed.offset},
    }
  }

  return {lines, matches: scanner.matches, bytes: feed.offset, binaryAt: scanner.binaryAt}
}

export interface GzipScanOptions {
  context?: number
  /**
   * Decompress in a worker thread of its own while this thread searches (large files, a core to
   * spare). Without it zlib's thread-pool steps and the search take turns in this thread's loop.
   */
  worker?: boolean
}

/**
 * Scan a gzip file through zlib (no gzip process, no pipe). Concatenated members (logrotate
 * appends) are read as one stream. A truncated file keeps the lines found before the cut and
 * reports where it broke.
 */
export async function scanGzipFile(
  path: string,
  query: TraceQuery,
  options: GzipScanOptions = {},
): Promise<ScanResult> {
  const script = options.worker ? gunzipWorkerScript() : undefined
  const result = script
    ? await scanGzipInWorker(script, path, query, options)
    : await scanGzipInThread(path, query, options)
  if (result.error) {
    const msg =
      result.error.code === 'Z_BUF_ERROR' || /unexpected end/i.test(result.error.message)
        ? 'truncated gzip data'
        : result.error.code === 'EACCES'
          ? 'permission denied'
          : result.error.message
    result.error = {...result.error, message: msg}
  }

  return result
}

async function scanGzipInThread(path: string, query: TraceQuery, options: GzipScanOptions): Promise<ScanResult> {
  const file = createReadStream(path, {highWaterMark: 1024 * 1024})
  let compressed = 0
  file.on('data', (c) => (compressed += c.length))
  const gunzip = createGunzip({chunkSize: 256 * 1024})
  file.on('error', (e) => gunzip.destroy(e))
  const result = await scanStream(file.pipe(gunzip), query, {context: options.context, useWasm: true})
  file.destroy()
  if (result.error) result.error.compressedOffset = compressed
  return result
}

/** Output buffers of the gunzip worker: 1 MiB (256 KiB to 4 MiB measured the same here, within noise). */
const WORKER_CHUNK_BYTES = 1024 * 1024
/** How many travel between the threads: bounds memory (8 MiB) when the search lags. */
const WORKER_BUFFERS = 8

function gunzipWorkerScript(): URL | undefined {
  // Only the compiled build has a .js worker (on Node 20 a worker does not get tsx's hook), so
  // under tsx (unit tests) decompression stays in this thread; the integration tests cover both.
  if (!import.meta.url.endsWith('.js')) return undefined
  // '../logs/' rather than './': in the bundle this code may sit in dist/chunks/ (scripts/build.mjs).
  const url = new URL('../logs/gunzip-worker.js', import.meta.url)
  return existsSync(url) ? url : undefined
}

function scanGzipInWorker(script: URL, path: string, query: TraceQuery, options: GzipScanOptions): Promise<ScanResult> {
  const {lines, scanner, feed} = streamFeed(query, {context: options.context, useWasm: true})
  const {port1: returns, port2: workerReturns} = new MessageChannel()
  const returned = new Int32Array(new SharedArrayBuffer(4))
  const data: GunzipWorkerData = {
    path,
    chunkBytes: WORKER_CHUNK_BYTES,
    buffers: WORKER_BUFFERS,
    returns: workerReturns,
    returned,
  }
  let worker: Worker
  try {
    worker = new Worker(script, {workerData: data, transferList: [workerReturns]})
  } catch {
    return scanGzipInThread(path, query, options) // no thread to be had: decompress here
  }

  return new Promise<ScanResult | undefined>((resolve) => {
    let done = false
    const finish = (error?: ScanResult['error'], inThread = false) => {
      if (done) return
      done = true
      returns.close()
      void worker.terminate()
      if (inThread) return resolve(undefined)
      feed.end()
      const result: ScanResult = {lines, matches: scanner.matches, bytes: feed.offset, binaryAt: scanner.binaryAt}
      if (error) result.error = {...error, offset: feed.offset}
      resolve(result)
    }

    worker.on('message', (m: GunzipMessage) => {
      if (done) return
      switch (m.type) {
        case 'data': {
          feed.push(new Uint8Array(m.buffer, 0, m.length))
          if (scanner.binaryAt !== undefined) return finish()
          // Give the buffer back and wake the worker if it is waiting for one.
          returns.postMessage(m.buffer, [m.buffer])
          Atomics.add(returned, 0, 1)
          Atomics.notify(returned, 0)

          break
        }

        case 'end': {
          finish()

          break
        }

        case 'error': {
          finish({message: m.message, code: m.code, compressedOffset: m.compressed})

          break
        }

        default: {
          finish(undefined, true)
        }
      }
    })
    // A worker that fails before its first message (could not start) leaves the file to this thread.
    let heard = false
    worker.once('message', () => (heard = true))
    worker.on('error', (e: NodeJS.ErrnoException) => finish({message: e.message, code: e.code}, !heard))
    worker.on('exit', () => finish({message: 'gzip worker stopped early'}, !heard))
  }).then((result) => result ?? scanGzipInThread(path, query, options))
}
