import {randomBytes} from 'node:crypto'

import type {Connections} from '../core/connections.js'
import type {DockerClient} from '../docker/client.js'
import type {RawLoadFlags} from './options.js'
import type {SeriesPoint} from './series.js'

import {SourceUnreachableError, UsageError} from '../core/errors.js'
import {parseLoadSettings} from './options.js'
import {checkThresholds, type ErrorCounts, type InstanceResult, type LoadResult, RESULT_SCHEMA} from './result.js'
import {decodeHistogram, encodeHistogram, type LatencySummary, newLatencyHistogram, summarize} from './stats.js'
import {parseTargetArg} from './targets.js'

/** The default image: the tag scripts/image.sh builds (mcp:<package version>). */
export function defaultImage(version: string): string {
  return `mcp:${version}`
}

/** Replicas print their result as lines of this marker, in chunks short enough that no log driver splits them. */
const RESULT_MARK = 'mcp.loadtest.replica'
const CHUNK = 8000
/** Time from creating the service to the agreed start: scheduling and starting the tasks. */
export const DEFAULT_LEAD_MS = 5000

/** One replica's share of a total split over `of` replicas (slot is 1-based, as Swarm counts). */
export function share(total: number, of: number, slot: number): number {
  const base = Math.floor(total / of)
  return base + (slot - 1 < total % of ? 1 : 0)
}

/** The result document as marker lines: `mcp.loadtest.replica <i>/<n> <chunk>`. */
export function encodeReplicaResult(result: LoadResult): string[] {
  const text = JSON.stringify(result)
  const n = Math.max(1, Math.ceil(text.length / CHUNK))
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(`${RESULT_MARK} ${i + 1}/${n} ${text.slice(i * CHUNK, (i + 1) * CHUNK)}`)
  return out
}

/** Reassemble a replica's result from its log lines (other lines are ignored); undefined when incomplete. */
export function decodeReplicaResult(lines: string[]): LoadResult | undefined {
  const parts = new Map<number, string>()
  let total = 0
  for (const line of lines) {
    const m = /^mcp\.loadtest\.replica (\d+)\/(\d+) (.*)$/.exec(line)
    if (!m) continue
    total = Number(m[2])
    parts.set(Number(m[1]), m[3]!)
  }

  if (total === 0 || parts.size !== total) return undefined
  try {
    const r = JSON.parse(Array.from({length: total}, (_, i) => parts.get(i + 1) ?? '').join('')) as LoadResult
    return r.schema === RESULT_SCHEMA ? r : undefined
  } catch {
    return undefined
  }
}

export interface NodeRow {
  /** The task, service.slot. */
  task: string
  node: string
  ok: boolean
  /** Why this part is missing (task failed, no result in its log). */
  missing?: string
  connections: number
  requests: number
  requestsPerSecond: number
  latency?: {p50: number; p99: number; max: number}
  errors: number
  /** This replica's corrected latency histogram (compressed base64), as merged. */
  histogram?: string
  startedAt?: string
}

export type DistributedResult = LoadResult & {
  distributed: {service: string; image: string; replicas: number; startAt: string; nodes: NodeRow[]; missing: number}
}

function round(n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
}

/**
 * Merge replica results exactly: histograms are added (HdrHistogram add), counts summed; req/s is
 * the sum of each replica's rate (their windows overlap by construction). The per-second timeline
 * sums counts; its percentiles are the worst replica's (bucketed figures do not add).
 */
