import type {Etcd3, Watcher} from 'etcd3'
import type {Readable} from 'node:stream'

import {Chalk} from 'chalk'

import type {DockerContainer, EtcdRegistration} from '../model/types.js'

import {Connections} from '../core/connections.js'
import {formatDuration} from '../core/duration.js'
import {ExitCode} from '../core/exit-codes.js'
import {terminalText} from '../core/terminal-text.js'
import {connectDocker, DockerClient, expandDockerConnections, resolveDockerTarget} from '../docker/client.js'
import {listContainers} from '../docker/containers.js'
import {labelKeys} from '../model/labels.js'
import {createEtcdClient, EtcdChange, readRegistrations, watchRegistrations} from '../registry/etcd.js'
import {renderView, sourceWarnings} from './render.js'
import {buildServiceView, BuildViewOptions, describeError} from './view.js'

export interface WatchIO {
  color: boolean
  /** JSON lines instead of text: {"time","source","event",...}. */
  json: boolean
  out: (line: string) => void
  warn: (line: string) => void
  /** Stops the watch (tests, SIGINT). Defaults to SIGINT/SIGTERM. */
  signal?: AbortSignal
}

/** The container events that change what a gateway sees. */
const DOCKER_EVENTS = ['start', 'die', 'stop', 'destroy', 'health_status', 'rename', 'create', 'pause', 'unpause']

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000]

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const t = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      {once: true},
    )
  })

/** What discover and doctor track per container between Docker events. */
export interface ContainerState {
  name: string
  service: string
  state: string
  health: string
}

/**
 * `discover --watch`: print the view once, then one line per change from Docker events and an
 * etcd watch on the prefix. When the daemon or etcd goes away, say so, reconnect with backoff, list
 * again and print what changed meanwhile (docker-gen's approach; registrator exits instead).
 * Resolves with the exit code when stopped (Ctrl-C → 0).
 */
export async function watchView(connections: Connections, options: BuildViewOptions, io: WatchIO): Promise<number> {
  const c = new Chalk({level: io.color ? 1 : 0})
  const {signal, release} = watchStopSignal(io.signal)
  const nameLabel = labelKeys(connections.labelPrefix).serviceName
  const wanted = options.services?.length ? new Set(options.services) : undefined

  const emit = (source: string, event: string, subject: string, details: Record<string, unknown> = {}) => {
    const time = new Date()
    if (io.json) {
      io.out(JSON.stringify({time: time.toISOString(), source, event, subject, ...details}))
      return
    }

    const detailText = Object.entries(details)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
    const color = /die|stop|destroy|delete|lost|unhealthy/.test(event)
      ? c.red
      : /start|put|healthy|reconnected/.test(event)
        ? c.green
        : c.yellow
    const shown = `${terminalText(subject)}${detailText ? '  ' + c.dim(terminalText(detailText)) : ''}`
    io.out(`${c.dim(time.toISOString().slice(11, 23))}  ${source.padEnd(6)}  ${color(event.padEnd(14))}  ${shown}`)
  }

  // Initial view; Docker events are replayed from just before it.
  const snapshotAt = Date.now() / 1000
  const first = await buildServiceView(connections, options)
  for (const w of sourceWarnings(first.view)) io.warn(w)
  if (io.json)
    io.out(JSON.stringify({time: new Date().toISOString(), source: 'mcp', event: 'snapshot', view: first.view}))
  else
    io.out(
      renderView(first.view, {
        color: io.color,
        sources: connections.sources,
        probed: Boolean(options.probe),
      }).trimEnd() + '\n',
    )

  const tasks: Promise<void>[] = []
  if (connections.sources.includes('docker')) {
    // One watch per Docker host; with several, each line's source names its host.
    const hosts = expandDockerConnections(connections.dockers ?? [connections.docker])
    const several = hosts.length > 1
    for (const conn of hosts) {
      const label = several ? resolveDockerTarget(conn).label : undefined
      const sourceName = label ? `docker@${label}` : 'docker'
      const known = new Map<string, ContainerState>()
      for (const s of first.view.services)
        for (const i of s.instances)
          if (i.docker && i.docker.host === label) known.set(i.docker.id, stateOf(i.docker, nameLabel))
      const dockerOk = first.view.sources.find((s) => s.name === sourceName)?.ok ?? false
      const hostEmit: Emit = label
        ? (source, event, subject, details) => emit(source === 'docker' ? sourceName : source, event, subject, details)
        : emit
      const hostIo = label ? {warn: (line: string) => io.warn(line.replace(/^docker:/, `${sourceName}:`))} : io
      tasks.push(
        watchDocker(
          {...connections, docker: conn},
          known,
          dockerOk,
          nameLabel,
          wanted,
          hostEmit,
          hostIo,
          signal,
          snapshotAt,
        ),
      )
    }
  }

  if (connections.sources.includes('etcd')) {
    const etcdOk = first.view.sources.find((s) => s.name === 'etcd')?.ok ?? false
    tasks.push(watchEtcd(connections, etcdOk ? first.etcdRevision : undefined, wanted, emit, io, signal))
  }

  if (!io.json) io.out(c.dim('watching for changes (Ctrl-C to stop)'))
  await Promise.all(tasks)
  release()
  return ExitCode.OK
}

