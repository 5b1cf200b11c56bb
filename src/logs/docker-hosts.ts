import type {Readable} from 'node:stream'

import type {DockerClient} from '../docker/client.js'
import type {ScanResult} from './file-scan.js'
import type {SourceInfo} from './timeline.js'
import type {TraceQuery} from './trace-id.js'

import {query as apiQuery, canGetDirectly, dockerGetJson, dockerGetStream} from '../docker/api.js'
import {labelKeys} from '../model/labels.js'
import {deadlineError, remainingMs} from '../net/errors.js'
import {LIMITS} from '../net/limits.js'
import {mapLimit} from '../net/pool.js'
import {
  ContainerLine,
  ContainerRef,
  ContainerSelection,
  FrameDemuxer,
  LogStreamError,
  LogWindow,
  resolveContainers,
  scanContainerLogs,
} from './docker-logs.js'
import {LineScanner, MAX_TEXT_BYTES, StreamScanner} from './scanner.js'

/** One Docker daemon to search: how it was named (endpoint or context) and how to connect. */
export interface DockerHost {
  label: string
  open: () => Promise<DockerClient>
}

export interface HostSource {
  info: SourceInfo
  result: ScanResult & {lines: ContainerLine[]}
}

export interface HostProblem {
  source: string
  kind: 'not-found' | 'unreachable'
  message: string
  hint?: string
}

export interface HostsSearch {
  sources: HostSource[]
  problems: HostProblem[]
  /** Containers and Swarm tasks searched. */
  containers: number
  /** Hosts that answered. */
  answered: number
}

export interface HostSearchOptions {
  context?: number
  window?: LogWindow
  /** Absolute time (ms) every call on a host ends by; default the host's --timeout from when it answered. */
  deadline?: number
}

/** A container's source name: `service/name`, with `@host` when several hosts are searched. */
export function containerSourceInfo(ref: ContainerRef, host?: string): SourceInfo {
  const base = ref.service ? `${ref.service}/${ref.name}` : ref.name
  return {name: host ? `${base}@${host}` : base, type: 'container', service: ref.service, container: ref.name, host}
}

/**
 * Search the selected containers on every host in parallel. A host that does not answer is one
 * problem and the others still count; a name is "not found" only when no answering host has it.
 * On a Swarm manager, --service NAME reads the service's logs (every task on every node).
 */
export async function searchDockerHosts(
  hosts: DockerHost[],
  sel: ContainerSelection,
  query: TraceQuery,
  options: HostSearchOptions = {},
): Promise<HostsSearch> {
  const tag = hosts.length > 1
  const outcomes = await Promise.all(
    hosts.map(async (host) => {
      let client: DockerClient | undefined
      try {
        client = await host.open()
        // Every call on this host, the log streams included, under the command's deadline.
        const deadline = options.deadline ?? (client.timeoutMs > 0 ? Date.now() + client.timeoutMs : undefined)
        return {
          ok: true as const,
          ...(await searchHost(client, tag ? host.label : undefined, sel, query, {...options, deadline})),
        }
      } catch (error) {
        return {ok: false as const, problem: await unreachableProblem(host, client, error, tag)}
      }
    }),
  )
  const out: HostsSearch = {sources: [], problems: [], containers: 0, answered: 0}
  const missing = new Map<string, {problem: HostProblem; hosts: number}>()
  for (const o of outcomes) {
    if (!o.ok) {
      out.problems.push(o.problem)
      continue
    }

    out.answered++
    out.sources.push(...o.sources)
    out.containers += o.containers
    for (const p of o.notFound) {
      const m = missing.get(p.source)
      if (m) m.hosts++
      else missing.set(p.source, {problem: p, hosts: 1})
    }
  }

  for (const {problem, hosts: n} of missing.values()) {
    if (n === out.answered) out.problems.push(tag ? {...problem, message: `${problem.message} on any host`} : problem)
  }

  return out
}

