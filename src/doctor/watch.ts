import {Chalk} from 'chalk'

import type {Connections} from '../core/connections.js'
import type {EtcdRegistration} from '../model/types.js'
import type {EtcdChange} from '../registry/etcd.js'

import {withDeadline} from '../core/deadline.js'
import {formatDuration} from '../core/duration.js'
import {worstExitCode} from '../core/exit-codes.js'
import {terminalText} from '../core/terminal-text.js'
import {probeInstance} from '../discover/probe.js'
import {describeError} from '../discover/view.js'
import {ContainerState, stateOf, watchDocker, watchEtcd, watchStopSignal} from '../discover/watch.js'
import {connectDocker} from '../docker/client.js'
import {listContainers} from '../docker/containers.js'
import {labelKeys} from '../model/labels.js'
import {mergeView} from '../model/merge.js'
import {Finding, locationText} from '../report/findings/finding.js'
import {applyOverrides, exitCodeForFindings, FailPolicy, RuleOverrides} from '../report/findings/policy.js'
import {allInstances, finding, registryLocation} from './check.js'
import {earlyRegistration} from './checks/index.js'
import {doctorJson, doctorNotes, toJsonFinding} from './output.js'
import {DoctorOptions, runDoctor, selectChecks} from './run.js'
import {
  DoctorWatchConfig,
  DoctorWatchEffect,
  DoctorWatchEvent,
  initialWatchState,
  watchExitCode,
  watchStep,
} from './watch-state.js'

export interface DoctorWatchIO {
  color: boolean
  /** JSON lines: {"time","event":"snapshot"|"finding"|"resolved"|"ready",...}. */
  json: boolean
  out: (line: string) => void
  warn: (line: string) => void
  /** The first report, rendered by the command (stylish, or any --format). */
  snapshot: (findings: Finding[]) => string
  /** Stops the watch (tests); SIGINT/SIGTERM also do. */
  signal?: AbortSignal
}

export interface DoctorWatchOptions extends DoctorOptions {
  policy: FailPolicy
  overrides: (RuleOverrides | undefined)[]
  /** Re-run every check this often even without events (grace periods end, probes change). */
  recheckMs?: number
}

/**
 * Judge one registration the moment it appears: is its container ready? Not running, Docker health
 * starting or unhealthy, or (no health check) a failing health path through a loopback port → an
 * EARLY_REGISTRATION finding. `before`: when the registration was written while no container
 * matched it (judged again on Docker's create/start), which is early whatever the container's state.
 * `matched: false`: no container here has it (yet).
 */
export async function judgeRegistration(
  reg: EtcdRegistration,
  /** The service's other registrations: they claim their containers first, as in the snapshot. */
  others: EtcdRegistration[],
  connections: Connections,
  probe: DoctorOptions['probe'],
  before?: number,
  /** When the put was seen (ms since the epoch): a container that stopped after it was running when written. */
  seenAt?: number,
): Promise<{matched: boolean; finding?: Finding}> {
  const client = connectDocker(connections.docker, connections.timeoutMs)
  const containers = await withDeadline(
    listContainers(client, {labelPrefix: connections.labelPrefix, all: true, match: 'anyPrefix'}),
    connections.timeoutMs,
    'Docker',
  )
  const view = mergeView({
    containers,
    etcd: [...others.filter((o) => o.service === reg.service && o.key !== reg.key), reg],
    consul: [],
    sources: [],
    labelPrefix: connections.labelPrefix,
    dockerHostAddress: client.target.hostAddress,
    services: [reg.service],
  })
  const instance = allInstances(view).find((i) => i.etcd?.key === reg.key)
  const d = instance?.docker
  if (!instance || !d) return {matched: false}
  const evidence: Record<string, unknown> = {
    key: reg.key,
    registered: reg.address ?? null,
    revision: reg.modRevision,
    container: d.name,
    state: d.state,
    health: d.health,
    status: d.status,
  }
  const why: string[] = []
  if (before !== undefined) {
    evidence.registeredBeforeContainer = formatDuration(Date.now() - before)
    why.push(`it was registered ${formatDuration(Date.now() - before)} before its container existed`)
  }

  if (d.state !== 'running') {
    // Stopped since the put arrived (the judge lists after it, racing a fast stop): it ran when written.
    const finished =
      seenAt !== undefined && before === undefined ? await finishedAt(client, d.id, connections.timeoutMs) : undefined
    if (finished !== undefined && finished >= seenAt!) return {matched: true}
    why.push(`its container ${d.name} is ${d.state}, not running`)
  } else if (d.health === 'starting') why.push(`its container ${d.name} is still starting (health: starting)`)
  else if (d.health === 'unhealthy') why.push(`its container ${d.name} is unhealthy`)
  else if (d.health === 'none' && probe) {
    const p = await probeInstance(instance, {timeoutMs: Math.min(connections.timeoutMs, 2000), any: probe === 'any'})
    evidence.probe = p
    if (p.probed && !p.ok) why.push(`its health path fails: GET ${p.url} → ${p.status ?? p.error}`)
  }

  if (why.length === 0) return {matched: true}
  return {
    matched: true,
    finding: finding(earlyRegistration, instance, {
      message: `registered at ${reg.address ?? '(no address)'} before it was ready: ${why.join('; ')}`,
      hint: "the gateway sends traffic to it before it can answer: register on Docker's health_status: healthy event (give the image a HEALTHCHECK), not on start",
      evidence,
      location: registryLocation({registry: 'etcd', key: reg.key}),
    }),
  }
}

