import net from 'node:net'
import {performance} from 'node:perf_hooks'
import tls from 'node:tls'

import {ParseError, ResponseParser, type ResponseSink} from './response-parser.js'
import {Series} from './series.js'
import {type Histogram, MAX_LATENCY_US, newLatencyHistogram} from './stats.js'

/** One place load is sent to: a URL, or one instance of a service. */
export interface LoadTarget {
  /** The instance id, or the URL for a URL target. */
  id: string
  host: string
  port: number
  tls: boolean
  /** The whole request, bytes on the wire (built once). */
  request: Buffer
  /** TLS server name (SNI) when the host is a name. */
  servername?: string
  /** TLS: skip certificate verification (-k/--insecure); extra CA certificates in PEM (--cacert). */
  insecure?: boolean
  ca?: string
  /** A --targets file's target: its line, and whether it is a HEAD request (no body in the answer). */
  line?: number
  head?: boolean
}

export interface LoadPlan {
  targets: LoadTarget[]
  connections: number
  /** Measured part of the run. */
  durationMs: number
  /** Load before measuring starts; nothing sent during it is recorded. */
  warmupMs: number
  /** Requests per second over all targets: open-loop, evenly spaced. Undefined: closed loop. */
  rate?: number
  /** Stop after this many measured responses (the duration still bounds the run). */
  requests?: number
  pipelining: number
  timeoutMs: number
  /** HEAD responses have no body whatever Content-Length says. */
  head: boolean
  /**
   * --targets: targets to the same endpoint (host, port, TLS) share connections, and each connection
   * sends their requests in turn (round robin, as vegeta cycles its targets); connections are spread
   * round robin over the endpoints.
   */
  cycle?: boolean
}

export type ErrorKind = 'connect' | 'timeout' | 'reset' | 'protocol'

/** Raw counts for one target, filled while the load runs. */
export class TargetRecorder {
  /** From the actual send to the end of the response (what a closed-loop tool measures). */
  readonly fromSend: Histogram = newLatencyHistogram()
  /** Open loop only: from the time the schedule meant the request to be sent (wrk2's correction). */
  readonly fromIntended: Histogram | undefined
  responses = 0
  bytes = 0
  /** Responses by status code (index = code, 100..999). */
  readonly status = new Uint32Array(1000)
  readonly errors: Record<ErrorKind, number> = {connect: 0, timeout: 0, reset: 0, protocol: 0}
  /** A sample of error messages by kind (first seen), for the report. */
  readonly errorSamples = new Map<ErrorKind, string>()
  connections = 0
  /** Per second of the measured run, for the HTML report. */
  readonly series = new Series()

  constructor(
    readonly target: LoadTarget,
    openLoop: boolean,
  ) {
    this.fromIntended = openLoop ? newLatencyHistogram() : undefined
  }

  error(kind: ErrorKind, count: number, message: string): void {
    this.errors[kind] += count
    this.series.error(performance.now(), count)
    if (!this.errorSamples.has(kind)) this.errorSamples.set(kind, message)
  }
}

export interface LoadOutcome {
  recorders: TargetRecorder[]
  /** Wall time of the measured part, ms. */
  measuredMs: number
  warmupMs: number
  /** Why the run ended. */
  stoppedBy: 'duration' | 'requests' | 'interrupt'
  startedAt: Date
}

export interface Progress {
  elapsedMs: number
  totalMs: number
  warmingUp: boolean
  responses: number
  errors: number
}

export interface LoadHooks {
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
  progressEveryMs?: number
}

export class TargetUnreachable extends Error {
  constructor(
    readonly target: LoadTarget,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message)
  }
}

/** One read buffer for every plain connection: onread callbacks run one at a time. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)

/** Retry delay after a failed (re)connect, so a dead target does not spin a core. */
const RECONNECT_DELAY_MS = 20

/** One connection of the plan: which target it loads, and in open loop its schedule. */
export interface ConnectionSpec {
  target: number
  /** ms between this connection's requests (0: closed loop). */
  interval: number
  /** ms after the start of its first request, so that all requests are evenly spaced. */
  offset: number
}

/**
 * Connections round robin over the targets; in open loop the rate is split evenly per target, then
 * per connection, with staggered offsets so requests to a target are evenly spaced overall.
 */
