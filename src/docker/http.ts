import {request as httpRequest, RequestOptions} from 'node:http'
import type * as Https from 'node:https'
import {createRequire} from 'node:module'
import {connect} from 'node:net'

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
export function dockerGetJson<T>(client: DockerClient, path: string): Promise<T> {
  const o = client.target.options as {socketPath?: string; host?: string; port?: number; protocol?: string; ca?: Buffer; cert?: Buffer; key?: Buffer}
  const https = o.protocol === 'https'
  const options: RequestOptions & {ca?: Buffer; cert?: Buffer; key?: Buffer} = {
    method: 'GET',
    path,
    headers: {accept: 'application/json', host: 'docker'},
    // A unix socket is connected directly: no agent (whose server-name check compiles an IPv6
    // regular expression on first use, ~5 ms of a short command).
    ...(o.socketPath ? {createConnection: () => connect(o.socketPath!)} : {host: o.host, port: o.port}),
    ...(https ? {ca: o.ca, cert: o.cert, key: o.key} : {}),
  }
  return new Promise<T>((resolve, reject) => {
    // node:https (and TLS with it) only for a TLS daemon: loading it costs every other run ~5 ms.
    const request = https ? (createRequire(import.meta.url)('node:https') as typeof Https).request : httpRequest
    const req = request(options, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        if ((res.statusCode ?? 0) >= 400) {
          let message = body.trim()
          try {
            message = (JSON.parse(body) as {message?: string}).message ?? message
          } catch {
            // not JSON: the text is the message
          }
          reject(new DockerApiError(res.statusCode ?? 0, message, path))
          return
        }
        try {
          resolve(JSON.parse(body) as T)
        } catch (error) {
          reject(new Error(`Docker answered ${path} with something that is not JSON: ${(error as Error).message}`))
        }
      })
      res.on('error', reject)
    })
    if (client.timeoutMs > 0) req.setTimeout(client.timeoutMs, () => req.destroy(Object.assign(new Error(`Docker did not answer within ${client.timeoutMs} ms`), {code: 'ETIMEDOUT'})))
    req.on('error', reject)
    req.end()
  })
}

/** `?filters=…&all=…` as the Engine API wants them. */
export function query(params: Record<string, unknown>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
  return parts.length ? `?${parts.join('&')}` : ''
}