async function searchHost(
  client: DockerClient,
  host: string | undefined,
  sel: ContainerSelection,
  query: TraceQuery,
  options: HostSearchOptions,
): Promise<{sources: HostSource[]; notFound: HostProblem[]; containers: number}> {
  const sources: HostSource[] = []
  // Swarm services named by --service are read through the manager: their logs cover every node.
  const swarm = sel.services.length > 0 ? await findSwarmServices(client, sel, options.deadline) : []
  const covered = new Set(swarm.map((s) => s.asked))
  const rest: ContainerSelection = {...sel, services: sel.services.filter((s) => !covered.has(s))}
  let containers = 0
  const notFound: HostProblem[] = []
  if (rest.names.length > 0 || rest.services.length > 0 || rest.all) {
    const found = await resolveContainers(client, rest, options.deadline)
    for (const p of found.problems) notFound.push({source: p.name, kind: 'not-found', message: p.message})
    containers += found.containers.length
    // A few log streams at a time (LIMITS.logStreamConcurrency).
    const results = await mapLimit(found.containers, LIMITS.logStreamConcurrency, (c) =>
      scanContainerLogs(client, c, query, {
        context: options.context,
        window: options.window,
        deadline: options.deadline,
      }).catch((error: {statusCode?: number; message: string}) => {
        // A container removed while we read it is reported, and the others still count.
        if (error.statusCode !== 404) throw error
        return {lines: [], matches: 0, bytes: 0, error: {message: 'container was removed while its logs were read'}}
      }),
    )
    found.containers.forEach((c, i) => sources.push({info: containerSourceInfo(c, host), result: results[i]!}))
  }

  for (const svc of swarm) {
    const tasks = await scanServiceLogs(client, svc, query, options)
    containers += tasks.length
    for (const t of tasks) {
      const name = `${svc.name}/${t.task}${t.node ? `@${t.node}` : ''}`
      const info: SourceInfo = {
        name,
        type: 'container',
        service: svc.name,
        container: t.task,
        host,
        task: t.task,
        node: t.node,
      }
      sources.push({info, result: t.result})
    }
  }

  return {sources, notFound, containers}
}

export interface SwarmServiceRef {
  id: string
  name: string
  tty: boolean
  /** The --service value it answers to (its name, or its service-name label). */
  asked: string
}

interface RawService {
  ID: string
  Spec?: {
    Name?: string
    Labels?: Record<string, string>
    TaskTemplate?: {ContainerSpec?: {Labels?: Record<string, string>; TTY?: boolean}}
  }
}

/** The Swarm services answering to --service names; none when the daemon is not a Swarm manager. */
export async function findSwarmServices(
  client: DockerClient,
  sel: ContainerSelection,
  deadline?: number,
): Promise<SwarmServiceRef[]> {
  let services: RawService[]
  try {
    services = canGetDirectly(client)
      ? await dockerGetJson<RawService[]>(client, '/services', deadline)
      : ((await client.docker.listServices()) as RawService[])
  } catch (error) {
    const e = error as {statusCode?: number; message?: string}
    if (e.statusCode === 503 || /not a swarm manager|not part of a swarm/i.test(e.message ?? '')) return []
    throw error
  }

  const label = labelKeys(sel.labelPrefix).serviceName
  const out: SwarmServiceRef[] = []
  for (const asked of sel.services) {
    for (const s of services) {
      const spec = s.Spec ?? {}
      if (
        spec.Name === asked ||
        spec.Labels?.[label] === asked ||
        spec.TaskTemplate?.ContainerSpec?.Labels?.[label] === asked
      ) {
        out.push({id: s.ID, name: spec.Name ?? s.ID, tty: Boolean(spec.TaskTemplate?.ContainerSpec?.TTY), asked})
      }
    }
  }

  return out
}

interface RawTask {
  ID: string
  Slot?: number
  NodeID?: string
  DesiredState?: string
}