export function connectionSpecs(plan: Pick<LoadPlan, 'connections' | 'rate' | 'targets' | 'cycle'>): ConnectionSpec[] {
  // With cycle, a connection belongs to an endpoint, named by its first target.
  const leaders = plan.cycle
    ? [...new Set(endpointGroups(plan.targets).map((g) => g[0]!))]
    : plan.targets.map((_, i) => i)
  const n = leaders.length
  const perTarget = leaders.map(() => 0)
  for (let i = 0; i < plan.connections; i++) perTarget[i % n]!++
  const seen = leaders.map(() => 0)
  const specs: ConnectionSpec[] = []
  for (let i = 0; i < plan.connections; i++) {
    const slot = i % n
    const t = leaders[slot]!
    let interval = 0
    let offset = 0
    if (plan.rate !== undefined) {
      const targetRate = plan.rate / n
      interval = (1000 * perTarget[slot]!) / targetRate
      offset = (1000 * seen[slot]!) / targetRate
    }

    seen[slot]!++
    specs.push({target: t, interval, offset})
  }

  return specs
}

/** For each target, the indexes of the targets sharing its endpoint (itself included), in file order. */
export function endpointGroups(targets: readonly LoadTarget[]): number[][] {
  const byKey = new Map<string, number[]>()
  const key = (t: LoadTarget): string =>
    JSON.stringify([t.host, t.port, t.tls, t.servername ?? '', Boolean(t.insecure), t.ca ?? ''])
  targets.forEach((t, i) => {
    const k = key(t)
    const group = byKey.get(k)
    if (group) group.push(i)
    else byKey.set(k, [i])
  })
  return targets.map((t) => byKey.get(key(t))!)
}

/** The recorders one connection sends to in turn, and whose turn is next (shared by its connections). */
class RequestCycle {
  next = 0

  constructor(readonly recs: TargetRecorder[]) {}

  take(): TargetRecorder {
    const rec = this.recs[this.next]!
    this.next = (this.next + 1) % this.recs.length
    return rec
  }
}

class Engine {
  readonly recorders: TargetRecorder[]
  readonly conns: Connection[] = []
  running = false
  /** performance.now() when measuring starts; requests intended before it are not recorded. */
  recordFrom = Infinity
  endAt = Infinity
  /** Closed loop: requests still allowed to be sent (for --requests). */
  sendBudget = Infinity
  measured = 0
  measuredErrors = 0
  stoppedBy: LoadOutcome['stoppedBy'] = 'duration'
  private finish!: () => void
  readonly done: Promise<void>

  constructor(
    readonly plan: LoadPlan,
    specs: ConnectionSpec[],
  ) {
    this.recorders = plan.targets.map((t) => new TargetRecorder(t, plan.rate !== undefined))
    this.done = new Promise((resolve) => (this.finish = resolve))
    const groups = plan.cycle ? endpointGroups(plan.targets) : plan.targets.map((_, i) => [i])
    const cycles = new Map<number, RequestCycle>()
    for (const spec of specs) {
      const rec = this.recorders[spec.target]!
      rec.connections++
      let cycle = cycles.get(spec.target)
      if (!cycle)
        cycles.set(spec.target, (cycle = new RequestCycle(groups[spec.target]!.map((i) => this.recorders[i]!))))
      this.conns.push(new Connection(this, rec, cycle, spec.target, spec.interval, spec.offset))
    }
  }

  stop(reason: LoadOutcome['stoppedBy']): void {
    if (!this.running) return
    this.running = false
    this.stoppedBy = reason
    this.endAt = Math.min(this.endAt, performance.now())
    for (const c of this.conns) c.destroy()
    this.finish()
  }

  countMeasured(): void {
    this.measured++
    if (this.plan.requests !== undefined && this.measured >= this.plan.requests) this.stop('requests')
    else if (this.sendBudget === 0) this.stopWhenDrained()
  }

  /** --requests in closed loop: every budgeted request sent; stop once none is in flight. */
  stopWhenDrained(): void {
    if (this.sendBudget === 0 && this.running && this.conns.every((c) => c.inflight === 0)) this.stop('requests')
  }
}

const enum Phase {
  Idle,
  Connecting,
  Open,
  Closed,
}

class Connection implements ResponseSink {
  private socket: net.Socket | undefined
  private readonly parser: ResponseParser
  private phase = Phase.Idle
  /**
   * In-flight requests, oldest first (performance.now(), ms): when latency counts from (the intended
   * send time in open loop when the connection held the request back, else the send) and the send.
   */
  private readonly intended: number[] = []
  private readonly sent: number[] = []
  /** Whose request each in-flight one is (one recorder unless the plan cycles several targets). */
  private readonly owners: TargetRecorder[] = []
  private connectStarted = 0
  private timer: NodeJS.Timeout | undefined
  /** Rate mode: when the next request is due. */
  nextDue = 0
  /** Since when this connection could have sent (open, with a free pipelining slot). */
  private freeSince = Infinity
  /** Resolves once the first connect attempt is decided (for the start-up check). */
  firstConnect: Promise<Error | undefined>
  private settleFirst: ((e: Error | undefined) => void) | undefined

