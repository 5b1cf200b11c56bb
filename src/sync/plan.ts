import type {EtcdRegistration} from '../model/types.js'
import type {Candidate, DesiredRegistration, SkippedContainer} from './desired.js'

/** A registry entry as sync compares it: an etcd registration, or a Consul service in the same shape. */
export type CurrentEntry = Pick<
  EtcdRegistration,
  | 'key'
  | 'service'
  | 'instance'
  | 'address'
  | 'containerId'
  | 'servicePort'
  | 'version'
  | 'weight'
  | 'healthPath'
  | 'registeredBy'
  | 'valueFormat'
> & {
  /** The lease it is written under (etcd); null: none. */
  leaseId?: string | null
}

export type ActionKind = 'add' | 'update' | 'remove'

export interface SyncAction {
  kind: ActionKind
  key: string
  service: string
  instance: string
  /** One sentence: why this action. */
  reason: string
  /** update: each field that differs, "address 10.0.0.2:80 → 127.0.0.1:32768". */
  changes?: string[]
  /** add / update: what is written. */
  registration?: DesiredRegistration
  /** update / remove: what the registry held. */
  current?: {address?: string; registeredBy?: string}
  containerId?: string
}

/** An entry this agent does not own that it would otherwise change: reported, left alone. */
export interface ForeignEntry {
  key: string
  registeredBy: string | null
  address?: string
  /** stale: no running container here matches it; conflict: a container here wants its key. */
  kind: 'stale' | 'conflict'
  reason: string
}

export interface SyncPlan {
  actions: SyncAction[]
  /** Running labelled containers that get no registration, and why. */
  skipped: SkippedContainer[]
  /** Entries of other owners; stale ones become remove actions with --prune-foreign. */
  foreign: ForeignEntry[]
  /** Keys already as desired. */
  unchanged: number
}

export interface PlanOptions {
  owner: string
  /** The agent's lease: entries on it are its own (plain values name no owner); a desired entry elsewhere moves onto it. */
  leaseId?: string
  /** Compare only the address (plain host:port values carry nothing else). */
  valueFormat: 'json' | 'plain'
  pruneForeign?: boolean
  /** Only these keys and containers (one container's reconcile); undefined: everything. */
  scope?: {keys: Set<string>; containerIds: Set<string>}
}

/** Each field of the desired value that differs from the current entry. */
export function differences(
  want: DesiredRegistration,
  have: CurrentEntry,
  options: Pick<PlanOptions, 'leaseId' | 'valueFormat'>,
): string[] {
  const out: string[] = []
  const shown = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v))
  const field = (name: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(`${name} ${shown(b)} → ${shown(a)}`)
  }

  field('address', want.address, have.address)
  if (options.valueFormat === 'json') {
    if (have.valueFormat !== 'json') out.push(`value ${have.valueFormat} → json`)
    field('containerId', want.containerId, have.containerId)
    field('servicePort', want.servicePort, have.servicePort)
    field('version', want.version, have.version)
    field('weight', want.weight, have.weight)
    field('healthPath', want.healthPath, have.healthPath)
    field('registeredBy', want.registeredBy, have.registeredBy)
  } else if (have.valueFormat !== 'plain') {
    out.push(`value ${have.valueFormat} → plain`)
  }

  if (options.leaseId && have.leaseId !== options.leaseId)
    out.push(`lease ${have.leaseId ?? 'none'} → ${options.leaseId}`)
  return out
}

const idMatches = (a: string | undefined, b: string) =>
  Boolean(a && a.length >= 12 && b.toLowerCase().startsWith(a.toLowerCase()))

/**
 * What to do to make the registry hold what Docker runs: pure, so `--dry-run` prints exactly what
 * a run would do. Entries are this agent's when their registeredBy names it or they are on its
 * lease; it never changes another owner's entry, and removes a stale one only with pruneForeign.
 */
