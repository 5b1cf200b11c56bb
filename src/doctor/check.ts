import type {SourceName} from '../core/connections.js'
import {labelKeys} from '../model/labels.js'
import type {DockerContainer, Instance, ServiceView} from '../model/types.js'
import type {HostAddresses} from '../model/merge.js'
import type {Finding, Location, Severity} from '../report/findings/finding.js'
import type {DoctorCode} from './codes.js'

/**
 * What a check needs to have answered: a source by name; `registry` every registry that was asked
 * (etcd, Consul) and at least one; `any-registry` at least one registry that answered.
 */
export type CheckNeed = SourceName | 'registry' | 'any-registry'

/** Facts gathered before the checks run (they are synchronous and pure). */
export interface CheckContext {
  labelPrefix: string
  keys: ReturnType<typeof labelKeys>
  /** Now, in ms since the epoch. */
  now: number
  /** UNREGISTERED waits this long after a container started. */
  graceMs: number
  /** LONG_TTL above this many seconds. */
  maxTtlSeconds: number
  /** When each candidate container started (ms since the epoch), from inspect; else its creation. */
  startedAt: Map<string, number>
  /** Containers that are not running, for STALE_REGISTRATION's evidence (exited vs removed). */
  stopped: DockerContainer[]
  /** Every container IP, bridge gateway and network of this Docker host. */
  host: HostAddresses & {gatewayNetworks: Map<string, string>; dockerHostAddress?: string}
  /** Whether the health paths of registered instances were probed (and how). */
  probe: false | 'loopback' | 'any'
  /** lint-labels' errors for one live container. */
  lintContainer: (container: DockerContainer) => Finding[]
  /** The run is limited to these services (--service): containers of no service are left out. */
  services?: string[]
}

/** One doctor check: data (code, severity, what it needs) and a pure function over the view. */
export interface DoctorCheck {
  code: DoctorCode
  severity: Severity
  description: string
  needs: CheckNeed[]
  /** Only meaningful while watching (EARLY_REGISTRATION). */
  watchOnly?: boolean
  check(view: ServiceView, context: CheckContext): Finding[]
}

/** Every instance of every service. */
export function allInstances(view: ServiceView): Instance[] {
  return view.services.flatMap((s) => s.instances)
}

/** Instances whose container is running on this host. */
export function runningInstances(view: ServiceView): Instance[] {
  return allInstances(view).filter((i) => i.docker?.state === 'running')
}

/** One registry entry of an instance, whichever registry holds it. */
export interface RegistryEntry {
  registry: 'etcd' | 'consul'
  /** etcd key or Consul service id. */
  key: string
  host?: string
  port?: number
  /** As registered: host:port. */
  address?: string
  containerId?: string
  /** Why the value has no usable address (etcd values that are not host:port or valid JSON). */
  valueError?: string
}

export function registryEntries(i: Instance): RegistryEntry[] {
  const out: RegistryEntry[] = []
  if (i.etcd) {
    const r = i.etcd
    out.push({registry: 'etcd', key: r.key, host: r.host, port: r.port, address: r.address, containerId: r.containerId, valueError: r.valueError})
  }
  if (i.consul) {
    const r = i.consul
    out.push({registry: 'consul', key: r.id, host: r.address, port: r.port, address: `${r.address.includes(':') ? `[${r.address}]` : r.address}:${r.port}`})
  }
  return out
}

export function containerLocation(d: DockerContainer): Location {
  return {kind: 'container', container: d.name, id: d.id, ...(d.host ? {host: d.host} : {})}
}

export function registryLocation(entry: RegistryEntry): Location {
  return {kind: 'registry', registry: entry.registry, key: entry.key}
}

/** Build a finding of a check with its default severity. */
export function finding(
  check: Pick<DoctorCheck, 'code' | 'severity'>,
  instance: Pick<Instance, 'service' | 'id'> | undefined,
  fields: {message: string; hint: string; evidence: Record<string, unknown>; location?: Location; severity?: Severity},
): Finding {
  return {
    ruleId: check.code,
    severity: fields.severity ?? check.severity,
    message: fields.message,
    hint: fields.hint,
    evidence: fields.evidence,
    ...(fields.location ? {location: fields.location} : {}),
    ...(instance?.service ? {service: instance.service} : {}),
    ...(instance?.id ? {instance: instance.id} : {}),
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