  constructor(
    private readonly engine: Engine,
    /** The endpoint's first target: connects, connect errors, the connection count. */
    private readonly rec: TargetRecorder,
    private readonly cycle: RequestCycle,
    readonly targetIndex: number,
    /** Rate mode: ms between this connection's requests (0 in closed loop). */
    private readonly interval: number,
    private readonly offset: number,
  ) {
    this.parser = new ResponseParser(this)
    this.parser.headRequest = engine.plan.head
    this.firstConnect = new Promise((resolve) => (this.settleFirst = resolve))
  }

  get inflight(): number {
    return this.sent.length
  }

  get oldestSent(): number {
    return this.sent.length > 0 ? this.sent[0]! : Infinity
  }

  get isOpen(): boolean {
    return this.phase === Phase.Open
  }

  get connectingSince(): number {
    return this.phase === Phase.Connecting ? this.connectStarted : Infinity
  }

  startSchedule(t0: number): void {
    this.nextDue = t0 + this.offset
  }

  connect(): void {
    const t = this.rec.target
    this.phase = Phase.Connecting
    this.connectStarted = performance.now()
    this.parser.reset()
    let socket: net.Socket
    if (t.tls) {
      // Verified unless -k: a request may carry an Authorization header that must reach only its server.
      socket = tls.connect({
        host: t.host,
        port: t.port,
        servername: t.servername,
        rejectUnauthorized: !t.insecure,
        ca: t.ca,
      })
      socket.on('data', (chunk: Buffer) => this.onData(chunk, 0, chunk.length))
      socket.once('secureConnect', () => this.onConnect(socket))
    } else {
      socket = net.connect({
        host: t.host,
        port: t.port,
        noDelay: true,
        onread: {
          buffer: READ_BUFFER,
          callback: (n: number, buf: Uint8Array): boolean => {
            this.onData(buf as Buffer, 0, n)
            return true
          },
        },
      })
      socket.once('connect', () => this.onConnect(socket))
    }

    this.socket = socket
    socket.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(socket, err))
    socket.on('close', () => this.onSocketClose(socket))
  }

  private onConnect(socket: net.Socket): void {
    if (socket !== this.socket) return
    this.phase = Phase.Open
    this.freeSince = performance.now()
    if (this.settleFirst) {
      this.settleFirst(undefined)
      this.settleFirst = undefined
      return // the engine starts sending when every connection is up
    }

    this.pump()
  }

  /** Send whatever this connection may send now. */
  pump(now = performance.now()): void {
    const e = this.engine
    if (!e.running || this.phase !== Phase.Open) return
    const depth = e.plan.pipelining
    if (this.interval === 0) {
      while (this.sent.length < depth && e.sendBudget > 0) {
        // Warmup requests do not count against --requests.
        if (now >= e.recordFrom) e.sendBudget--
        this.intended.push(now)
        this.sent.push(now)
        this.send()
      }

      return
    }

    while (this.sent.length < depth && this.nextDue <= now) {
      // Late because the connection was busy (the server's doing): latency runs from the intended
      // time. Late only by our own timer (Node timers have 1 ms granularity): from the send.
      this.intended.push(this.freeSince > this.nextDue ? this.nextDue : now)
      this.sent.push(now)
      this.nextDue += this.interval
      this.send()
      now = performance.now()
    }

    if (this.sent.length < depth && this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, Math.max(0, this.nextDue - now))
    }
  }

  /** Write the next request of the cycle and remember whose it is. */
  private send(): void {
    const owner = this.cycle.take()
    if (this.owners.length === 0) this.parser.headRequest = owner.target.head ?? this.engine.plan.head
    this.owners.push(owner)
    this.socket!.write(owner.target.request)
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    this.pump(performance.now())
  }

  private onData(buf: Buffer, start: number, end: number): void {
    // Bytes read during --warmup are not the measured run's (Transfer/sec).
    // With several targets on a connection, the bytes go to the oldest request's (a chunk rarely spans two).
    if (this.engine.plan.warmupMs === 0 || performance.now() >= this.engine.recordFrom)
      (this.owners[0] ?? this.rec).bytes += end - start
    try {
      this.parser.execute(buf, start, end)
    } catch (error) {
      if (error instanceof ParseError) {
        this.failInflight('protocol', `invalid response: ${error.message}`)
        this.restart()
        return
      }

      throw error
    }
  }

  onResponse(status: number, close: boolean): void {
    const now = performance.now()
    if (this.sent.length === this.engine.plan.pipelining) this.freeSince = now
    const intended = this.intended.shift()
    const sent = this.sent.shift()
    const owner = this.owners.shift() ?? this.rec
    const next = this.owners[0]
    if (next) this.parser.headRequest = next.target.head ?? this.engine.plan.head
    const e = this.engine
    if (intended !== undefined && sent !== undefined && intended >= e.recordFrom && e.running) {
      const rec = owner
      rec.fromSend.recordValue(toMicros(now - sent))
      if (rec.fromIntended) rec.fromIntended.recordValue(toMicros(now - intended))
      rec.series.record(now, toMicros(now - (rec.fromIntended ? intended : sent)))
      rec.responses++
      rec.status[status]!++
      e.countMeasured()
    }

    if (close) {
      this.restart()
      return
    }

    this.pump(now)
  }

  /** Count every in-flight request as failed. */
  private failInflight(kind: ErrorKind, message: string): void {
    const e = this.engine
    let n = 0
    this.intended.forEach((t, k) => {
      if (t < e.recordFrom) return
      n++
      if (e.running) (this.owners[k] ?? this.rec).error(kind, 1, message)
    })
    if (n > 0 && e.running) e.measuredErrors += n
    this.intended.length = 0
    this.sent.length = 0
    this.owners.length = 0
    if (n > 0) e.stopWhenDrained()
  }

  private onSocketError(socket: net.Socket, err: NodeJS.ErrnoException): void {
    if (socket !== this.socket) return
    if (this.phase === Phase.Connecting) {
      if (this.settleFirst) {
        this.settleFirst(err)
        this.settleFirst = undefined
        this.phase = Phase.Closed
        return
      }

      const e = this.engine
      if (e.running && performance.now() >= e.recordFrom) {
        this.rec.error('connect', 1, `${err.code ?? ''} ${err.message}`.trim())
        e.measuredErrors++
      }

      this.phase = Phase.Closed
      this.scheduleReconnect(RECONNECT_DELAY_MS)
      return
    }

    this.failInflight('reset', `${err.code ?? ''} ${err.message}`.trim())
    this.phase = Phase.Closed
    this.scheduleReconnect(0)
  }

  private onSocketClose(socket: net.Socket): void {
    if (socket !== this.socket || this.phase === Phase.Closed) return
    this.parser.end()
    if (this.sent.length > 0) this.failInflight('reset', 'connection closed by the server with requests in flight')
    this.phase = Phase.Closed
    this.scheduleReconnect(0)
  }

  /** Timed out: the in-flight requests count as timeouts and the connection starts over. */
  timeout(): void {
    if (this.phase === Phase.Connecting) {
      const e = this.engine
      if (e.running && performance.now() >= e.recordFrom) {
        this.rec.error('connect', 1, 'connect timed out')
        e.measuredErrors++
      }
    } else {
      this.failInflight('timeout', 'no response within --timeout')
    }

    this.restart()
  }

  /** Drop the socket and connect again (server closed, timeout, bad response). */
  private restart(): void {
    this.failInflight('reset', 'connection closed with requests in flight')
    this.closeSocket()
    this.scheduleReconnect(0)
  }

  private scheduleReconnect(delay: number): void {
    if (!this.engine.running) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.engine.running) this.connect()
    }, delay)
  }

  private closeSocket(): void {
    const s = this.socket
    this.socket = undefined
    this.phase = Phase.Closed
    if (s) {
      s.removeAllListeners('data')
      s.on('error', () => undefined)
      s.destroy()
    }
  }

  destroy(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.intended.length = 0
    this.sent.length = 0
    this.owners.length = 0
    this.closeSocket()
  }
}

