/**
 * Unary gRPC calls on Node's own HTTP/2 client (node:http2, loaded on first use): h2c with prior
 * knowledge for http:// endpoints, TLS for https://. One connection per channel, calls multiplexed
 * on it, each under the channel's absolute deadline, its header list and body capped; nghttp2's
 * own flood limits (PING and SETTINGS acks, CONTINUATION frames) end a session
 * that floods.
 */
import type * as Http2 from 'node:http2'

import {createRequire} from 'node:module'

import {deadlineError, limitError, NetError, remainingMs} from './errors.js'
import {LIMITS} from './limits.js'

export interface GrpcTls {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
}

/** A call that ended with a gRPC status other than OK. */
export class GrpcStatusError extends Error {
  constructor(
    message: string,
    readonly grpcStatus: number,
  ) {
    super(message)
  }
}

/**
 * Flow-control window for answers, per stream and for the connection: a 10,000-key Range answer
 * is ~1 MB, and HTTP/2's default 64 KiB makes the server wait for a window update every 64 KiB.
 */
const WINDOW_BYTES = 16 * 1024 * 1024

/** RST_STREAM's CANCEL (RFC 9113 §7). */
const CANCEL = 8

/** HTTP/2 error codes by number (RFC 9113 §7), for GOAWAY and RST_STREAM text. */
const H2_ERRORS = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
]

export class GrpcChannel {
  private readonly session: Http2.ClientHttp2Session
  private sessionError: Error | undefined
  private goaway: string | undefined
  /** Calls under way, so that a GOAWAY can end those the server will not answer. */
  private readonly calls = new Set<{stream: Http2.ClientHttp2Stream; fail: (error: Error) => void}>()

  /** `source` names the server in every error ("etcd"; the caller's status line says where). */
  constructor(
    endpoint: string,
    tls: GrpcTls,
    readonly source: string,
    private readonly deadline: number,
  ) {
    const {connect} = createRequire(import.meta.url)('node:http2') as typeof Http2
    this.session = connect(endpoint, {
      ...tls,
      settings: {initialWindowSize: WINDOW_BYTES, enablePush: false, maxHeaderListSize: LIMITS.headerBytes},
      maxHeaderListPairs: 256,
      maxSettings: 32,
    })
    this.session.on('connect', () => this.session.setLocalWindowSize(WINDOW_BYTES))
    this.session.on('error', (error) => (this.sessionError ??= this.explain(error)))
    this.session.on('goaway', (code: number, last: number, debug?: Buffer) => {
      // node:http2 reports a GOAWAY twice, the second time without its debug data: keep the first text.
      if (!this.goaway || debug?.length) {
        this.goaway = `${H2_ERRORS[code] ?? `error ${code}`}${debug?.length ? `: ${debug.toString('latin1', 0, Math.min(debug.length, 200))}` : ''}`
      }

      // Calls the server will not answer (above its last stream id) fail now: node:http2 would keep them
      // open until the deadline after a GOAWAY with NO_ERROR.
      for (const call of this.calls) {
        if ((call.stream.id ?? Infinity) > last)
          call.fail(new NetError(`${this.source} closed the connection (GOAWAY ${this.goaway})`, 'EPROTO'))
      }
    })
  }