export function planSync(candidates: Candidate[], current: CurrentEntry[], options: PlanOptions): SyncPlan {
  const {scope} = options
  const ofScope = (containerId: string) =>
    [...scope!.containerIds].some((id) => id === containerId || idMatches(containerId, id))
  const inScope = (key: string, containerId?: string) =>
    !scope || scope.keys.has(key) || Boolean(containerId && ofScope(containerId))
  const desired = new Map<string, DesiredRegistration>()
  const skippedByKey = new Map<string, SkippedContainer>()
  const skipped: SkippedContainer[] = []
  for (const c of candidates) {
    if (!inScope(c.key, c.container.id)) continue
    if (c.registration) desired.set(c.key, c.registration)
    else if (c.skip) {
      skipped.push(c.skip)
      skippedByKey.set(c.key, c.skip)
    }
  }

  const running = candidates.map((c) => c.container)
  const actions: SyncAction[] = []
  const foreign: ForeignEntry[] = []
  let unchanged = 0
  const seen = new Set<string>()
  for (const have of current) {
    if (!inScope(have.key, have.containerId)) continue
    seen.add(have.key)
    const owned = have.registeredBy === options.owner || Boolean(options.leaseId && have.leaseId === options.leaseId)
    const want = desired.get(have.key)
    const current = {address: have.address, registeredBy: have.registeredBy}
    const base = {key: have.key, service: have.service, instance: have.instance, current}
    if (want) {
      const changes = differences(want, have, options)
      if (changes.length === 0) {
        unchanged++
        continue
      }

      if (!owned) {
        // Same address and nothing else known (a plain value from anyone): already what we would write.
        if (have.registeredBy === undefined && have.address === want.address && options.valueFormat === 'plain') {
          unchanged++
          continue
        }

        const holder = have.registeredBy ? `${have.registeredBy} owns it` : 'it names no owner'
        const reason = `container ${want.container} wants this key, but ${holder}: left alone`
        foreign.push({
          key: have.key,
          registeredBy: have.registeredBy ?? null,
          address: have.address,
          kind: 'conflict',
          reason,
        })
        continue
      }

      const reason = `${want.container} changed: ${changes.join(', ')}`
      actions.push({...base, kind: 'update', reason, changes, registration: want, containerId: want.containerId})
      continue
    }

    const skip = skippedByKey.get(have.key) ?? skipped.find((s) => idMatches(have.containerId, s.containerId))
    if (owned) {
      if (skip?.keepRegistered) {
        unchanged++
        continue
      }

      const reason = skip ? `${skip.container}: ${skipText(skip)}` : removeReason(have, running)
      actions.push({...base, kind: 'remove', reason, containerId: have.containerId})
      continue
    }

    // Another owner's entry: stale when nothing running here matches it.
    const matches = running.some((d) => idMatches(have.containerId, d.id) || d.name === have.instance)
    if (!matches) {
      const reason = `${have.registeredBy ? `written by ${have.registeredBy}` : 'names no owner'}; ${removeReason(have, running)}`
      if (options.pruneForeign) {
        actions.push({
          ...base,
          kind: 'remove',
          reason: `foreign and stale (--prune-foreign): ${reason}`,
          containerId: have.containerId,
        })
      } else
        foreign.push({
          key: have.key,
          registeredBy: have.registeredBy ?? null,
          address: have.address,
          kind: 'stale',
          reason,
        })
    }
  }

  for (const [key, want] of desired) {
    if (seen.has(key)) continue
    const reason = `${want.container} is running and ready at ${want.address} (${want.addressReason})`
    const {service, instance, containerId} = want
    actions.push({kind: 'add', key, service, instance, reason, registration: want, containerId})
  }

  actions.sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || a.key.localeCompare(b.key))
  return {actions, skipped, foreign, unchanged}
}

// Removals first: a gateway loses a dead address before it gains the new one.
const ORDER: Record<ActionKind, number> = {remove: 0, update: 1, add: 2}

export function skipText(s: SkippedContainer): string {
  switch (s.reason) {
    case 'invalid-labels': {
      return `labels fail lint-labels: ${s.detail}`
    }

    case 'ambiguous-address': {
      return `address is ambiguous: ${s.detail}`
    }

    case 'no-address': {
      return s.detail
    }

    case 'not-ready': {
      return `not ready: ${s.detail}`
    }
  }
}

function removeReason(have: CurrentEntry, running: {id: string; name: string}[]): string {
  if (have.containerId) {
    if (running.some((d) => idMatches(have.containerId, d.id)))
      return 'its container is no longer registered under this key'
    return `container ${have.containerId.slice(0, 12)} is not running here`
  }

  return `no running container here is ${have.instance}`
}
