import type {Readable} from 'node:stream'

import type {DockerClient} from './client.js'

import {httpRequest, httpStream, HttpTarget} from '../net/http.js'

/** An Engine API error, shaped like dockerode's (statusCode, message) so callers treat both alike. */
export class DockerApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly path: string,
  ) {
    super(`(HTTP code ${statusCode}) ${message}`)
  }
}

/** Whether the Engine API is reached through src/net (unix socket, tcp, tls); ssh needs dockerode. */
export function canGetDirectly(client: DockerClient): boolean {
  return (client.target.options as {protocol?: string}).protocol !== 'ssh'
}

function targetOf(client: DockerClient): HttpTarget {
  const o = client.target.options as {
    socketPath?: string
    host?: string
    port?: number
    protocol?: string
    ca?: Buffer
    cert?: Buffer
    key?: Buffer
  }
  if (o.socketPath) return {protocol: 'http:', socketPath: o.socketPath}
  return {
    protocol: o.protocol === 'https' ? 'https:' : 'http:',
    host: o.host,
    port: o.port,
    ca: o.ca,
    cert: o.cert,
    key: o.key,
  }
}

/** The deadline of a call made now: the client's timeout (0: none, for followed streams). */
function deadlineOf(client: DockerClient, deadline?: number): number | undefined {
  if (deadline !== undefined) return deadline
  return client.timeoutMs > 0 ? Date.now() + client.timeoutMs : undefined
}

const HEADERS = {accept: 'application/json', host: 'docker'}

/** A non-2xx answer as Docker's own message. */
function apiError(status: number, text: string, path: string): DockerApiError {
  let message = text.trim()
  try {
    message = (JSON.parse(text) as {message?: string}).message ?? message
  } catch {
    // not JSON: the text is the message
  }

  return new DockerApiError(status, message.slice(0, 500), path)
}

/**
 * GET an Engine API path and parse the JSON, without loading dockerode: the list calls on
 * discover's path, inspect and lists for trace. Under the client's timeout (or `deadline`), the
 * reply capped (src/net/limits.ts).
 */
export async function dockerGetJson<T>(client: DockerClient, path: string, deadline?: number): Promise<T> {
  const {status, body} = await httpRequest(targetOf(client), {
    source: 'Docker',
    path,
    headers: HEADERS,
    deadline: deadlineOf(client, deadline),
  })
  const text = body.toString('utf8')
  if (status >= 400) throw apiError(status, text, path)
  try {
    return JSON.parse(text) as T
  } catch (error) {
    throw new Error(`Docker answered ${path} with something that is not JSON: ${(error as Error).message}`)
  }
}

/**
 * GET an Engine API path as a stream (container logs). The deadline runs over the whole body;
 * without one (a followed stream) only the wait for the headers is bounded, by the client's timeout.
 */
export async function dockerGetStream(
  client: DockerClient,
  path: string,
  deadline: number | undefined,
): Promise<Readable> {
  const call = {
    source: 'Docker',
    path,
    headers: HEADERS,
    deadline: deadlineOf(client, deadline),
    headersOnly: deadline === undefined,
  }
  const {status, body} = await httpStream(targetOf(client), call)
  if (status >= 400) {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of body) {
      if ((size += (chunk as Buffer).length) > 64 * 1024) break
      chunks.push(chunk as Buffer)
    }

    body.destroy()
    throw apiError(status, Buffer.concat(chunks).toString('utf8'), path)
  }

  return body
}

/** `?filters=…&all=…` as the Engine API wants them. */
export function query(params: Record<string, unknown>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
  return parts.length > 0 ? `?${parts.join('&')}` : ''
}
