import type {EtcdRegistration} from '../model/types.js'
import type {EtcdChange} from '../registry/etcd.js'

import {formatDuration} from '../core/duration.js'
import {worstExitCode} from '../core/exit-codes.js'
import {Finding, locationText} from '../report/findings/finding.js'
import {applyOverrides, exitCodeForFindings, FailPolicy, RuleOverrides} from '../report/findings/policy.js'

/**
 * `doctor --watch` as a state machine: what is known (state), what happened (event), and what to do
 * about it (effects: print a line, judge a registration, schedule a re-check). Pure: no clock, no
 * I/O; watch.ts feeds it events and carries out the effects.
 */
export interface DoctorWatchState {
  /** Findings of the last check, by identity (findingKey): a re-check prints what appears and resolves. */
  open: ReadonlyMap<string, Finding>
  /** Every EARLY_REGISTRATION reported: they count for the exit code even when the container became ready. */
  early: readonly Finding[]
  /** Early registrations waiting for their container to become healthy, by container name. */
  pendingReady: ReadonlyMap<string, {at: number; finding: Finding}>
  /** Every registration as last seen, by key: a put that changes no address is not judged again. */
  seen: ReadonlyMap<string, EtcdRegistration>
  /** Registrations written while no container here matched them, by key: judged again when one starts. */
  orphans: ReadonlyMap<string, {reg: EtcdRegistration; at: number}>
  /** The sources' exit code from the last check. */
  sourceExitCode: number
}

export interface DoctorWatchConfig {
  /** --rule and .mcp.yaml severities, applied to every finding before it counts. */
  overrides: (RuleOverrides | undefined)[]
  /** EARLY_REGISTRATION is among the checks and both Docker and etcd are asked: judge each new registration. */
  judgeEarly: boolean
}

export type DoctorWatchEvent =
  /** A re-check finished: these findings (before overrides), with the sources' exit code. */
  | {type: 'checked'; findings: Finding[]; sourceExitCode: number}
  /** A registration was judged (judgeRegistration): `before` is as the judge effect gave it. */
  | {type: 'judged'; reg: EtcdRegistration; before?: number; matched: boolean; finding?: Finding; now: number}
  /** A Docker event about a container (subject: its name), as discover's follower emits it. */
  | {type: 'docker'; event: string; subject: string; details: Record<string, unknown>; now: number}
  /** An etcd put or delete under the registry prefix. */
  | {type: 'etcd'; change: EtcdChange; now: number}
  /** Something else changed (the etcd follower's view of a service): re-check. */
  | {type: 'changed'}

export type DoctorWatchEffect =
  | {type: 'print'; event: 'finding' | 'resolved'; finding: Finding}
  | {type: 'print'; event: 'ready'; finding: Finding; after: string}
  /** Judge this registration now; `before`: when it was written with no container to match (early whatever the state). */
  | {type: 'judge'; reg: EtcdRegistration; before?: number; seenAt?: number}
  /** Re-check once the burst of events settles. */
  | {type: 'schedule'}

export interface DoctorWatchStep {
  state: DoctorWatchState
  effects: DoctorWatchEffect[]
}

/** Identity of a finding across re-checks (messages carry durations that change). */
export const findingKey = (f: Finding) =>
  `${f.ruleId}|${f.service ?? ''}|${f.instance ?? ''}|${locationText(f.location)}`

/** How long a registration that matches no container may wait for one to start and still count as early. */
export const ORPHAN_MS = 60_000

const registrationText = (r: EtcdRegistration) => `${r.address ?? r.valueError ?? ''}|${r.containerId ?? ''}`

/** The state after the first report: its findings open (overrides applied), its registrations seen. */
export function initialWatchState(
  findings: Finding[],
  registrations: EtcdRegistration[],
  sourceExitCode: number,
): DoctorWatchState {
  return {
    open: new Map(findings.map((f) => [findingKey(f), f])),
    early: [],
    pendingReady: new Map(),
    seen: new Map(registrations.map((r) => [r.key, r])),
    orphans: new Map(),
    sourceExitCode,
  }
}