/** When a container stopped (State.FinishedAt, ms since the epoch), or undefined when unknown. */
async function finishedAt(
  client: ReturnType<typeof connectDocker>,
  id: string,
  timeoutMs: number,
): Promise<number | undefined> {
  try {
    const info = await withDeadline(client.docker.getContainer(id).inspect(), timeoutMs, 'Docker inspect')
    const t = Date.parse(info.State?.FinishedAt ?? '')
    return Number.isFinite(t) && t > 0 ? t : undefined
  } catch {
    return undefined
  }
}

/** One line (two for a new finding with a hint) for a print effect, or a JSON line under --json. */
export function watchLines(
  effect: Extract<DoctorWatchEffect, {type: 'print'}>,
  options: {color: boolean; json: boolean; time: string},
): string[] {
  const {event, finding: f} = effect
  if (options.json) {
    return [
      JSON.stringify({
        time: options.time,
        event,
        finding: toJsonFinding(f),
        ...(event === 'ready' ? {after: effect.after} : {}),
      }),
    ]
  }

  const c = new Chalk({level: options.color ? 1 : 0})
  const sev =
    event === 'resolved'
      ? c.green('resolved')
      : event === 'ready'
        ? c.blue('ready   ')
        : f.severity === 'error'
          ? c.red('error   ')
          : f.severity === 'warning'
            ? c.yellow('warning ')
            : c.blue('info    ')
  const who = [f.service, f.instance].filter(Boolean).join('/') || locationText(f.location)
  const text = event === 'ready' ? `became ready ${effect.after} after it was registered` : f.message
  const mark = event === 'finding' ? '+' : event === 'resolved' ? '-' : '✓'
  const lines = [
    `${c.dim(options.time.slice(11, 23))}  ${mark} ${sev} ${f.ruleId.padEnd(19)} ${terminalText(who)}  ${terminalText(text)}`,
  ]
  if (event === 'finding' && f.hint) lines.push(`${' '.repeat(16)}${c.dim(`↳ ${terminalText(f.hint)}`)}`)
  return lines
}

/**
 * Run `task` now, or, when a run is under way, once more after it (never two at once, never more
 * than one waiting): re-checks triggered by a burst of events collapse into one.
 */
function serialRunner(task: () => Promise<void>): () => Promise<void> {
  let running = false
  let again = false
  return async () => {
    if (running) {
      again = true
      return
    }

    running = true
    try {
      do {
        again = false
        await task()
      } while (again)
    } finally {
      running = false
    }
  }
}

/**
 * `doctor --watch`: report once, then follow Docker events and the etcd watch (discover's
 * followers, with their reconnects): each new registration is judged at once (EARLY_REGISTRATION),
 * and every change triggers a re-check that prints findings as they appear and resolve.
 * Resolves, when stopped, with the exit code for what was still open plus every early registration.
 * The decisions are watch-state.ts's; this carries out its effects.
 */