export interface TaskLogs {
  /** service.slot (service.node for a global service), as `docker service ps` names tasks. */
  task: string
  node?: string
  result: ScanResult & {lines: ContainerLine[]}
}

/**
 * Open a logs endpoint as a stream: through src/net (capped, under `deadline`) where it can, through
 * dockerode's modem for ssh (dockerode buffers the whole body unless it is told it is one).
 */
export function openLogStream(
  client: DockerClient,
  path: string,
  params: Record<string, unknown>,
  deadline?: number,
): Promise<Readable> {
  if (canGetDirectly(client)) return dockerGetStream(client, `${path}${apiQuery(params)}`, deadline)
  return new Promise((resolve, reject) => {
    client.docker.modem.dial(
      {
        path: `${path}?`,
        method: 'GET',
        options: params,
        isStream: true,
        statusCodes: {200: true, 404: 'no such service', 500: 'server error', 503: 'node is not a swarm manager'},
      },
      (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as Readable)),
    )
  })
}

/** Splits a byte stream into lines; a line longer than MAX_TEXT_BYTES is cut there (bounded memory). */
class LineSplitter {
  private pending: Buffer = Buffer.alloc(0)

  constructor(private readonly onLine: (line: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    let nl: number
    while ((nl = buf.indexOf(10)) >= 0) {
      this.onLine(buf.subarray(0, nl))
      buf = buf.subarray(nl + 1)
    }

    if (buf.length > MAX_TEXT_BYTES) {
      this.onLine(buf)
      buf = Buffer.alloc(0)
    }

    this.pending = Buffer.from(buf)
  }

  end(): void {
    if (this.pending.length > 0) this.onLine(this.pending)
    this.pending = Buffer.alloc(0)
  }
}

/**
 * One Swarm service's logs through the manager (GET /services/{id}/logs, the stream `docker service
 * logs` reads): with details=true each line reads "TIME com.docker.swarm.node.id=…,…task.id=… text";
 * lines are routed to one scanner per task, the details removed, Docker's time kept.
 */
export async function scanServiceLogs(
  client: DockerClient,
  svc: SwarmServiceRef,
  query: TraceQuery,
  options: HostSearchOptions = {},
): Promise<TaskLogs[]> {
  const direct = canGetDirectly(client)
  const filters = {service: [svc.id]}
  const [rawTasks, nodes] = await Promise.all([
    direct
      ? dockerGetJson<RawTask[]>(client, `/tasks${apiQuery({filters})}`, options.deadline)
      : (client.docker.listTasks({filters: JSON.stringify(filters)} as never) as unknown as Promise<RawTask[]>),
    direct
      ? dockerGetJson<{ID: string; Description?: {Hostname?: string}}[]>(client, '/nodes', options.deadline)
      : (client.docker.listNodes() as Promise<{ID: string; Description?: {Hostname?: string}}[]>),
  ])
  const nodeName = new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]))
  const taskInfo = new Map(
    rawTasks.map((t) => {
      const task = `${svc.name}.${t.Slot ?? (t.NodeID ?? t.ID).slice(0, 12)}`
      return [t.ID, {task, node: t.NodeID ? nodeName.get(t.NodeID) : undefined}]
    }),
  )

  interface PerTask {
    task: string
    node?: string
    lines: ContainerLine[]
    out: {scanner: LineScanner; feed: StreamScanner}
    err: {scanner: LineScanner; feed: StreamScanner}
  }
  const perTask = new Map<string, PerTask>()
  const taskFor = (taskId: string, nodeId: string): PerTask => {
    let t = perTask.get(taskId)
    if (t) return t
    const info = taskInfo.get(taskId) ?? {
      task: taskId ? `${svc.name}.${taskId.slice(0, 12)}` : svc.name,
      node: nodeId ? (nodeName.get(nodeId) ?? nodeId) : undefined,
    }
    const lines: ContainerLine[] = []
    const make = (stream: 'stdout' | 'stderr') => {
      const scanner = new LineScanner(query, {context: options.context, onLine: (l) => lines.push({...l, stream})})
      return {scanner, feed: new StreamScanner(scanner, {initialSize: 64 * 1024})}
    }

    t = {...info, lines, out: make('stdout'), err: make('stderr')}
    perTask.set(taskId, t)
    return t
  }

  const NL = Buffer.from('\n')
  const route = (stream: 'stdout' | 'stderr') => (line: Buffer) => {
    const sp1 = line.indexOf(32)
    const sp2 = sp1 === -1 ? -1 : line.indexOf(32, sp1 + 1)
    const details = sp2 < 0 ? '' : line.subarray(sp1 + 1, sp2).toString('latin1')
    const attr = (key: string) =>
      new RegExp(`(?:^|,)${key.replaceAll('.', String.raw`\.`)}=([^,]*)`).exec(details)?.[1] ?? ''
    const t = taskFor(attr('com.docker.swarm.task.id'), attr('com.docker.swarm.node.id'))
    const feed = stream === 'stderr' ? t.err.feed : t.out.feed
    if (sp2 < 0) feed.push(Buffer.concat([line, NL]))
    else feed.push(Buffer.concat([line.subarray(0, sp1 + 1), line.subarray(sp2 + 1), NL]))
  }

  const out = new LineSplitter(route('stdout'))
  const err = new LineSplitter(route('stderr'))
  const params: Record<string, unknown> = {stdout: true, stderr: true, timestamps: true, details: true}
  if (options.window?.since !== undefined) params.since = options.window.since
  if (options.window?.until !== undefined) params.until = options.window.until
  const stream = await openLogStream(client, `/services/${encodeURIComponent(svc.id)}/logs`, params, options.deadline)
  const demux = new FrameDemuxer((s, payload) => (s === 2 ? err : out).push(payload))
  const left = remainingMs(options.deadline)
  const timer = Number.isFinite(left)
    ? setTimeout(() => stream.destroy(deadlineError('Docker', left)), Math.max(0, left))
    : undefined
  try {
    for await (const chunk of stream) {
      if (svc.tty) out.push(chunk as Buffer)
      else demux.push(chunk as Buffer)
    }
  } finally {
    clearTimeout(timer)
  }

  out.end()
  err.end()
  // Every running task of the service is a source, also one that logged nothing.
  for (const t of rawTasks) if (t.DesiredState === 'running' && !perTask.has(t.ID)) taskFor(t.ID, '')
  return [...perTask.values()].map((t) => {
    t.out.feed.end()
    t.err.feed.end()
    t.lines.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    const matches = t.out.scanner.matches + t.err.scanner.matches
    return {task: t.task, node: t.node, result: {lines: t.lines, matches, bytes: t.out.feed.offset + t.err.feed.offset}}
  })
}

async function unreachableProblem(
  host: DockerHost,
  client: DockerClient | undefined,
  error: unknown,
  tagged: boolean,
): Promise<HostProblem> {
  const {dockerUnreachableHint} = await import('../docker/client.js')
  const where = client ? `Docker at ${client.target.endpoint}` : `Docker ${host.label}`
  const source = tagged ? `docker@${host.label}` : 'docker'
  // A reply over a limit or not in the protocol says so itself; asking whether dockerd runs is no help.
  const {code} = error as {code?: string}
  if (error instanceof LogStreamError || code === 'ELIMIT' || code === 'EPROTO') {
    return {
      source,
      kind: 'unreachable',
      message: `cannot search container logs from ${where}: ${(error as Error).message}`,
    }
  }

  return {
    source,
    kind: 'unreachable',
    message: `cannot search container logs: ${where} did not answer (${(error as Error).message})`,
    hint: client ? dockerUnreachableHint(client.target) : undefined,
  }
}