/** One event: the next state and what to do. The state given is not changed. */
export function watchStep(
  state: DoctorWatchState,
  event: DoctorWatchEvent,
  config: DoctorWatchConfig,
): DoctorWatchStep {
  switch (event.type) {
    case 'checked': {
      return checked(state, applyOverrides(event.findings, ...config.overrides), event.sourceExitCode)
    }

    case 'judged': {
      return judged(state, event, config)
    }

    case 'docker': {
      return dockerEvent(state, event)
    }

    case 'etcd': {
      return etcdChange(state, event.change, event.now, config)
    }

    case 'changed': {
      return {state, effects: [{type: 'schedule'}]}
    }
  }
}

/** The exit code when the watch stops: what is still open, every early registration, the sources. */
export function watchExitCode(state: DoctorWatchState, policy: FailPolicy): number {
  return worstExitCode(exitCodeForFindings([...state.open.values(), ...state.early], policy), state.sourceExitCode)
}

function checked(state: DoctorWatchState, findings: Finding[], sourceExitCode: number): DoctorWatchStep {
  const now = new Map(findings.map((f) => [findingKey(f), f]))
  const effects: DoctorWatchEffect[] = []
  for (const [key, f] of state.open) if (!now.has(key)) effects.push({type: 'print', event: 'resolved', finding: f})
  for (const [key, f] of now) if (!state.open.has(key)) effects.push({type: 'print', event: 'finding', finding: f})
  return {state: {...state, open: now, sourceExitCode}, effects}
}

function judged(
  state: DoctorWatchState,
  event: Extract<DoctorWatchEvent, {type: 'judged'}>,
  config: DoctorWatchConfig,
): DoctorWatchStep {
  let next = state
  // Unmatched (and not deleted meanwhile): wait for its container's create/start event.
  if (!event.matched && state.seen.has(event.reg.key)) {
    next = {...next, orphans: withEntry(state.orphans, event.reg.key, {reg: event.reg, at: event.before ?? event.now})}
  }

  const [kept] = event.finding ? applyOverrides([event.finding], ...config.overrides) : []
  if (!kept) return {state: next, effects: []}
  next = {...next, early: [...next.early, kept]}
  const container = event.finding!.evidence?.container as string | undefined
  if (container) next = {...next, pendingReady: withEntry(next.pendingReady, container, {at: event.now, finding: kept})}
  return {state: next, effects: [{type: 'print', event: 'finding', finding: kept}]}
}

function dockerEvent(state: DoctorWatchState, event: Extract<DoctorWatchEvent, {type: 'docker'}>): DoctorWatchStep {
  const effects: DoctorWatchEffect[] = []
  let {orphans, pendingReady} = state
  if ((event.event === 'create' || event.event === 'start') && orphans.size > 0) {
    const left = new Map(orphans)
    for (const [key, o] of orphans) {
      // After a minute an unmatched entry is just stale (the re-check says so), not early.
      if (event.now - o.at > ORPHAN_MS) left.delete(key)
      else if (o.reg.service === event.details.service) {
        left.delete(key) // one judgement at a time; it comes back if still unmatched
        effects.push({type: 'judge', reg: o.reg, before: o.at})
      }
    }

    orphans = left
  }

  const pending = pendingReady.get(event.subject)
  if (pending && event.event === 'health' && event.details.health === 'healthy') {
    effects.push({
      type: 'print',
      event: 'ready',
      finding: pending.finding,
      after: formatDuration(event.now - pending.at),
    })
    pendingReady = without(pendingReady, event.subject)
  } else if (pending && (event.event === 'die' || event.event === 'destroy' || event.event === 'stop')) {
    pendingReady = without(pendingReady, event.subject)
  }

  effects.push({type: 'schedule'})
  return {state: {...state, orphans, pendingReady}, effects}
}

function etcdChange(
  state: DoctorWatchState,
  change: EtcdChange,
  now: number,
  config: DoctorWatchConfig,
): DoctorWatchStep {
  if (change.type === 'delete') {
    return {
      state: {...state, seen: without(state.seen, change.key), orphans: without(state.orphans, change.key)},
      effects: [],
    }
  }

  const reg = change.registration
  const before = state.seen.get(reg.key)
  const next = {...state, seen: withEntry(state.seen, reg.key, reg)}
  if (before && registrationText(before) === registrationText(reg)) return {state: next, effects: []}
  return {state: next, effects: config.judgeEarly ? [{type: 'judge', reg, seenAt: now}] : []}
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  return new Map(map).set(key, value)
}

function without<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map
  const copy = new Map(map)
  copy.delete(key)
  return copy
}