export async function watchDoctor(
  connections: Connections,
  options: DoctorWatchOptions,
  io: DoctorWatchIO,
): Promise<number> {
  const c = new Chalk({level: io.color ? 1 : 0})
  const {signal, release} = watchStopSignal(io.signal)
  const runOptions: DoctorOptions = {...options, watching: true}
  const wanted = options.services?.length ? new Set(options.services) : undefined
  const nameLabel = labelKeys(connections.labelPrefix).serviceName
  const config: DoctorWatchConfig = {
    overrides: options.overrides,
    judgeEarly:
      selectChecks(runOptions).some((k) => k.meta.id === 'EARLY_REGISTRATION') &&
      connections.sources.includes('docker') &&
      connections.sources.includes('etcd'),
  }

  const time = () => new Date().toISOString()
  const snapshotAt = Date.now() / 1000
  const first = await runDoctor(connections, runOptions)
  const firstFindings = applyOverrides(first.findings, ...options.overrides)
  for (const note of doctorNotes(first, options.services)) io.warn(note)
  const firstExit = worstExitCode(exitCodeForFindings(firstFindings, options.policy), first.sourceExitCode)
  if (io.json) io.out(JSON.stringify({time: time(), event: 'snapshot', ...doctorJson(first, firstFindings, firstExit)}))
  else io.out(io.snapshot(firstFindings).trimEnd())
  const registrations = allInstances(first.view).flatMap((i) => (i.etcd ? [i.etcd] : []))
  let state = initialWatchState(firstFindings, registrations, first.sourceExitCode)

  let debounce: NodeJS.Timeout | undefined
  const dispatch = (event: DoctorWatchEvent): void => {
    const step = watchStep(state, event, config)
    state = step.state
    for (const effect of step.effects) {
      if (effect.type === 'print')
        for (const line of watchLines(effect, {color: io.color, json: io.json, time: time()})) io.out(line)
      else if (effect.type === 'judge') void judge(effect.reg, effect.before, effect.seenAt)
      else if (!signal.aborted) {
        clearTimeout(debounce)
        debounce = setTimeout(() => void recheck(), 750)
      }
    }
  }

  // Re-check after a burst of events settles, and on a timer.
  const recheck = serialRunner(async () => {
    if (signal.aborted) return
    try {
      const result = await runDoctor(connections, runOptions)
      if (!signal.aborted) dispatch({type: 'checked', findings: result.findings, sourceExitCode: result.sourceExitCode})
    } catch (error) {
      io.warn(`doctor: re-check failed: ${describeError(error)}`)
    }
  })
  const timer = setInterval(() => void recheck(), options.recheckMs ?? 10_000)
  const judge = (reg: EtcdRegistration, before?: number, seenAt?: number) =>
    judgeRegistration(reg, [...state.seen.values()], connections, options.probe, before, seenAt)
      .then(({matched, finding: f}) => {
        // Once stopped, a late judgement is neither printed nor counted.
        if (!signal.aborted) dispatch({type: 'judged', reg, before, matched, finding: f, now: Date.now()})
      })
      .catch((error) => io.warn(`doctor: cannot judge ${reg.key}: ${describeError(error)}`))
  const onDocker = (_source: string, event: string, subject: string, details: Record<string, unknown> = {}) =>
    dispatch({type: 'docker', event, subject, details, now: Date.now()})
  const onEtcd = (change: EtcdChange) => dispatch({type: 'etcd', change, now: Date.now()})
  const schedule = () => dispatch({type: 'changed'})

  const tasks: Promise<void>[] = []
  if (connections.sources.includes('docker')) {
    const known = new Map<string, ContainerState>()
    for (const i of allInstances(first.view)) if (i.docker) known.set(i.docker.id, stateOf(i.docker, nameLabel))
    const dockerOk = first.view.sources.find((s) => s.name === 'docker')?.ok ?? false
    tasks.push(watchDocker(connections, known, dockerOk, nameLabel, wanted, onDocker, io, signal, snapshotAt))
  }

  if (connections.sources.includes('etcd')) {
    const etcdOk = first.view.sources.find((s) => s.name === 'etcd')?.ok ?? false
    tasks.push(watchEtcd(connections, etcdOk ? first.etcdRevision : undefined, wanted, schedule, io, signal, onEtcd))
  }

  if (!io.json) io.out(c.dim('watching for changes (Ctrl-C to stop)'))
  if (tasks.length === 0)
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), {once: true}))
  await Promise.all(tasks)
  clearInterval(timer)
  clearTimeout(debounce)
  release()
  return watchExitCode(state, options.policy)
}
