import type {SourceName} from '../core/connections.js'
import type {HostAddresses} from '../model/merge.js'
import type {DockerContainer, Instance, ServiceView} from '../model/types.js'
import type {Finding, Location, RuleMeta, Severity} from '../report/findings/finding.js'

import {joinHostPort} from '../model/address.js'
import {labelKeys} from '../model/labels.js'
import {type ReportDescriptor, type Rule, type RuleDefinition, withReport} from '../report/findings/rule.js'
import {codeDocs, type DoctorCode} from './codes.js'

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

/** What a doctor check is: a rule's meta, its id a doctor code, plus what it needs to run. */
export interface DoctorMeta extends RuleMeta {
  id: DoctorCode
  /** The sources that must have answered; run.ts skips the check (and says why) otherwise. */
  needs: CheckNeed[]
  /** Only meaningful while watching (EARLY_REGISTRATION). */
  watchOnly?: boolean
}

/** What a check reports (ctx.report): the instance it is about and where it points. */
export interface DoctorReport extends ReportDescriptor {
  instance?: Pick<Instance, 'service' | 'id'>
  at?: Location
  /** Another severity than the check's for this finding (NOT_READY: a health check still starting is a warning). */
  severity?: Severity
  hint: string
  evidence: Record<string, unknown>
}

/** One doctor check: data (meta: code, severity, what it needs) and a pure function over the view. */
export type DoctorCheck = Rule<ServiceView, CheckContext, DoctorMeta>

/** A doctor check; its docs link (docs/doctor.md, one heading per code) comes from the code. */
export function defineCheck(
  definition: RuleDefinition<ServiceView, CheckContext, DoctorReport, Omit<DoctorMeta, 'docs'>>,
): DoctorCheck {
  const meta: DoctorMeta = {...definition.meta, docs: codeDocs(definition.meta.id)}
  return withReport({meta, check: definition.check}, (m, {instance, at, ...fields}) =>
    finding({meta: m}, instance, {...fields, location: at}),
  )
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
    out.push({
      registry: 'etcd',
      key: r.key,
      host: r.host,
      port: r.port,
      address: r.address,
      containerId: r.containerId,
      valueError: r.valueError,
    })
  }

  if (i.consul) {
    const r = i.consul
    out.push({
      registry: 'consul',
      key: r.id,
      host: r.address,
      port: r.port,
      address: joinHostPort(r.address, r.port),
    })
  }

  return out
}

export function containerLocation(d: DockerContainer): Location {
  return {kind: 'container', container: d.name, id: d.id, ...(d.host ? {host: d.host} : {})}
}

export function registryLocation(entry: RegistryEntry): Location {
  return {kind: 'registry', registry: entry.registry, key: entry.key}
}

/** Build a finding of a check with its default severity (report() in a check; watch.ts for EARLY_REGISTRATION). */
export function finding(
  check: {meta: Pick<RuleMeta, 'id' | 'severity'>},
  instance: Pick<Instance, 'service' | 'id'> | undefined,
  fields: {message: string; hint: string; evidence: Record<string, unknown>; location?: Location; severity?: Severity},
): Finding {
  return {
    ruleId: check.meta.id,
    severity: fields.severity ?? check.meta.severity,
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