export function mergeResults(
  parts: LoadResult[],
  base: {target: LoadResult['target']; thresholds: ReturnType<typeof parseLoadSettings>['thresholds']},
): LoadResult {
  const latency = newLatencyHistogram()
  const raw = newLatencyHistogram()
  for (const p of parts) {
    latency.add(decodeHistogram(p.histogram))
    raw.add(decodeHistogram(p.histogramUncorrected))
  }

  const status: Record<string, number> = {}
  const errors = {connect: 0, timeout: 0, reset: 0, protocol: 0, non2xx: 0, total: 0}
  for (const p of parts) {
    addCounts(status, p.status)
    for (const k of Object.keys(errors) as (keyof typeof errors)[]) errors[k] += p.errors[k]
  }

  const responses = parts.reduce((a, p) => a + p.requests.total, 0)
  const transport = errors.connect + errors.timeout + errors.reset + errors.protocol
  const errorCounts: ErrorCounts = {
    ...errors,
    rate: responses + transport === 0 ? 0 : round(errors.total / (responses + transport), 6),
  }
  const instances = new Map<string, InstanceResult & {h: ReturnType<typeof newLatencyHistogram>}>()
  for (const p of parts) {
    for (const i of p.instances) {
      const cur = instances.get(i.id)
      if (!cur) {
        const h = newLatencyHistogram()
        h.add(decodeHistogram(i.histogram))
        instances.set(i.id, {...i, status: {...i.status}, errors: {...i.errors}, h})
        continue
      }

      cur.connections += i.connections
      cur.requests += i.requests
      cur.requestsPerSecond = round(cur.requestsPerSecond + i.requestsPerSecond, 2)
      cur.bytes += i.bytes
      addCounts(cur.status, i.status)
      for (const k of ['connect', 'timeout', 'reset', 'protocol', 'non2xx', 'total'] as const)
        cur.errors[k] += i.errors[k]
      cur.h.add(decodeHistogram(i.histogram))
    }
  }

  const mergedInstances: InstanceResult[] = [...instances.values()].map(({h, ...i}) => ({
    ...i,
    share: responses === 0 ? 0 : round(i.requests / responses, 4),
    latency: summarize(h),
    histogram: encodeHistogram(h),
  }))
  const counts = mergedInstances.map((i) => i.requests)
  const points = new Map<number, SeriesPoint>()
  for (const p of parts) {
    for (const pt of p.timeline.points) {
      const cur = points.get(pt.t)
      if (cur) {
        cur.requests += pt.requests
        cur.errors += pt.errors
        for (const k of ['p50', 'p90', 'p99', 'max'] as const)
          cur[k] = pt[k] === null ? cur[k] : Math.max(cur[k] ?? 0, pt[k]!)
      } else {
        points.set(pt.t, {...pt})
      }
    }
  }

  const first = parts[0]!
  const durationMs = Math.max(...parts.map((p) => p.durationMs))
  const perSecond = round(
    parts.reduce((a, p) => a + p.requests.perSecond, 0),
    2,
  )
  const bytes = parts.reduce((a, p) => a + p.bytes.total, 0)
  const expected = first.requests.expected === null ? null : parts.reduce((a, p) => a + (p.requests.expected ?? 0), 0)
  const cpuMs = parts.reduce((a, p) => a + p.generator.cpuMs, 0)
  const wallMs = Math.max(...parts.map((p) => p.generator.wallMs))
  const merged: LoadResult = {
    ...first,
    target: base.target,
    settings: {
      ...first.settings,
      connections: parts.reduce((a, p) => a + p.settings.connections, 0),
      threadsUsed: parts.reduce((a, p) => a + p.settings.threadsUsed, 0),
      rate:
        first.settings.rate === null
          ? null
          : round(
              parts.reduce((a, p) => a + (p.settings.rate ?? 0), 0),
              3,
            ),
      requests: first.settings.requests === null ? null : parts.reduce((a, p) => a + (p.settings.requests ?? 0), 0),
    },
    startedAt: parts.map((p) => p.startedAt).sort()[0]!,
    durationMs,
    stoppedBy: parts.some((p) => p.stoppedBy === 'interrupt') ? 'interrupt' : first.stoppedBy,
    interrupted: parts.some((p) => p.interrupted),
    requests: {total: responses, perSecond, expected},
    bytes: {
      total: bytes,
      perSecond: round(
        parts.reduce((a, p) => a + p.bytes.perSecond, 0),
        2,
      ),
    },
    latency: summarize(latency),
    latencyUncorrected: summarize(raw),
    histogram: encodeHistogram(latency),
    histogramUncorrected: encodeHistogram(raw),
    status,
    errors: errorCounts,
    errorSamples: Object.assign({}, ...parts.map((p) => p.errorSamples)) as Record<string, string>,
    instances: mergedInstances,
    imbalance:
      counts.length < 2 || Math.min(...counts) === 0 ? null : round(Math.max(...counts) / Math.min(...counts), 3),
    thresholds: [],
    ok: true,
    generator: {
      cpuMs,
      wallMs,
      cpuPerRequestUs: responses === 0 ? 0 : round((cpuMs * 1000) / responses, 2),
      busy: round(Math.max(...parts.map((p) => p.generator.busy)), 3),
    },
    timeline: {...first.timeline, points: [...points.values()].sort((a, b) => a.t - b.t)},
  }
  merged.thresholds = checkThresholds(merged, base.thresholds)
  merged.ok = merged.thresholds.every((t) => t.ok)
  return merged
}

