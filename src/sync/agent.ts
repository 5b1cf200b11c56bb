import {Chalk} from 'chalk'

import type {Connections} from '../core/connections.js'
import type {TextServer} from '../net/serve.js'

import {ExitCode} from '../core/exit-codes.js'
import {describeError} from '../discover/view.js'
import {ContainerState, RawDockerEvent, watchDocker, watchStopSignal} from '../discover/watch.js'
import {labelKeys} from '../model/labels.js'
import {registrationValue} from './desired.js'
import {AppliedAction, SyncEngine, SyncOptions} from './engine.js'
import {AgentMetrics, serveMetrics} from './metrics.js'
import {planSync, skipText, SyncPlan} from './plan.js'
import {visible} from './render.js'
import {openStore} from './stores.js'

export interface AgentOptions extends SyncOptions {
  registry: 'etcd' | 'consul'
  ttlSeconds: number
  resyncMs: number
  /** HTTP readiness checks of containers without a HEALTHCHECK, this often. */
  checkIntervalMs: number
  listen?: string
}

export interface AgentIO {
  /** NDJSON log lines instead of text. */
  json: boolean
  color: boolean
  out: (line: string) => void
  warn: (line: string) => void
  /** Stops the agent (tests); SIGINT and SIGTERM also do. */
  signal?: AbortSignal
}

/** What set off a reconcile, for the log: a Docker event, the timer, a reconnect. */
interface Trigger {
  why: string
  /** When it happened (ms since the epoch): each action logs how long after it the write landed. */
  atMs: number
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000]

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      signal.removeEventListener('abort', done)
      clearTimeout(t)
      resolve()
    }

    signal.addEventListener('abort', done, {once: true})
  })

/**
 * `mcp sync --watch`: the registration agent. Docker events reconcile the container they name, one
 * at a time; a full resync runs at start, every resyncMs, after Docker reconnects (discover's
 * watchDocker does the reconnecting), after etcd answers again and when a lease was lost (a new
 * one is granted first). Failures are retried from the one place below, with backoff. SIGTERM or
 * SIGINT revokes the lease (etcd) or deregisters (Consul): the entries are gone at once.
 */
