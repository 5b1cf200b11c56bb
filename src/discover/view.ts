import type {
  ConsulRegistration,
  DockerContainer,
  EtcdRegistration,
  ServiceView,
  SourceStatus,
  SwarmState,
} from '../model/types.js'

import {Connections} from '../core/connections.js'
import {DeadlineError, elapsedMs, withDeadline} from '../core/deadline.js'
import {ExitCode} from '../core/exit-codes.js'
import {redact} from '../core/redact.js'
import {connectDocker, DockerClient, dockerUnreachableHint, expandDockerConnections} from '../docker/client.js'
import {listContainers} from '../docker/containers.js'
import {listSwarm} from '../docker/swarm.js'
import {type MergeInput, mergeView} from '../model/merge.js'
import {NetError} from '../net/errors.js'
import {readConsulServices} from '../registry/consul.js'
import {etcdEndpointText, etcdMemberHealth, EtcdReadResult, etcdTlsFiles, readRegistrations} from '../registry/etcd.js'
import {probeAll} from './probe.js'

export interface BuildViewOptions {
  /** Only these services. */
  services?: string[]
  /** Include stopped containers. */
  all?: boolean
  /** Actively GET health paths: through loopback-published ports, or (any) the gateway's address. */
  probe?: false | 'loopback' | 'any'
  /** Which containers to list: the name label (default), or any label under the prefix. */
  match?: 'name' | 'anyPrefix'
}

export interface BuiltView {
  view: ServiceView
  /** 0 all sources answered, 4 some did not, 5 none did. */
  exitCode: number
  /** etcd's revision at the read, for a watch that must not miss anything after it. */
  etcdRevision?: string
}

interface SourceOutcome<T> {
  status: SourceStatus
  data: T
}

