import type {Readable} from 'node:stream'

import type {DockerClient} from '../docker/client.js'

import {query as apiQuery, canGetDirectly, dockerGetJson, dockerGetStream} from '../docker/api.js'
import {labelKeys} from '../model/labels.js'
import {deadlineError, remainingMs} from '../net/errors.js'
import {bytesText, LIMITS} from '../net/limits.js'
import {ScanResult} from './file-scan.js'
import {LineScanner, ScannedLine, StreamScanner} from './scanner.js'
import {TraceQuery} from './trace-id.js'

/** A container whose logs are searched. */
export interface ContainerRef {
  id: string
  name: string
  /** The value of <prefix>.service.name, when the container carries it. */
  service?: string
  /** TTY containers send raw bytes; others send the multiplexed stdout/stderr frame format. */
  tty: boolean
}

export interface ContainerSelection {
  names: string[]
  services: string[]
  all: boolean
  labelPrefix: string
}

export interface ContainerProblem {
  name: string
  message: string
}

interface InspectLike {
  Id: string
  Name: string
  Config?: {Tty?: boolean; Labels?: Record<string, string> | null}
}

function inspect(client: DockerClient, id: string, deadline: number | undefined): Promise<InspectLike> {
  if (canGetDirectly(client))
    return dockerGetJson<InspectLike>(client, `/containers/${encodeURIComponent(id)}/json`, deadline)
  return client.docker.getContainer(id).inspect() as Promise<InspectLike>
}

function refFromInspect(info: InspectLike, labelPrefix: string): ContainerRef {
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    service: info.Config?.Labels?.[labelKeys(labelPrefix).serviceName] || undefined,
    tty: Boolean(info.Config?.Tty),
  }
}

/**
 * The containers named by --container (name or id), --service (by the service-name label) and
 * --all-containers (every container carrying it), stopped ones included: a failed request's
 * container may have exited. Unknown names are problems, not failures.
 */
export async function resolveContainers(
  client: DockerClient,
  sel: ContainerSelection,
  deadline?: number,
): Promise<{containers: ContainerRef[]; problems: ContainerProblem[]}> {
  const problems: ContainerProblem[] = []
  const byId = new Map<string, ContainerRef>()
  const nameLabel = labelKeys(sel.labelPrefix).serviceName
  for (const name of sel.names) {
    try {
      const info = await inspect(client, name, deadline)
      byId.set(info.Id, refFromInspect(info, sel.labelPrefix))
    } catch (error) {
      const status = (error as {statusCode?: number}).statusCode
      if (status === 404) problems.push({name, message: 'no such container'})
      else throw error
    }
  }

  const labelFilters: string[] = []
  if (sel.all) labelFilters.push(nameLabel)
  else for (const s of sel.services) labelFilters.push(`${nameLabel}=${s}`)
  for (const filter of labelFilters) {
    const list = canGetDirectly(client)
      ? await dockerGetJson<{Id: string}[]>(
          client,
          `/containers/json${apiQuery({all: 'true', filters: {label: [filter]}})}`,
          deadline,
        )
      : await client.docker.listContainers({all: true, filters: JSON.stringify({label: [filter]}) as never})
    if (list.length === 0 && !sel.all)
      problems.push({name: filter.slice(nameLabel.length + 1), message: `no container carries the label ${filter}`})
    for (const c of list) {
      if (byId.has(c.Id)) continue
      try {
        const info = await inspect(client, c.Id, deadline)
        byId.set(info.Id, refFromInspect(info, sel.labelPrefix))
      } catch (error) {
        // Removed between the list and the inspect: it is gone, nothing to search.
        if ((error as {statusCode?: number}).statusCode !== 404) throw error
      }
    }
  }

  return {containers: [...byId.values()], problems}
}

/** A log stream that is not Docker's frame format, or breaks a limit. */
export class LogStreamError extends Error {}

/**
 * Splits Docker's multiplexed log stream: frames of [stream, 0, 0, 0, size (uint32 BE)] + payload.
 * Frames may arrive split across chunks, and one chunk may hold many frames. Payload bytes are
 * handed on as they arrive (a frame split across chunks comes out in pieces), so nothing is
 * buffered but an unfinished 8-byte header; a header that is not Docker's (a stream other than
 * 0–2, non-zero padding, a size over LIMITS.logFrameBytes) ends the stream with a LogStreamError.
 */
export class FrameDemuxer {
  private readonly header = Buffer.alloc(8)
  private headerBytes = 0
  private stream: 1 | 2 = 1
  /** Payload bytes of the current frame still to come. */
  private left = 0

  constructor(
    private readonly onPayload: (stream: 1 | 2, payload: Buffer) => void,
    private readonly source = 'Docker',
  ) {}

