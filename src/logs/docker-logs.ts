import type {Readable} from 'node:stream'

import type {DockerClient} from '../docker/client.js'
import {LineScanner, ScannedLine, StreamScanner} from './scanner.js'
import {ScanResult} from './file-scan.js'
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

function refFromInspect(info: InspectLike, labelPrefix: string): ContainerRef {
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    service: info.Config?.Labels?.[`${labelPrefix}.service.name`] || undefined,
    tty: Boolean(info.Config?.Tty),
  }
}

/**
 * The containers named by --container (name or id), --service (by the service-name label) and
 * --all-containers (every container carrying it), stopped ones included: a failed request's
 * container may have exited. Unknown names are problems, not failures.
 */
export async function resolveContainers(client: DockerClient, sel: ContainerSelection): Promise<{containers: ContainerRef[]; problems: ContainerProblem[]}> {
  const problems: ContainerProblem[] = []
  const byId = new Map<string, ContainerRef>()
  const nameLabel = `${sel.labelPrefix}.service.name`
  for (const name of sel.names) {
    try {
      const info = (await client.docker.getContainer(name).inspect()) as InspectLike
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
    const list = await client.docker.listContainers({all: true, filters: JSON.stringify({label: [filter]}) as never})
    if (list.length === 0 && !sel.all) problems.push({name: filter.slice(nameLabel.length + 1), message: `no container carries the label ${filter}`})
    for (const c of list) {
      if (byId.has(c.Id)) continue
      try {
        const info = (await client.docker.getContainer(c.Id).inspect()) as InspectLike
        byId.set(info.Id, refFromInspect(info, sel.labelPrefix))
      } catch (error) {
        // Removed between the list and the inspect: it is gone, nothing to search.
        if ((error as {statusCode?: number}).statusCode !== 404) throw error
      }
    }
  }
  return {containers: [...byId.values()], problems}
}

/**
 * Splits Docker's multiplexed log stream: frames of [stream, 0, 0, 0, size (uint32 BE)] + payload.
 * Frames may arrive split across chunks, and one chunk may hold many frames.
 */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0)
  constructor(private readonly onFrame: (stream: 1 | 2, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    let at = 0
    while (buf.length - at >= 8) {
      const size = buf.readUInt32BE(at + 4)
      if (buf.length - at - 8 < size) break
      const stream = buf[at] === 2 ? 2 : 1
      this.onFrame(stream, buf.subarray(at + 8, at + 8 + size))
      at += 8 + size
    }
    buf = buf.subarray(at)
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0)
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

/** Open the logs endpoint as a stream (dockerode buffers the whole body unless following). */
function openLogs(client: DockerClient, id: string, params: Record<string, unknown>): Promise<Readable> {
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
  options: {context?: number; window?: LogWindow; follow?: boolean; signal?: AbortSignal; onLine?: (line: ContainerLine) => void} = {},
): Promise<ScanResult & {lines: ContainerLine[]}> {
  const lines: ContainerLine[] = []
  const make = (stream: 'stdout' | 'stderr') => {
    const scanner = new LineScanner(query, {
      context: options.context,
      onLine: (l) => {
        const line = {...l, stream}
        if (options.onLine) options.onLine(line)
        else lines.push(line)
      },
    })
    return {scanner, feed: new StreamScanner(scanner, {initialSize: 256 * 1024, eager: Boolean(options.follow)})}
  }
  const out = make('stdout')
  const err = make('stderr')
  const params: Record<string, unknown> = {stdout: true, stderr: true, timestamps: true, follow: Boolean(options.follow)}
  if (options.window?.since !== undefined) params.since = options.window.since
  if (options.window?.until !== undefined) params.until = options.window.until
  const stream = await openLogs(client, ref.id, params)
  const demux = new FrameDemuxer((s, payload) => (s === 2 ? err : out).feed.push(payload))
  const onAbort = () => stream.destroy()
  options.signal?.addEventListener('abort', onAbort, {once: true})
  try {
    for await (const chunk of stream) {
      if (ref.tty) out.feed.push(chunk as Buffer)
      else demux.push(chunk as Buffer)
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  out.feed.end()
  err.feed.end()
  lines.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)) // both streams start with Docker's RFC 3339 time
  return {lines, matches: out.scanner.matches + err.scanner.matches, bytes: out.feed.offset + err.feed.offset}
}
