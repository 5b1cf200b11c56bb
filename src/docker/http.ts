import type * as Https from 'node:https'
import {createRequire} from 'node:module'
import {connect, NetConnectOpts} from 'node:net'

import type {DockerClient} from './client.js'

/** An Engine API error, shaped like dockerode's (statusCode, message) so callers treat both alike. */
export class DockerApiError extends Error {
  constructor(readonly statusCode: number, message: string, readonly path: string) {
    super(`(HTTP code ${statusCode}) ${message}`)
  }
}

/** Whether a plain HTTP GET reaches this daemon (unix socket, tcp, tls); ssh needs dockerode. */
export function canGetDirectly(client: DockerClient): boolean {
  return (client.target.options as {protocol?: string}).protocol !== 'ssh'
}

/**
 * GET an Engine API path and parse the JSON: what the list calls on discover's path need, without
 * loading dockerode. Bounded by the client's timeout (a socket that accepts and never answers
 * fails, not hangs).
 */
export async function dockerGetJson<T>(client: DockerClient, path: string): Promise<T> {
  const o = client.target.options as {socketPath?: string; host?: string; port?: number; protocol?: string; ca?: Buffer; cert?: Buffer; key?: Buffer}
  const {status, body} = o.protocol === 'https' ? await httpsGet(o, path, client.timeoutMs) : await plainGet(o.socketPath ? {path: o.socketPath} : {host: o.host, port: o.port}, path, client.timeoutMs)
  const text = body.toString('utf8')
  if (status >= 400) {
    let message = text.trim()
    try {
      message = (JSON.parse(text) as {message?: string}).message ?? message
    } catch {
      // not JSON: the text is the message
    }
    throw new DockerApiError(status, message, path)
  }
  try {
    return JSON.parse(text) as T
  } catch (error) {
    throw new Error(`Docker answered ${path} with something that is not JSON: ${(error as Error).message}`)
  }
}

function timeoutError(timeoutMs: number): Error {
  return Object.assign(new Error(`Docker did not answer within ${timeoutMs} ms`), {code: 'ETIMEDOUT'})
}

/** A TLS daemon: node:https (and TLS with it), loaded only then. */
function httpsGet(o: {host?: string; port?: number; ca?: Buffer; cert?: Buffer; key?: Buffer}, path: string, timeoutMs: number): Promise<{status: number; body: Buffer}> {
  const {request} = createRequire(import.meta.url)('node:https') as typeof Https
  return new Promise((resolve, reject) => {
    const req = request({method: 'GET', path, host: o.host, port: o.port, ca: o.ca, cert: o.cert, key: o.key, headers: {accept: 'application/json', host: 'docker'}}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks)}))
      res.on('error', reject)
    })
    if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(timeoutError(timeoutMs)))
    req.on('error', reject)
    req.end()
  })
}

/**
 * One GET as HTTP/1.1 on a unix or TCP socket of its own (Connection: close), the answer read by
 * Content-Length, chunked coding or the close. Why not node:http: loading it costs ~4 ms of every
 * command, and its client's machinery ~2–3 ms more for the two GETs a discover makes.
 */
export function plainGet(to: {path: string} | {host?: string; port?: number}, path: string, timeoutMs: number): Promise<{status: number; body: Buffer}> {
  return new Promise((resolve, reject) => {
    const socket = connect(to as NetConnectOpts)
    let finished = false
    const finish = (error: Error | undefined, answer?: {status: number; body: Buffer}) => {
      if (finished) return
      finished = true
      socket.destroy()
      if (error) reject(error)
      else resolve(answer!)
    }
    const reader = new ResponseReader()
    socket.on('data', (chunk: Buffer) => {
      try {
        if (reader.push(chunk)) finish(undefined, reader.answer())
      } catch (error) {
        finish(error as Error)
      }
    })
    socket.on('end', () => {
      if (reader.endsAtClose()) finish(undefined, reader.answer())
      else finish(new Error('Docker closed the connection before its answer was complete'))
    })
    socket.on('error', (error) => finish(error))
    if (timeoutMs > 0) socket.setTimeout(timeoutMs, () => finish(timeoutError(timeoutMs)))
    // write, not end: a server may take a half-closed connection for a client that went away.
    socket.write(`GET ${path} HTTP/1.1\r\nHost: docker\r\nAccept: application/json\r\nConnection: close\r\n\r\n`)
  })
}