function latencyRow(l: LatencySummary): NodeRow['latency'] {
  return {p50: l.p50, p99: l.p99, max: l.max}
}

export interface DistributedRequest {
  target: string
  flags: RawLoadFlags & {'body-file'?: string; path?: string}
  nodes: number
  image: string
  hostNetwork: boolean
  connections: Connections
  /** Delay from service creation to the agreed start. */
  leadMs?: number
}

export interface DistributedHooks {
  signal?: AbortSignal
  warn?: (line: string) => void
}

/** The replica's command line: the same load flags, its share computed in the task from its slot. */
function replicaArgs(req: DistributedRequest, startAt: string): string[] {
  const f = req.flags
  const args = ['loadtest', req.target, '--replica-of', String(req.nodes), '--start-at', startAt]
  const pass = (name: string, v: unknown) => {
    if (v !== undefined) args.push(`--${name}`, String(v))
  }

  pass('connections', f.connections)
  pass('duration', f.duration)
  pass('threads', f.threads)
  pass('rate', f.rate)
  pass('requests', f.requests)
  pass('warmup', f.warmup)
  pass('pipelining', f.pipelining)
  pass('timeout', f.timeout)
  pass('method', f.method)
  pass('body', f.body)
  for (const h of f.header ?? []) args.push('--header', h)
  return args
}

interface RawTask {
  ID: string
  Slot?: number
  NodeID?: string
  DesiredState?: string
  Status?: {State?: string; Err?: string; ContainerStatus?: {ExitCode?: number}}
}

const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove'])

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      {once: true},
    )
  })

/**
 * `loadtest --nodes N`: a Swarm service of N replicas of the mcp image, each sending its share of
 * the load from one agreed instant, read back through the service logs and merged exactly. The
 * service is removed at the end, on Ctrl-C and on failure.
 */