/** Run one source's query, turning any failure into a SourceStatus with a hint. Never throws. */
async function runSource<T>(
  name: string,
  endpoint: string,
  empty: T,
  count: (t: T) => number,
  hint: (error: unknown) => string,
  fn: () => Promise<T>,
): Promise<SourceOutcome<T>> {
  const start = process.hrtime.bigint()
  // The endpoint and the hint that names it reach --json as they are: a password in the URL must not.
  const shown = redact(endpoint)
  try {
    const data = await fn()
    return {status: {name, ok: true, endpoint: shown, count: count(data), ms: elapsedMs(start)}, data}
  } catch (error) {
    const status = {
      name,
      ok: false,
      endpoint: shown,
      count: 0,
      ms: elapsedMs(start),
      error: describeError(error),
      hint: redact(hint(error)),
    }
    return {status, data: empty}
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'socket not found',
}

/**
 * One line for a library error, never a stack, never a secret. Socket errors buried in gRPC's or
 * dockerode's wording come out as what happened and where: "connection refused (127.0.0.1:2379)".
 */
export function describeError(error: unknown): string {
  // mcp's own messages already say what and where (a deadline, a limit, a reply not in the protocol).
  if (error instanceof DeadlineError || error instanceof NetError) return redact(error.message)
  const e = error as NodeJS.ErrnoException & {details?: string; address?: string; port?: number}
  const text = `${e?.message ?? String(error)} ${e?.details ?? ''} ${e?.code ?? ''}`
  const errno =
    /\b(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNRESET|EACCES|EPERM|ENOENT)\b(?:\s+([^\s,;]+[^\s,;.]))?/.exec(
      text,
    )
  if (errno) {
    const where = errno[2] ?? (e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : undefined)
    return redact(`${ERRNO_TEXT[errno[1]!]}${where ? ` (${where})` : ''}`)
  }

  const first = (e?.details || e?.message || String(error)).split('\n')[0]!
  return redact(e?.code && typeof e.code === 'string' && !first.includes(e.code) ? `${e.code}: ${first}` : first)
}

export function sourceExitCode(sources: SourceStatus[]): number {
  const failed = sources.filter((s) => !s.ok).length
  if (failed === 0) return ExitCode.OK
  return failed === sources.length ? ExitCode.UNREACHABLE : ExitCode.PARTIAL
}

export async function readDocker(
  client: DockerClient,
  connections: Connections,
  options: BuildViewOptions,
  name = 'docker',
): Promise<SourceOutcome<DockerContainer[]>> {
  return runSource(
    name,
    client.target.endpoint,
    [] as DockerContainer[],
    (d) => d.length,
    (error) =>
      replyHint(error, client.target.endpoint, 'the Docker Engine API') ?? dockerUnreachableHint(client.target),
    () =>
      withDeadline(
        listContainers(client, {labelPrefix: connections.labelPrefix, all: options.all, match: options.match}),
        connections.timeoutMs,
        `Docker at ${client.target.endpoint}`,
      ),
  )
}

/**
 * The one view every command builds on: ask the selected sources in parallel, each bounded by the
 * timeout, merge what answered, optionally probe health paths. A failed source is reported in
 * view.sources and the exit code, never thrown.
 */
export async function buildServiceView(connections: Connections, options: BuildViewOptions = {}): Promise<BuiltView> {
  const want = new Set(connections.sources)
  const etcdStart = process.hrtime.bigint()
  const docker = want.has('docker') ? startDockerReads(connections, options) : noDockerReads()
  // Bad TLS flags are a usage error before anything is asked, not an unreachable etcd.
  if (want.has('etcd')) etcdTlsFiles(connections.etcd)
  const [etcd, consul] = await Promise.all([
    want.has('etcd') ? readEtcd(connections) : undefined,
    want.has('consul') && connections.consul ? readConsul(connections.consul, connections, options) : undefined,
    ...docker.jobs,
  ])
  const sources = [...docker.outcomes.map((d) => d.status), etcd?.status, consul?.status].filter(
    (s): s is SourceStatus => Boolean(s),
  )
  const input: MergeInput = {
    containers: docker.outcomes.flatMap((d) => d.data),
    hostAddresses: docker.hostAddresses,
    swarm: docker.swarm,
    etcd: etcd?.data.registrations ?? [],
    consul: consul?.data ?? [],
    sources,
    labelPrefix: connections.labelPrefix,
    dockerHostAddress: docker.dockerHostAddress,
    services: options.services,
  }
  const view = await mergeWithLeaseTtls(input, etcd, connections, etcdStart)
  if (options.probe) {
    const instances = view.services.flatMap((s) => s.instances)
    await probeAll(instances, {timeoutMs: Math.min(connections.timeoutMs, 2000), any: options.probe === 'any'})
  }

  return {view, exitCode: sourceExitCode(sources), etcdRevision: etcd?.data.revision || undefined}
}

/** What the Docker daemons asked answer, filled in as each answers; done when every job has settled. */
interface DockerReads {
  jobs: Promise<void>[]
  /** One per daemon, in the order they were named. */
  outcomes: SourceOutcome<DockerContainer[]>[]
  /** Each daemon's address by its label. */
  hostAddresses: Record<string, string>
  /** From the daemons that are Swarm managers, in the order they answered. */
  swarm: SwarmState[]
  /** The first daemon's address, for host-networked containers. */
  dockerHostAddress?: string
}

function noDockerReads(): DockerReads {
  return {jobs: [], outcomes: [], hostAddresses: {}, swarm: []}
}

/**
 * Several daemons are asked in parallel; each is its own source (docker@<context or host>), and its
 * containers are tagged with that name.
 */
function startDockerReads(connections: Connections, options: BuildViewOptions): DockerReads {
  const reads = noDockerReads()
  const targets = expandDockerConnections(connections.dockers ?? [connections.docker])
  const several = targets.length > 1
  for (const [n, conn] of targets.entries()) {
    let client: DockerClient
    try {
      client = connectDocker(conn, connections.timeoutMs)
    } catch (error) {
      // A broken context among several is that host's failure, not the whole command's.
      if (!several) throw error
      reads.outcomes[n] = unconnectedDocker(conn.context ?? conn.host ?? 'docker', error)
      continue
    }

    reads.dockerHostAddress ??= client.target.hostAddress
    const {label} = client.target
    reads.hostAddresses[label] = client.target.hostAddress
    const containers = readDocker(client, connections, options, several ? `docker@${label}` : 'docker').then((r) => {
      if (several) for (const c of r.data) c.host = label
      reads.outcomes[n] = r
    })
    const swarm = readSwarm(client, connections, options).then((state) => {
      if (state) reads.swarm.push(state)
    })
    reads.jobs.push(containers, swarm)
  }

  return reads
}

/** A daemon among several whose settings could not even make a client. */
function unconnectedDocker(label: string, error: unknown): SourceOutcome<DockerContainer[]> {
  return {
    status: {
      name: `docker@${label}`,
      ok: false,
      endpoint: label,
      count: 0,
      ms: 0,
      error: (error as Error).message,
      hint: (error as {hint?: string}).hint,
    },
    data: [],
  }
}

/**
 * In Swarm mode a manager also knows services and tasks; outside it this answers "not a manager" at
 * once. Asked in parallel with the container list, so it costs no extra wait; a failure is no Swarm.
 */
async function readSwarm(
  client: DockerClient,
  connections: Connections,
  options: BuildViewOptions,
): Promise<SwarmState | undefined> {
  return withDeadline(
    listSwarm(client, connections.labelPrefix, {all: options.all}),
    connections.timeoutMs,
    'Docker Swarm',
  ).catch(() => undefined)
}

/** etcd's registrations; with a cluster, every member's health beside the read: a down member is named. */
async function readEtcd(connections: Connections): Promise<SourceOutcome<EtcdReadResult>> {
  const endpoint = etcdEndpointText(connections.etcd)
  const members =
    connections.etcd.endpoints.length > 1 ? etcdMemberHealth(connections.etcd, connections.timeoutMs) : undefined
  const etcd = await runSource(
    'etcd',
    endpoint,
    {registrations: [] as EtcdRegistration[], revision: '', leaseTtls: Promise.resolve()},
    (d) => d.registrations.length,
    (error) => etcdHint(error, endpoint),
    () =>
      withDeadline(
        readRegistrations(connections.etcd, connections.registryPrefix, connections.timeoutMs),
        connections.timeoutMs,
        'etcd',
      ),
  )
  if (members) etcd.status.members = await members
  return etcd
}

async function readConsul(
  conn: NonNullable<Connections['consul']>,
  connections: Connections,
  options: BuildViewOptions,
): Promise<SourceOutcome<ConsulRegistration[]>> {
  return runSource(
    'consul',
    conn.addr,
    [] as ConsulRegistration[],
    (d) => d.length,
    (error) => consulHint(error, conn.addr),
    () => readConsulServices(conn, connections.timeoutMs, options.services),
  )
}

/**
 * The registrations' lease TTLs come back while the merge runs. A read that fails there fails the
 * etcd source as any failed read does, and the view is merged without it.
 */
async function mergeWithLeaseTtls(
  input: MergeInput,
  etcd: SourceOutcome<EtcdReadResult> | undefined,
  connections: Connections,
  etcdStart: bigint,
): Promise<ServiceView> {
  const view = mergeView(input)
  if (!etcd?.status.ok) return view
  try {
    await etcd.data.leaseTtls
    return view
  } catch (error) {
    Object.assign(etcd.status, {
      ok: false,
      count: 0,
      error: describeError(error),
      hint: etcdHint(error, etcdEndpointText(connections.etcd)),
    })
    return mergeView({...input, etcd: []})
  } finally {
    etcd.status.ms = elapsedMs(etcdStart)
  }
}

/**
 * The hint for a reply over a limit or not in the protocol: the server at that address is not
 * what it was taken for (or is sick), so "is it running?" would not help.
 */
function replyHint(error: unknown, endpoint: string, what: string): string | undefined {
  const code = (error as {code?: string})?.code
  if (code === 'ELIMIT') return `is ${endpoint} ${what}? replies are capped (docs/reliability.md, "Limits")`
  if (code === 'EPROTO' || /malformed message/.test(String((error as Error)?.message))) return `is ${endpoint} ${what}?`
  return undefined
}

function etcdHint(error: unknown, endpoint: string): string {
  const reply = replyHint(error, endpoint, 'an etcd client URL')
  if (reply) return reply
  const text = String((error as Error)?.message ?? error)
  if (/auth|permission|password|user/i.test(text)) return 'check --etcd-user / ETCDCTL_USER and ETCDCTL_PASSWORD'
  if (/certificate|tls|ssl/i.test(text)) return 'check --etcd-cacert, --etcd-cert and --etcd-key'
  return `is etcd running at ${endpoint}? set --etcd-endpoints or ETCDCTL_ENDPOINTS`
}

function consulHint(error: unknown, addr: string): string {
  const reply = replyHint(error, addr, "Consul's HTTP API")
  if (reply) return reply
  const {status} = error as {status?: number}
  if (status === 403 || status === 401) return 'the Consul token was refused: check CONSUL_HTTP_TOKEN'
  return `is Consul's HTTP API reachable at ${addr}? set --consul-addr or CONSUL_HTTP_ADDR`
}