  /** One unary call: the message framed, sent, and the one answer message returned. */
  unary(path: string, message: Buffer, headers: [string, string][] = []): Promise<Buffer> {
    const left = remainingMs(this.deadline)
    if (left <= 0) return Promise.reject(deadlineError(this.source, 0))
    if (this.sessionError) return Promise.reject(this.sessionError)
    const frame = Buffer.allocUnsafe(5 + message.length)
    frame[0] = 0 // not compressed
    frame.writeUInt32BE(message.length, 1)
    message.copy(frame, 5)
    return new Promise((resolve, reject) => {
      let stream: Http2.ClientHttp2Stream
      try {
        stream = this.session.request({
          ':method': 'POST',
          ':path': path,
          'content-type': 'application/grpc',
          te: 'trailers',
          // gRPC allows at most 8 digits here.
          'grpc-timeout': `${Math.min(99_999_999, Math.max(1, Math.round(left)))}m`,
          ...Object.fromEntries(headers),
        })
      } catch (error) {
        return reject(this.sessionError ?? this.explain(error as Error))
      }

      const fields = new Map<string, string>()
      const chunks: Buffer[] = []
      let size = 0
      let failure: Error | undefined
      const fail = (error: Error) => {
        failure ??= error
        stream.close(CANCEL)
      }

      // A server that sent GOAWAY and then never answers: the deadline's line says what it sent.
      const timeout = () =>
        this.goaway
          ? new NetError(
              `${this.source} did not answer within ${Math.round(left)} ms after closing the connection (GOAWAY ${this.goaway})`,
              'ETIMEDOUT',
            )
          : deadlineError(this.source, left)
      const timer = setTimeout(() => fail(timeout()), left)
      const call = {stream, fail}
      this.calls.add(call)
      const take = (h: Record<string, unknown>) => {
        for (const [name, value] of Object.entries(h)) fields.set(name, String(value))
      }

      stream.on('response', take) // a trailers-only answer carries the status here
      stream.on('trailers', take)
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > LIMITS.bodyBytes + 5) return fail(limitError(this.source, 'an answer', LIMITS.bodyBytes))
        chunks.push(chunk)
      })
      stream.on('error', (error) => (failure ??= this.explain(error)))
      stream.on('close', () => {
        clearTimeout(timer)
        this.calls.delete(call)
        if (failure) return reject(failure === this.sessionError ? failure : (this.sessionError ?? failure))
        if (this.sessionError) return reject(this.sessionError)
        try {
          resolve(this.answer(fields, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)))
        } catch (error) {
          reject(error)
        }
      })
      stream.end(frame)
    })
  }

  close(): void {
    this.session.destroy()
  }

  private answer(fields: Map<string, string>, body: Buffer): Buffer {
    const status = fields.get('grpc-status')
    if (status === undefined) {
      if (this.goaway) throw new NetError(`${this.source} closed the connection (GOAWAY ${this.goaway})`, 'EPROTO')
      throw new NetError(`${this.source} ended the call without a gRPC status`, 'EPROTO')
    }

    if (status !== '0')
      throw new GrpcStatusError(grpcMessage(fields.get('grpc-message')) || `gRPC status ${status}`, Number(status))
    if (body.length < 5 || body[0] !== 0)
      throw new NetError(
        `${this.source} sent an unexpected ${body.length < 5 ? 'empty' : 'compressed'} answer`,
        'EPROTO',
      )
    const length = body.readUInt32BE(1)
    if (length !== body.length - 5)
      throw new NetError(
        `${this.source} sent a gRPC message whose length (${length}) is not its size (${body.length - 5})`,
        'EPROTO',
      )
    return body.subarray(5)
  }

  /** node:http2's errors as what they mean to someone who pointed mcp at this server. */
  private explain(error: Error & {code?: string; cause?: unknown}): Error {
    if (error instanceof NetError) return error
    // A stream cancelled because its session failed says "caused by …": the cause is what to act on.
    if (error.code === 'ERR_HTTP2_STREAM_CANCEL' && error.cause instanceof Error)
      return this.sessionError ?? this.explain(error.cause as Error)
    if (this.goaway) return new NetError(`${this.source} closed the connection (GOAWAY ${this.goaway})`, 'EPROTO')
    if (error.code === 'ERR_HTTP2_STREAM_ERROR' && /ENHANCE_YOUR_CALM/.test(error.message)) {
      return new NetError(
        `${this.source} sent a header block over the ${LIMITS.headerBytes / 1024} KiB limit or a flood of frames`,
        'ELIMIT',
      )
    }

    if (
      error.code === 'ERR_HTTP2_ERROR' ||
      error.code === 'ERR_HTTP2_SESSION_ERROR' ||
      error.code === 'ERR_HTTP2_STREAM_ERROR' ||
      error.code === 'ERR_HTTP2_INVALID_SESSION'
    ) {
      return new NetError(`${this.source} broke the HTTP/2 protocol (${error.message.slice(0, 80)})`, 'EPROTO')
    }

    return error
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