/** Longest status, header or chunk-size line taken: anything longer is not an Engine API answer. */
const MAX_LINE = 16 * 1024

/** An HTTP/1.1 response read as its bytes arrive (RFC 9112: status line, fields, framed body). */
export class ResponseReader {
  private headText = ''
  private status = 0
  private framing: 'length' | 'chunked' | 'close' | undefined
  private left = 0
  private readonly parts: Buffer[] = []
  private chunkState: 'size' | 'data' | 'data-end' | 'trailer' = 'size'
  private line = ''
  private complete = false

  /** Take the next bytes; true once the answer is complete. */
  push(chunk: Buffer): boolean {
    let at = 0
    if (this.framing === undefined) {
      const before = this.headText.length
      this.headText += chunk.toString('latin1')
      const end = this.headText.indexOf('\r\n\r\n')
      if (end < 0) {
        if (this.headText.length > MAX_LINE * 4) throw new Error('Docker sent a header block too large to be an Engine API answer')
        return false
      }
      this.readHead(this.headText.slice(0, end))
      at = end + 4 - before
      this.headText = ''
    }
    if (this.framing === 'chunked') this.readChunked(chunk, at)
    else if (at < chunk.length) {
      const piece = this.framing === 'length' ? chunk.subarray(at, at + this.left) : chunk.subarray(at)
      this.parts.push(piece)
      if (this.framing === 'length') this.left -= piece.length
    }
    if (this.framing === 'length' && this.left === 0) this.complete = true
    return this.complete
  }

  /** A body delimited by the close is complete when the server closes. */
  endsAtClose(): boolean {
    return this.complete || this.framing === 'close'
  }

  answer(): {status: number; body: Buffer} {
    return {status: this.status, body: this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts)}
  }

  private readHead(head: string): void {
    const lines = head.split('\r\n')
    const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')
    if (!statusLine) throw new Error(`Docker answered something that is not HTTP: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`)
    this.status = Number(statusLine[1])
    let length: number | undefined
    let chunked = false
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon <= 0) continue
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value)
      else if (name === 'content-length') {
        if (!/^\d+$/.test(value)) throw new Error(`Docker sent a bad Content-Length: ${JSON.stringify(value.slice(0, 40))}`)
        length = Number(value)
      }
    }
    // No body for 1xx, 204 and 304 (RFC 9112 §6.3).
    const bodiless = this.status < 200 || this.status === 204 || this.status === 304
    this.framing = chunked ? 'chunked' : bodiless ? 'length' : length !== undefined ? 'length' : 'close'
    this.left = bodiless ? 0 : (length ?? 0)
  }

  private readChunked(chunk: Buffer, at: number): void {
    while (at < chunk.length && !this.complete) {
      if (this.chunkState === 'data') {
        const n = Math.min(this.left, chunk.length - at)
        this.parts.push(chunk.subarray(at, at + n))
        this.left -= n
        at += n
        if (this.left === 0) this.chunkState = 'data-end'
        continue
      }
      // The size line, the CRLF after the data, or a trailer line.
      const newline = chunk.indexOf(10, at)
      this.line += chunk.toString('latin1', at, newline < 0 ? chunk.length : newline)
      if (this.line.length > MAX_LINE) throw new Error('Docker sent a malformed chunked answer')
      if (newline < 0) return
      at = newline + 1
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line
      this.line = ''
      if (this.chunkState === 'size') {
        const size = /^([0-9a-fA-F]+)\s*(;.*)?$/.exec(line)
        if (!size) throw new Error('Docker sent a malformed chunked answer')
        this.left = parseInt(size[1]!, 16)
        this.chunkState = this.left === 0 ? 'trailer' : 'data'
      } else if (this.chunkState === 'data-end') {
        if (line !== '') throw new Error('Docker sent a malformed chunked answer')
        this.chunkState = 'size'
      } else if (line === '') {
        this.complete = true
      }
    }
  }
}

/** `?filters=…&all=…` as the Engine API wants them. */
export function query(params: Record<string, unknown>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
  return parts.length ? `?${parts.join('&')}` : ''
}