export async function runAgent(connections: Connections, options: AgentOptions, io: AgentIO): Promise<number> {
  const c = new Chalk({level: io.color ? 1 : 0})
  const {signal, release} = watchStopSignal(io.signal)
  const metrics = new AgentMetrics()
  const queue = new Set<string>()
  const triggers = new Map<string, Trigger>()
  let fullPending: Trigger | undefined = {why: 'start', atMs: Date.now()}
  let wake: (() => void) | undefined
  const kick = () => {
    wake?.()
    wake = undefined
  }

  const requestFull = (why: string) => {
    fullPending ??= {why, atMs: Date.now()}
    kick()
  }

  const store = openStore(options.registry, connections, options.ttlSeconds, options.owner, {
    onLeaseLost(error) {
      log('lease', {reason: `lease lost (${describeError(error)}): granting a new one and registering again`})
      requestFull('lease lost')
    },
    onReconnected: () => requestFull('etcd reconnected'),
  })
  const engine = new SyncEngine(connections, options, store, true)
  /** Keys this agent wrote for each container: a renamed or removed one's old key is known without a value to say so. */
  const keysByContainer = new Map<string, Set<string>>()
  const lastSkip = new Map<string, string>()
  const lastForeign = new Map<string, string>()

  const log = (event: string, fields: Record<string, unknown>) => {
    const time = new Date().toISOString()
    if (io.json) {
      io.out(JSON.stringify({time, event, ...fields}))
      return
    }

    const paint =
      event === 'add'
        ? c.green
        : event === 'remove' || event === 'error'
          ? c.red
          : event === 'update'
            ? c.yellow
            : c.dim
    // The written value is for machines (--json); a person reads the address and the reason.
    const {key, address, reason, ms, trigger, value: _value, ...rest} = fields
    const extra = Object.entries(rest)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ')
    const text = (v: unknown) => visible(String(v))
    const parts = [
      key && text(key),
      address && text(address),
      reason && `(${text(reason)})`,
      trigger && c.dim(`after ${text(trigger)}`),
      ms !== undefined && c.dim(`${ms} ms`),
      extra && c.dim(text(extra)),
    ]
    io.out(`${c.dim(time.slice(11, 23))}  ${paint(event.padEnd(7))} ${parts.filter(Boolean).join('  ')}`)
  }

  /** `trigger`: what set the reconcile off, or per container (a batch of events). */
  const record = (
    applied: AppliedAction[],
    plan: SyncPlan,
    triggerOf: Trigger | ((containerId?: string) => Trigger),
  ) => {
    const triggerFor = (containerId?: string) => (typeof triggerOf === 'function' ? triggerOf(containerId) : triggerOf)
    for (const a of applied) {
      const trigger = triggerFor(a.containerId)
      const ms = Math.max(0, Math.round(Date.now() - trigger.atMs))
      if (a.status === 'failed') {
        metrics.errors++
        log('error', {key: a.key, reason: `${a.kind} failed: ${a.error}`, trigger: trigger.why})
        continue
      }

      metrics.actions[a.kind]++
      // Registered again: the next reason it is skipped is news.
      if (a.kind !== 'remove' && a.containerId) lastSkip.delete(a.containerId)
      if (a.containerId) {
        const keys = keysByContainer.get(a.containerId) ?? new Set()
        if (a.kind === 'remove') keys.delete(a.key)
        else keys.add(a.key)
        if (keys.size > 0) keysByContainer.set(a.containerId, keys)
        else keysByContainer.delete(a.containerId)
      }

      log(a.kind, {
        key: a.key,
        address: a.registration?.address ?? a.current?.address,
        reason: a.reason,
        trigger: trigger.why,
        ms,
        ...(a.kind === 'add' || a.kind === 'update'
          ? {value: registrationValue(a.registration!, options.valueFormat)}
          : {}),
      })
    }

    for (const s of plan.skipped) {
      const text = skipText(s)
      if (lastSkip.get(s.containerId) === text) continue
      lastSkip.set(s.containerId, text)
      log('skip', {key: s.key, reason: `${s.container}: ${text}`, trigger: triggerFor(s.containerId).why})
    }

    for (const f of plan.foreign) {
      const text = `${f.kind}: ${f.reason}`
      if (lastForeign.get(f.key) === text) continue
      lastForeign.set(f.key, text)
      log('foreign', {key: f.key, address: f.address, reason: text})
    }
  }

  const planOptions = () => ({
    owner: options.owner,
    leaseId: store.leaseId,
    valueFormat: options.valueFormat,
    pruneForeign: options.pruneForeign,
  })
  const remember = (containerId: string, key: string) => {
    keysByContainer.set(containerId, new Set([...(keysByContainer.get(containerId) ?? []), key]))
  }

  const fullResync = async (trigger: Trigger) => {
    const start = process.hrtime.bigint()
    await store.prepare()
    const containers = await engine.listRunning()
    const [list, current] = await Promise.all([engine.observe(containers), engine.readCurrent()])
    const plan = planSync(list, current, planOptions())
    const applied = await engine.apply(plan)
    record(applied, plan, trigger)
    // What this agent owns now, rebuilt from the registry itself.
    keysByContainer.clear()
    const removed = new Set(applied.filter((a) => a.kind === 'remove' && a.status === 'done').map((a) => a.key))
    const mine = (e: (typeof current)[number]) =>
      e.registeredBy === options.owner || Boolean(store.leaseId && e.leaseId === store.leaseId)
    for (const e of current) if (e.containerId && !removed.has(e.key) && mine(e)) remember(e.containerId, e.key)
    for (const a of applied)
      if (a.kind === 'add' && a.status === 'done' && a.containerId) remember(a.containerId, a.key)
    const live = new Set(containers.map((d) => d.id))
    for (const id of lastSkip.keys()) if (!live.has(id)) lastSkip.delete(id)
    const foreign = new Set(plan.foreign.map((f) => f.key))
    for (const key of lastForeign.keys()) if (!foreign.has(key)) lastForeign.delete(key)
    metrics.registrations = [...keysByContainer.values()].reduce((n, keys) => n + keys.size, 0)
    metrics.lastResync = Math.floor(Date.now() / 1000)
    metrics.lastResyncMs = Number(process.hrtime.bigint() - start) / 1e6
    // The timer's quiet resyncs are not logged: only those that did something or that something caused.
    if (trigger.why !== 'resync timer' || applied.length > 0) {
      const reason = `full resync: ${metrics.registrations} registered, ${applied.length} changed, ${plan.unchanged} unchanged`
      log('resync', {reason, trigger: trigger.why, ms: Math.round(metrics.lastResyncMs)})
    }

    if (applied.some((a) => a.status === 'failed')) throw new Error('some writes failed')
  }

  /**
   * Reconcile the containers events named: each one's desired entry against its own keys only.
   * Events that queued up meanwhile share one container list and one registry read.
   */
  const reconcileContainers = async (batch: Map<string, Trigger>) => {
    await store.prepare()
    const ids = new Set(batch.keys())
    const containers = await engine.listRunning()
    const [list, current] = await Promise.all([engine.observe(containers, ids), engine.readCurrent()])
    const keys = new Set<string>()
    for (const id of ids) for (const key of keysByContainer.get(id) ?? []) keys.add(key)
    for (const cand of list) if (ids.has(cand.container.id)) keys.add(cand.key)
    const plan = planSync(list, current, {...planOptions(), scope: {keys, containerIds: ids}})
    const applied = await engine.apply(plan)
    const first = batch.values().next().value as Trigger
    record(applied, plan, (containerId) => (containerId && batch.get(containerId)) || first)
    metrics.registrations = [...keysByContainer.values()].reduce((n, k) => n + k.size, 0)
    if (applied.some((a) => a.status === 'failed')) throw new Error('some writes failed')
  }

  signal.addEventListener('abort', kick, {once: true})
  /** The one loop that reconciles, retries with backoff, and resyncs after any failure. */
  const worker = async () => {
    let attempt = 0
    while (!signal.aborted) {
      if (!fullPending && queue.size === 0) {
        await new Promise<void>((resolve) => (wake = resolve))
        continue
      }

      try {
        if (fullPending) {
          const trigger = fullPending
          fullPending = undefined
          queue.clear()
          try {
            await fullResync(trigger)
          } catch (error) {
            fullPending ??= trigger
            throw error
          }
        } else {
          const batch = new Map<string, Trigger>()
          for (const id of queue) {
            batch.set(id, triggers.get(id) ?? {why: 'event', atMs: Date.now()})
            triggers.delete(id)
            if (batch.size >= 64) break
          }

          for (const id of batch.keys()) queue.delete(id)
          // A failure is not lost: the full resync that follows any failure covers these containers.
          await reconcileContainers(batch)
        }

        if (attempt > 0) log('recovered', {reason: 'Docker and the registry answer again'})
        attempt = 0
        metrics.healthy = true
        metrics.lastError = undefined
      } catch (error) {
        if (signal.aborted) break
        metrics.errors++
        metrics.healthy = false
        metrics.lastError = describeError(error)
        // Whatever failed, the next step is a full resync once things answer: nothing is lost.
        fullPending ??= {why: 'retry', atMs: Date.now()}
        const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!
        log('error', {reason: `${metrics.lastError}; full resync in ${wait} ms`})
        attempt++
        await sleep(wait, signal)
      }
    }
  }

  let server: TextServer | undefined
  if (options.listen) server = await serveMetrics(options.listen, metrics)
  const leased = options.ttlSeconds > 0 && store.name === 'etcd'
  log('start', {
    reason: `agent ${options.owner} registering in ${store.name} ${store.endpoint}${leased ? ` on a ${options.ttlSeconds}s lease` : ''}`,
    ...(options.listen ? {listen: options.listen} : {}),
  })

  const onEvent = (e: RawDockerEvent) => {
    queue.add(e.containerId)
    // The first event of a burst is what the wait is measured from.
    if (!triggers.has(e.containerId)) {
      triggers.set(e.containerId, {why: `${e.type === 'network' ? 'network ' : ''}${e.action}`, atMs: e.atMs})
    }

    kick()
  }

  const known = new Map<string, ContainerState>()
  const nameLabel = labelKeys(connections.labelPrefix).serviceName
  const docker = watchDocker(
    connections,
    known,
    true,
    nameLabel,
    undefined,
    // Lines of discover's follower are not this agent's log; a reconnect means events were missed.
    (_source, event) => {
      if (event === 'reconnected') requestFull('Docker reconnected')
    },
    {warn: (line) => log('error', {reason: line})},
    signal,
    Date.now() / 1000,
    {events: ['update'], network: true, onEvent},
  )
  const resyncTimer = setInterval(() => requestFull('resync timer'), options.resyncMs)
  // Containers checked over HTTP have no event for a failing health path: they are looked at on a timer.
  const checkTimer = setInterval(() => {
    for (const id of engine.httpChecked) {
      queue.add(id)
      if (!triggers.has(id)) triggers.set(id, {why: 'check timer', atMs: Date.now()})
    }

    if (engine.httpChecked.size > 0) kick()
  }, options.checkIntervalMs)
  const work = worker()
  await new Promise<void>((resolve) =>
    signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), {once: true}),
  )
  clearInterval(resyncTimer)
  clearInterval(checkTimer)
  kick()
  await Promise.all([work, docker])
  let exitCode: number = ExitCode.OK
  try {
    await store.close({revoke: true})
    const reason =
      store.name === 'etcd'
        ? 'lease revoked: every entry of this agent is gone'
        : 'deregistered every service of this agent'
    log('stop', {reason})
  } catch (error) {
    log('error', {reason: `on stop: ${describeError(error)} (entries expire with the lease)`})
    exitCode = ExitCode.PARTIAL
  }

  await server?.close()
  release()
  return exitCode
}