/** Stops a watch on Ctrl-C, SIGTERM or the caller's signal; release() removes the handlers. */
export function watchStopSignal(external?: AbortSignal): {signal: AbortSignal; release: () => void} {
  const controller = new AbortController()
  const stop = () => controller.abort()
  external?.addEventListener('abort', stop, {once: true})
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return {
    signal: controller.signal,
    release() {
      process.removeListener('SIGINT', stop)
      process.removeListener('SIGTERM', stop)
    },
  }
}

export function stateOf(d: DockerContainer, nameLabel: string): ContainerState {
  return {name: d.name, service: d.labels[nameLabel] ?? '', state: d.state, health: d.health}
}

export type Emit = (source: string, event: string, subject: string, details?: Record<string, unknown>) => void

/** A Docker event as it came, for a follower that acts on each one (sync). */
export interface RawDockerEvent {
  /** The container's id (for a network event: the container connected or disconnected). */
  containerId: string
  type: 'container' | 'network'
  action: string
  /** When dockerd saw it (ms since the epoch, from timeNano). */
  atMs: number
}

/** More for a follower than discover and doctor ask: extra container actions, network events, each raw event. */
export interface DockerFollow {
  /** Container actions besides DOCKER_EVENTS (sync: update). */
  events?: string[]
  /** Also follow network connect/disconnect (their events carry no container labels). */
  network?: boolean
  onEvent?: (event: RawDockerEvent) => void
}

/**
 * Follow Docker's container events, keeping `known` up to date and emitting one call per change;
 * on a lost connection, reconnect with backoff and emit what changed meanwhile. Shared by
 * discover --watch and doctor --watch.
 */
export async function watchDocker(
  connections: Connections,
  known: Map<string, ContainerState>,
  startedOk: boolean,
  nameLabel: string,
  wanted: Set<string> | undefined,
  emit: Emit,
  io: Pick<WatchIO, 'warn'>,
  signal: AbortSignal,
  /**
   * Unix seconds the caller's snapshot was taken at: events are replayed from there (the daemon
   * keeps recent ones), so nothing between the snapshot and the subscription is lost.
   */
  since: number = Date.now() / 1000,
  follow: DockerFollow = {},
): Promise<void> {
  const lister = connectDocker(connections.docker, connections.timeoutMs)
  const streamer: DockerClient = connectDocker(connections.docker, 0)
  let attempt = 0
  let needResync = !startedOk
  while (!signal.aborted) {
    try {
      if (needResync) {
        since = Date.now() / 1000
        await lister.docker.ping()
        const containers = await listContainers(lister, {labelPrefix: connections.labelPrefix, all: true})
        resyncDocker(known, containers, nameLabel, wanted, emit)
        if (attempt > 0 || !startedOk)
          emit('docker', 'reconnected', lister.target.endpoint, {containers: containers.length})
        needResync = false
      }

      attempt = 0
      // The Engine API reads "seconds.nanoseconds" (nine digits), as the docker CLI writes it.
      const sinceText = `${Math.floor(since)}.${String(Math.floor((since % 1) * 1e9)).padStart(9, '0')}`
      const stream = (await streamer.docker.getEvents({
        since: sinceText,
        filters: {type: ['container'], label: [nameLabel], event: [...DOCKER_EVENTS, ...(follow.events ?? [])]},
      } as never)) as unknown as Readable
      const networkStream = follow.network
        ? ((await streamer.docker.getEvents({
            since: sinceText,
            filters: {type: ['network'], event: ['connect', 'disconnect']},
          } as never)) as unknown as Readable)
        : undefined
      // A Swarm manager also reports service and node events (a label filter would drop them:
      // their attributes carry only names), on a stream of their own.
      const swarmStream = (await isSwarmManager(lister))
        ? ((await streamer.docker.getEvents({
            since: sinceText,
            filters: {type: ['service', 'node']},
          } as never)) as unknown as Readable)
        : undefined
      await Promise.race(
        [stream, swarmStream, networkStream]
          .filter((s): s is Readable => Boolean(s))
          .map((s) => consumeEvents(s, known, nameLabel, wanted, emit, signal, follow)),
      )
      for (const s of [stream, swarmStream, networkStream]) s?.destroy()
      if (signal.aborted) break
      throw new Error('event stream ended')
    } catch (error) {
      if (signal.aborted) break
      if (!needResync || attempt === 0) {
        io.warn(`docker: connection lost (${describeError(error)}); reconnecting with backoff`)
      }

      needResync = true
      await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!, signal)
      attempt++
    }
  }
}