function toMicros(ms: number): number {
  const us = Math.round(ms * 1000)
  return us < 1 ? 1 : Math.min(us, MAX_LATENCY_US)
}

/** Wall-clock milliseconds with sub-ms precision, comparable across threads. */
export function absoluteNow(): number {
  return performance.timeOrigin + performance.now()
}

/** A load with every connection open, waiting for start(). */
export interface PreparedLoad {
  /** Start at absolute time t0 (absoluteNow() clock) and run to the end. */
  start(t0: number, hooks?: LoadHooks): Promise<LoadOutcome>
  /** Counts so far (for progress across threads). */
  counts(): {responses: number; errors: number}
  stop(reason: LoadOutcome['stoppedBy']): void
}

/**
 * Open every connection of `specs` (default: the whole plan) before the clock starts, so set-up cost
 * is not counted as latency. A target none of whose connections open throws TargetUnreachable
 * before any load is sent.
 */
export async function prepareLoad(
  plan: LoadPlan,
  specs: ConnectionSpec[] = connectionSpecs(plan),
): Promise<PreparedLoad> {
  const engine = new Engine(plan, specs)
  const startedAt = new Date()
  engine.running = true
  for (const c of engine.conns) c.connect()
  const connectDeadline = setTimeout(() => {
    for (const c of engine.conns) if (c.connectingSince !== Infinity) c.destroy()
  }, plan.timeoutMs)
  const firstErrors = await Promise.race([
    Promise.all(engine.conns.map((c) => c.firstConnect)),
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), plan.timeoutMs + 50).unref()),
  ])
  clearTimeout(connectDeadline)
  const errors =
    firstErrors === 'timeout'
      ? engine.conns.map((c) => (c.isOpen ? undefined : new Error('connect timed out')))
      : firstErrors
  for (const [i, rec] of engine.recorders.entries()) {
    const mine = engine.conns.map((c, k) => ({c, err: errors[k]})).filter((m) => m.c.targetIndex === i)
    if (mine.length > 0 && mine.every((m) => m.err !== undefined)) {
      engine.running = false
      for (const c of engine.conns) c.destroy()
      const err = mine[0]!.err as NodeJS.ErrnoException
      throw new TargetUnreachable(rec.target, err.code, err.message)
    }
  }

  return {
    counts: () => ({responses: engine.measured, errors: engine.measuredErrors}),
    stop: (reason) => engine.stop(reason),
    start: (t0Absolute, hooks = {}) =>
      runPrepared(engine, errors, startedAt, t0Absolute - performance.timeOrigin, hooks),
  }
}