export async function distributedLoadTest(
  req: DistributedRequest,
  hooks: DistributedHooks = {},
): Promise<DistributedResult> {
  const settings = parseLoadSettings(req.flags)
  const ref = parseTargetArg(req.target)
  if (ref.kind !== 'url') {
    throw new UsageError('--nodes takes a URL target', {
      hint: 'resolve the service first (mcp discover) and give its URL; replicas have no discovery sources',
    })
  }

  if (req.flags['body-file'] !== undefined)
    throw new UsageError('--nodes does not take --body-file', {hint: 'give the body with --body'})
  if (!Number.isInteger(req.nodes) || req.nodes < 1 || req.nodes > 100) {
    throw new UsageError(`--nodes ${req.nodes} is not between 1 and 100`)
  }

  if (settings.connections < req.nodes) {
    throw new UsageError(`--connections ${settings.connections} is fewer than --nodes ${req.nodes}`, {
      hint: `use -c ${req.nodes} or more: each replica needs one`,
    })
  }

  const {connectDocker} = await import('../docker/client.js')
  const client: DockerClient = connectDocker(req.connections.docker, req.connections.timeoutMs)
  const {docker} = client
  let nodes: {ID: string; Description?: {Hostname?: string}}[]
  try {
    nodes = (await docker.listNodes()) as typeof nodes
  } catch (error) {
    const e = error as {statusCode?: number; message?: string; code?: string}
    if (e.statusCode === 503 || /not a swarm manager|not part of a swarm/i.test(e.message ?? '')) {
      throw new UsageError(`--nodes needs a Swarm manager: Docker at ${client.target.endpoint} is not one`, {
        hint: 'point --docker-host at a manager, or run `docker swarm init`',
      })
    }

    const {dockerUnreachableHint} = await import('../docker/client.js')
    const hint = dockerUnreachableHint(client.target)
    throw new SourceUnreachableError(`Docker at ${client.target.endpoint} did not answer (${e.message})`, {hint})
  }

  const nodeName = new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]))
  const name = `mcp-loadtest-${randomBytes(4).toString('hex')}`
  const startAt = new Date(Date.now() + (req.leadMs ?? DEFAULT_LEAD_MS)).toISOString()
  const spec = {
    Name: name,
    Labels: {'mcp.loadtest': 'replica'},
    TaskTemplate: {
      ContainerSpec: {Image: req.image, Args: replicaArgs(req, startAt), Env: ['MCP_TASK_SLOT={{.Task.Slot}}']},
      RestartPolicy: {Condition: 'none'},
      // One replica per node when there are enough nodes; else they share.
      Placement: nodes.length >= req.nodes ? {MaxReplicas: 1} : {},
      Networks: req.hostNetwork ? [{Target: 'host'}] : undefined,
    },
    Mode: {Replicated: {Replicas: req.nodes}},
  }
  let serviceId: string | undefined
  try {
    const created = (await docker.createService(spec as never)) as {id?: string; ID?: string}
    serviceId = created.id ?? created.ID
    const durationMs = settings.durationMs + settings.warmupMs
    const deadline = Date.parse(startAt) + durationMs + settings.timeoutMs + 60_000
    let tasks: RawTask[] = []
    // Wait until every task has finished (or failed), bounded by the run's length plus a minute.
    while (!hooks.signal?.aborted && Date.now() < deadline) {
      tasks = (await docker.listTasks({
        filters: JSON.stringify({service: [serviceId]}),
      } as never)) as unknown as RawTask[]
      if (tasks.length >= req.nodes && tasks.every((t) => TERMINAL.has(t.Status?.State ?? ''))) break
      await sleep(500, hooks.signal)
    }

    if (hooks.signal?.aborted) throw Object.assign(new Error('interrupted'), {interrupted: true})
    const logs = await readServiceLogLines(client, serviceId!)
    const rows: NodeRow[] = []
    const parts: LoadResult[] = []
    for (const t of [...tasks].sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0))) {
      const task = `${name}.${t.Slot ?? t.ID.slice(0, 12)}`
      const node = t.NodeID ? (nodeName.get(t.NodeID) ?? t.NodeID) : '?'
      const lines = logs.get(t.ID) ?? []
      const r = decodeReplicaResult(lines)
      const conns = share(settings.connections, req.nodes, t.Slot ?? 1)
      if (!r) {
        const state = t.Status?.State ?? '?'
        const why = t.Status?.Err || (state === 'complete' ? 'no result in its log' : `task ${state}`)
        const last = lines.findLast((l) => !l.startsWith(RESULT_MARK))
        const missing = last ? `${why}: ${last.slice(0, 300)}` : why
        rows.push({task, node, ok: false, missing, connections: conns, requests: 0, requestsPerSecond: 0, errors: 0})
        continue
      }

      parts.push(r)
      rows.push({
        task,
        node,
        ok: true,
        connections: r.settings.connections,
        requests: r.requests.total,
        requestsPerSecond: r.requests.perSecond,
        latency: latencyRow(r.latency),
        errors: r.errors.total,
        histogram: r.histogram,
        startedAt: r.startedAt,
      })
    }

    // A task that never appeared (not scheduled before the deadline) is missing too.
    for (let slot = 1; slot <= req.nodes; slot++) {
      if (!tasks.some((t) => t.Slot === slot)) {
        const connections = share(settings.connections, req.nodes, slot)
        const task = `${name}.${slot}`
        rows.push({
          task,
          node: '?',
          ok: false,
          missing: 'never scheduled',
          connections,
          requests: 0,
          requestsPerSecond: 0,
          errors: 0,
        })
      }
    }

    if (parts.length === 0) {
      const first = rows.find((r) => !r.ok)
      const why = first ? ` (${first.task} on ${first.node}: ${first.missing})` : ''
      throw new SourceUnreachableError(`no replica of ${name} returned a result${why}`, {
        hint: `is the image ${req.image} on every node? (scripts/image.sh builds it; docker save | docker load copies it)`,
      })
    }

    const url = parts[0]!.target.kind === 'url' ? parts[0]!.target.url : req.target
    const merged = mergeResults(parts, {target: {kind: 'url', url}, thresholds: settings.thresholds})
    const missing = rows.filter((r) => !r.ok).length
    if (missing > 0) merged.ok = false
    return {
      ...merged,
      distributed: {service: name, image: req.image, replicas: req.nodes, startAt, nodes: rows, missing},
    }
  } finally {
    if (serviceId)
      await docker
        .getService(serviceId)
        .remove()
        .catch(() => undefined)
  }
}