/** Print what changed while the event stream was down, and bring `known` up to date. */
function resyncDocker(
  known: Map<string, ContainerState>,
  containers: DockerContainer[],
  nameLabel: string,
  wanted: Set<string> | undefined,
  emit: Emit,
): void {
  const seen = new Set<string>()
  for (const d of containers) {
    const now = stateOf(d, nameLabel)
    if (wanted && !wanted.has(now.service)) continue
    seen.add(d.id)
    const before = known.get(d.id)
    if (!before) {
      if (now.state === 'running') emit('docker', 'start (resync)', now.name, {service: now.service})
      else emit('docker', `${now.state} (resync)`, now.name, {service: now.service})
    } else if (before.state !== now.state) {
      emit('docker', `${now.state === 'running' ? 'start' : 'die'} (resync)`, now.name, {
        service: now.service,
        was: before.state,
        now: now.state,
      })
    } else if (before.health !== now.health) {
      emit('docker', 'health (resync)', now.name, {service: now.service, health: now.health})
    }

    known.set(d.id, now)
  }

  for (const [id, before] of known) {
    if (!seen.has(id)) {
      emit('docker', 'destroy (resync)', before.name, {service: before.service})
      known.delete(id)
    }
  }
}

interface DockerEvent {
  Type?: string
  status?: string
  Action?: string
  id?: string
  Actor?: {ID?: string; Attributes?: Record<string, string>}
  time?: number
  timeNano?: number
}

function consumeEvents(
  stream: Readable,
  known: Map<string, ContainerState>,
  nameLabel: string,
  wanted: Set<string> | undefined,
  emit: Emit,
  signal: AbortSignal,
  follow: DockerFollow = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = ''
    const onAbort = () => {
      stream.destroy()
      resolve()
    }

    signal.addEventListener('abort', onAbort, {once: true})
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      buffer += chunk
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim()
        buffer = buffer.slice(nl + 1)
        if (!line) continue
        try {
          handleEvent(JSON.parse(line) as DockerEvent, known, nameLabel, wanted, emit, follow)
        } catch {
          // A malformed event line is skipped: the next resync corrects the state.
        }
      }
    })
    stream.on('error', (e) => {
      signal.removeEventListener('abort', onAbort)
      reject(e)
    })
    stream.on('end', () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
    stream.on('close', () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
  })
}

/** Whether the daemon manages a Swarm (it answers "not a swarm manager" otherwise). */
async function isSwarmManager(client: DockerClient): Promise<boolean> {
  try {
    await client.docker.listServices({filters: JSON.stringify({name: ['\u0000']}) as never})
    return true
  } catch {
    return false
  }
}