  push(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - at)
        this.onPayload(this.stream, chunk.subarray(at, at + n))
        this.left -= n
        at += n
        continue
      }

      const n = Math.min(8 - this.headerBytes, chunk.length - at)
      chunk.copy(this.header, this.headerBytes, at, at + n)
      this.headerBytes += n
      at += n
      if (this.headerBytes < 8) return
      this.headerBytes = 0
      const h = this.header
      if (h[0]! > 2 || h[1] !== 0 || h[2] !== 0 || h[3] !== 0) {
        throw new LogStreamError(
          `${this.source} sent a log stream that is not in Docker's frame format (header ${h.toString('hex')})`,
        )
      }

      this.stream = h[0] === 2 ? 2 : 1
      this.left = h.readUInt32BE(4)
      if (this.left > LIMITS.logFrameBytes) {
        throw new LogStreamError(
          `${this.source} sent a log frame of ${bytesText(this.left)}, over the ${bytesText(LIMITS.logFrameBytes)} limit`,
        )
      }
    }
  }
}

export interface ContainerLine extends ScannedLine {
  stream: 'stdout' | 'stderr'
}

export interface LogWindow {
  /** Unix seconds (fractions allowed), as the API takes them. */
  since?: number
  until?: number
}

/**
 * Open the logs endpoint as a stream: through src/net where it can (unix, tcp, tls), through
 * dockerode's modem for ssh (dockerode buffers the whole body unless asked for a stream).
 */
function openLogs(
  client: DockerClient,
  id: string,
  params: Record<string, unknown>,
  deadline: number | undefined,
): Promise<Readable> {
  if (canGetDirectly(client))
    return dockerGetStream(client, `/containers/${encodeURIComponent(id)}/logs${apiQuery(params)}`, deadline)
  return new Promise((resolve, reject) => {
    client.docker.modem.dial(
      {
        path: `/containers/${encodeURIComponent(id)}/logs?`,
        method: 'GET',
        options: params,
        isStream: true,
        statusCodes: {200: true, 404: 'no such container', 500: 'server error'},
      },
      (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as Readable)),
    )
  })
}

/**
 * Search one container's logs for the id through the logs API, with Docker's timestamps. stdout and
 * stderr are scanned separately so their lines never interleave mid-line. With `follow`, lines keep
 * coming through onLine until `signal` aborts.
 */
export async function scanContainerLogs(
  client: DockerClient,
  ref: ContainerRef,
  query: TraceQuery,
  options: {
    context?: number
    window?: LogWindow
    follow?: boolean
    signal?: AbortSignal
    onLine?: (line: ContainerLine) => void
    deadline?: number
  } = {},
): Promise<ScanResult & {lines: ContainerLine[]}> {
  const lines: ContainerLine[] = []
  const make = (stream: 'stdout' | 'stderr') => {
    const scanner = new LineScanner(query, {
      context: options.context,
      onLine(l) {
        const line = {...l, stream}
        if (options.onLine) options.onLine(line)
        else lines.push(line)
      },
    })
    return {
      scanner,
      feed: new StreamScanner(scanner, {
        initialSize: 256 * 1024,
        eager: Boolean(options.follow),
        maxLine: LIMITS.logLineBytes,
      }),
    }
  }

  const out = make('stdout')
  const err = make('stderr')
  const params: Record<string, unknown> = {
    stdout: true,
    stderr: true,
    timestamps: true,
    follow: Boolean(options.follow),
  }
  if (options.window?.since !== undefined) params.since = options.window.since
  if (options.window?.until !== undefined) params.until = options.window.until
  // The whole read is under the command's deadline unless it follows (then the signal ends it).
  const deadline = options.follow
    ? undefined
    : (options.deadline ?? (client.timeoutMs > 0 ? Date.now() + client.timeoutMs : undefined))
  const stream = await openLogs(client, ref.id, params, deadline)
  const demux = new FrameDemuxer((s, payload) => (s === 2 ? err : out).feed.push(payload))
  const onAbort = () => stream.destroy()
  options.signal?.addEventListener('abort', onAbort, {once: true})
  const left = remainingMs(deadline)
  const timer = Number.isFinite(left)
    ? setTimeout(() => stream.destroy(deadlineError('Docker', left)), Math.max(0, left))
    : undefined
  try {
    for await (const chunk of stream) {
      if (ref.tty) out.feed.push(chunk as Buffer)
      else demux.push(chunk as Buffer)
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
  }

  out.feed.end()
  err.feed.end()
  lines.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)) // both streams start with Docker's RFC 3339 time
  return {lines, matches: out.scanner.matches + err.scanner.matches, bytes: out.feed.offset + err.feed.offset}
}