async function runPrepared(
  engine: Engine,
  firstErrors: (Error | undefined)[],
  startedAt: Date,
  t0: number,
  hooks: LoadHooks,
): Promise<LoadOutcome> {
  const {plan} = engine
  const wait = t0 - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  engine.recordFrom = t0 + plan.warmupMs
  for (const r of engine.recorders) r.series.t0 = engine.recordFrom
  engine.endAt = engine.recordFrom + plan.durationMs
  if (plan.rate === undefined && plan.requests !== undefined) engine.sendBudget = plan.requests
  const sweepEvery = Math.max(5, Math.min(250, plan.timeoutMs / 4))
  const sweep = setInterval(() => {
    const now = performance.now()
    if (now >= engine.endAt) {
      engine.stop('duration')
      return
    }

    for (const c of engine.conns) {
      if (now - c.oldestSent > plan.timeoutMs || now - c.connectingSince > plan.timeoutMs) c.timeout()
    }
  }, sweepEvery)
  const endTimer = setTimeout(() => engine.stop('duration'), Math.max(0, engine.endAt - performance.now()))
  const onAbort = (): void => engine.stop('interrupt')
  hooks.signal?.addEventListener('abort', onAbort)
  if (hooks.signal?.aborted) engine.stop('interrupt')
  let progressTimer: NodeJS.Timeout | undefined
  if (hooks.onProgress) {
    const total = plan.warmupMs + plan.durationMs
    const report = (): void => {
      const elapsed = performance.now() - t0
      hooks.onProgress!({
        elapsedMs: Math.min(elapsed, total),
        totalMs: total,
        warmingUp: elapsed < plan.warmupMs,
        responses: engine.measured,
        errors: engine.measuredErrors,
      })
    }

    progressTimer = setInterval(report, hooks.progressEveryMs ?? 250)
  }

  for (const c of engine.conns) {
    c.startSchedule(t0)
    c.pump()
  }

  // Connections that failed while others to the same target opened try again once load starts.
  engine.conns.forEach((c, k) => {
    if (firstErrors[k] !== undefined && !c.isOpen) c.connect()
  })
  await engine.done
  clearInterval(sweep)
  clearTimeout(endTimer)
  if (progressTimer) clearInterval(progressTimer)
  hooks.signal?.removeEventListener('abort', onAbort)
  const measuredMs = Math.max(0, engine.endAt - engine.recordFrom)
  return {recorders: engine.recorders, measuredMs, warmupMs: plan.warmupMs, stoppedBy: engine.stoppedBy, startedAt}
}

/**
 * Run the load described by `plan` in this thread and return what was measured.
 * The run always ends: at warmup + duration, after `requests` responses, or on `signal`.
 */
export async function runLoad(plan: LoadPlan, hooks: LoadHooks = {}): Promise<LoadOutcome> {
  const prepared = await prepareLoad(plan)
  return prepared.start(absoluteNow(), hooks)
}
