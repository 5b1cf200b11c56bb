/**
 * HTTP/1.1 on Node's own client (node:http, node:https for TLS; each loaded on first use): the
 * Docker Engine API on a unix socket, tcp or tls, Consul, etcd's /health and health probes. Every
 * call runs under an absolute deadline (a reply that trickles a byte a second is cut there, as
 * one that never answers is), with its header block and body capped (src/net/limits.ts).
 */
import type * as Http from 'node:http'

import {createRequire} from 'node:module'

import {deadlineError, limitError, NetError, remainingMs} from './errors.js'
import {LIMITS} from './limits.js'

export interface HttpTarget {
  protocol: 'http:' | 'https:'
  host?: string
  port?: number
  /** A unix socket (the Engine API's usual address). */
  socketPath?: string
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
}

export interface HttpCall {
  /** Who answers ("Docker", "Consul"): every error names it; the caller's status line says where. */
  source: string
  path: string
  method?: 'GET' | 'HEAD'
  headers?: Record<string, string>
  /** A Date.now() time after which the call fails; undefined only for a followed stream. */
  deadline: number | undefined
  /** The deadline bounds only the wait for the headers (a followed stream, read until aborted). */
  headersOnly?: boolean
  /** Body cap; LIMITS.bodyBytes when not given. */
  maxBodyBytes?: number
}

export interface HttpReply {
  status: number
  headers: Http.IncomingHttpHeaders
  body: Buffer
}

export interface HttpStream {
  status: number
  headers: Http.IncomingHttpHeaders
  /** The body as it arrives; the deadline keeps running over it, failing it when it passes. */
  body: Http.IncomingMessage
}

const require = createRequire(import.meta.url)

/** The target of an http:// or https:// URL (its path is ignored). */
export function httpTargetOf(url: URL, tls: {ca?: Buffer; cert?: Buffer; key?: Buffer} = {}): HttpTarget {
  const https = url.protocol === 'https:'
  return {
    protocol: https ? 'https:' : 'http:',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : https ? 443 : 80,
    ...(https ? tls : {}),
  }
}

/** One request and its whole body (capped), under the call's deadline. */
export async function httpRequest(target: HttpTarget, call: HttpCall): Promise<HttpReply> {
  const cap = call.maxBodyBytes ?? LIMITS.bodyBytes
  const {status, headers, body, finish} = await open(target, call)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    body.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > cap) return body.destroy(limitError(call.source, 'a reply', cap))
      chunks.push(chunk)
    })
    body.on('end', () => {
      finish()
      resolve({status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)})
    })
    body.on('error', (error) => {
      finish()
      reject(asNetError(error, call.source))
    })
  })
}

/** A request whose body the caller reads as a stream (Docker logs), still under the deadline. */
export async function httpStream(target: HttpTarget, call: HttpCall): Promise<HttpStream> {
  const {status, headers, body, finish} = await open(target, call)
  body.once('close', finish)
  return {status, headers, body}
}

function open(target: HttpTarget, call: HttpCall): Promise<HttpStream & {finish: () => void}> {
  const left = remainingMs(call.deadline)
  if (left <= 0) return Promise.reject(deadlineError(call.source, 0))
  const {request} = require(target.protocol === 'https:' ? 'node:https' : 'node:http') as typeof Http
  return new Promise((resolve, reject) => {
    const req = request({
      method: call.method ?? 'GET',
      path: call.path,
      host: target.socketPath ? undefined : target.host,
      port: target.socketPath ? undefined : target.port,
      socketPath: target.socketPath,
      headers: call.headers,
      agent: false, // one connection per call, closed after it: nothing idle keeps the process open
      maxHeaderSize: LIMITS.headerBytes,
      // Plain HTTP has no server name to send; left unset, Node's agent works one out for every request
      // with net.isIP, whose first call compiles a large regular expression (docs/performance.md).
      ...(target.protocol === 'https:' ? {ca: target.ca, cert: target.cert, key: target.key} : {servername: ''}),
    } as Http.RequestOptions)
    const timer = Number.isFinite(left)
      ? setTimeout(() => req.destroy(deadlineError(call.source, left)), left)
      : undefined
    const finish = () => clearTimeout(timer)
    req.on('response', (res) => {
      // A failure of the body (the deadline, a reset) reaches its reader through the body.
      req.removeAllListeners('error')
      req.on('error', (error) => res.destroy(error))
      if (call.headersOnly) finish()
      resolve({status: res.statusCode ?? 0, headers: res.headers, body: res, finish})
    })
    req.on('error', (error) => {
      finish()
      reject(asNetError(error, call.source))
    })
    req.end()
  })
}

/** Node's parser errors as what they mean; socket errors (ECONNREFUSED…) as they are. */
export function asNetError(error: Error & {code?: string; reason?: string}, source: string): Error {
  if (error instanceof NetError) return error
  if (error.code === 'HPE_HEADER_OVERFLOW') return limitError(source, 'a header block', LIMITS.headerBytes)
  if (error.code?.startsWith('HPE_')) {
    return new NetError(
      `${source} answered something that is not HTTP/1.1 (${(error.reason ?? error.message).slice(0, 80)})`,
      'EPROTO',
    )
  }

  return error
}