/** The service's logs through the manager, each line's text grouped by task (details give the task id). */
async function readServiceLogLines(client: DockerClient, serviceId: string): Promise<Map<string, string[]>> {
  const [{openLogStream}, {FrameDemuxer}] = await Promise.all([
    import('../logs/docker-hosts.js'),
    import('../logs/docker-logs.js'),
  ])
  const stream = await openLogStream(client, `/services/${encodeURIComponent(serviceId)}/logs`, {
    stdout: true,
    stderr: true,
    details: true,
  })
  const byTask = new Map<string, string[]>()
  const pending: Record<1 | 2, string> = {1: '', 2: ''}
  let total = 0
  const onLine = (line: string) => {
    const sp = line.indexOf(' ')
    const details = sp === -1 ? '' : line.slice(0, sp)
    const task = /(?:^|,)com\.docker\.swarm\.task\.id=([^,]*)/.exec(details)?.[1] ?? ''
    const list = byTask.get(task) ?? []
    list.push(sp === -1 ? line : line.slice(sp + 1))
    byTask.set(task, list)
  }

  const demux = new FrameDemuxer((s, payload) => {
    total += payload.length
    // Bounded: a replica prints a result of tens of KiB; 64 MiB of log is not one.
    if (total > 64 * 1024 * 1024) throw new Error('the service log is larger than 64 MiB')
    const text = pending[s] + payload.toString('utf8')
    const lines = text.split('\n')
    pending[s] = lines.pop()!
    for (const l of lines) onLine(l)
  })
  for await (const chunk of stream) demux.push(chunk as Buffer)
  for (const s of [1, 2] as const) if (pending[s]) onLine(pending[s])
  return byTask
}

export interface ReplicaPlan {
  /** Replicas in all (--replica-of). */
  of: number
  /** This task's slot, 1-based (MCP_TASK_SLOT, from the service's {{.Task.Slot}} template). */
  slot: number
  /** The agreed start (--start-at, ISO 8601). */
  startAt: string
}

/**
 * In a replica: this task's share of the load flags (connections, rate, request count), and how
 * long to wait for the agreed start. A start more than 10 minutes away is refused (a clock is wrong).
 */
export function replicaFlags<F extends RawLoadFlags>(
  flags: F,
  plan: ReplicaPlan,
  now = Date.now(),
): {flags: F; waitMs: number} {
  if (
    !Number.isInteger(plan.of) ||
    plan.of < 1 ||
    !Number.isInteger(plan.slot) ||
    plan.slot < 1 ||
    plan.slot > plan.of
  ) {
    throw new UsageError(`replica slot ${plan.slot} of ${plan.of} is not valid`, {
      hint: 'set MCP_TASK_SLOT (1..N); mcp loadtest --nodes sets it',
    })
  }

  const at = Date.parse(plan.startAt)
  if (!Number.isFinite(at)) {
    throw new UsageError(`--start-at ${JSON.stringify(plan.startAt)} is not a time`, {hint: 'give an ISO 8601 time'})
  }

  const waitMs = Math.max(0, at - now)
  if (waitMs > 600_000) {
    throw new UsageError(`--start-at ${plan.startAt} is more than 10 minutes away`, {
      hint: 'check the clocks of the nodes',
    })
  }

  const settings = parseLoadSettings(flags)
  const out: F = {...flags, connections: share(settings.connections, plan.of, plan.slot)}
  if (settings.rate !== undefined) out.rate = String(settings.rate / plan.of)
  if (settings.requests !== undefined) out.requests = Math.max(1, share(settings.requests, plan.of, plan.slot))
  return {flags: out, waitMs}
}