function handleEvent(
  e: DockerEvent,
  known: Map<string, ContainerState>,
  nameLabel: string,
  wanted: Set<string> | undefined,
  emit: Emit,
  follow: DockerFollow = {},
): void {
  const id = e.Actor?.ID ?? e.id ?? ''
  const attrs = e.Actor?.Attributes ?? {}
  const atMs = e.timeNano ? e.timeNano / 1e6 : (e.time ?? Date.now() / 1000) * 1000
  if (e.Type === 'network') {
    if (attrs.container) follow.onEvent?.({containerId: attrs.container, type: 'network', action: e.Action ?? '', atMs})
    return
  }

  if (e.Type !== 'service' && e.Type !== 'node')
    follow.onEvent?.({containerId: id, type: 'container', action: (e.Action ?? e.status ?? '').trim(), atMs})
  if (e.Type === 'service' || e.Type === 'node') {
    // Swarm: a service created, updated (replicas, labels) or removed; a node going down or up.
    const details: Record<string, unknown> = {}
    if (attrs['replicas.new']) details.replicas = `${attrs['replicas.old'] ?? '?'}→${attrs['replicas.new']}`
    if (attrs['state.new']) details.state = `${attrs['state.old'] ?? '?'}→${attrs['state.new']}`
    emit('swarm', `${e.Type} ${e.Action ?? ''}`.trim(), attrs.name ?? id.slice(0, 12), details)
    return
  }

  const service = attrs[nameLabel] ?? known.get(id)?.service ?? ''
  if (wanted && !wanted.has(service)) return
  const action = (e.Action ?? e.status ?? '').trim()
  const name = attrs.name ?? known.get(id)?.name ?? id.slice(0, 12)
  const prev = known.get(id) ?? {name, service, state: 'created', health: 'none'}
  if (action.startsWith('health_status')) {
    const health = action.split(':')[1]?.trim() ?? ''
    known.set(id, {...prev, name, health})
    emit('docker', 'health', name, {service, health})
    return
  }

  if (action === 'rename') {
    known.set(id, {...prev, name})
    emit('docker', 'rename', name, {service, was: attrs.oldName?.replace(/^\//, '')})
    return
  }

  if (action === 'update') {
    // docker update (resources, restart policy): the state is unchanged.
    emit('docker', action, name, {service})
    return
  }

  if (action === 'destroy') known.delete(id)
  else
    known.set(id, {
      ...prev,
      name,
      state:
        action === 'start' || action === 'unpause'
          ? 'running'
          : action === 'pause'
            ? 'paused'
            : action === 'create'
              ? 'created'
              : 'exited',
    })
  const details: Record<string, unknown> = {service}
  if (action === 'die' && attrs.exitCode !== undefined) details.exitCode = attrs.exitCode
  emit('docker', action, name, details)
}

/**
 * Follow the registry prefix from `revision` (read it first when there is none), emitting one call
 * per put/delete; `onChange` also gets the parsed change (doctor judges each new registration).
 */
export async function watchEtcd(
  connections: Connections,
  revision: string | undefined,
  wanted: Set<string> | undefined,
  emit: Emit,
  io: Pick<WatchIO, 'warn'>,
  signal: AbortSignal,
  onChange?: (change: EtcdChange) => void,
): Promise<void> {
  const client: Etcd3 = createEtcdClient(connections.etcd, connections.timeoutMs)
  const known = new Map<string, string>()
  let attempt = 0
  // Until the first read succeeds there is no revision to resume from: keep trying, with backoff.
  while (!revision && !signal.aborted) {
    try {
      const read = await readRegistrations(connections.etcd, connections.registryPrefix, connections.timeoutMs)
      await read.leaseTtls
      revision = read.revision
      for (const r of read.registrations) {
        known.set(r.key, r.address ?? '')
        if (attempt > 0 && (!wanted || wanted.has(r.service))) emit('etcd', 'put (resync)', r.key, regDetails(r))
      }

      if (attempt > 0) emit('etcd', 'reconnected', connections.etcd.endpoints.join(','), {revision})
    } catch (error) {
      if (attempt === 0) io.warn(`etcd: ${describeError(error)}; retrying with backoff`)
      await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!, signal)
      attempt++
    }
  }

  if (signal.aborted) {
    client.close()
    return
  }

  let watcher: Watcher | undefined
  let lost = false
  try {
    // Start after the read's revision: every change since the snapshot arrives, none twice.
    watcher = await watchRegistrations(client, connections.registryPrefix, String(BigInt(revision!) + 1n), (change) => {
      if (wanted && !wanted.has(change.type === 'put' ? change.registration.service : change.service)) return
      onChange?.(change)
      if (change.type === 'put') emit('etcd', 'put', change.registration.key, regDetails(change.registration))
      else emit('etcd', 'delete', change.key, {service: change.service})
    })
    // etcd3's watch manager reconnects and resumes from the last revision it saw by itself.
    watcher.on('disconnected', () => {
      if (!lost) io.warn('etcd: connection lost; the watch will resume from the last revision when it is back')
      lost = true
    })
    watcher.on('connected', () => {
      if (lost) emit('etcd', 'reconnected', connections.etcd.endpoints.join(','), {})
      lost = false
    })
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), {once: true}))
  } catch (error) {
    io.warn(`etcd: watch failed: ${describeError(error)}`)
  } finally {
    await watcher?.cancel().catch(() => undefined)
    client.close()
  }
}

function regDetails(r: EtcdRegistration): Record<string, unknown> {
  return {
    address: r.address ?? r.valueError,
    lease: r.lease ? (r.lease.ttl >= 0 ? formatDuration(r.lease.ttl * 1000) : r.lease.id) : 'none',
  }
}
