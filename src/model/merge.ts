import type {
  Address,
  ConsulRegistration,
  DockerContainer,
  EtcdRegistration,
  Instance,
  InstanceMatch,
  Service,
  ServiceView,
  SourceStatus,
  SwarmService,
  SwarmState,
  UnknownSource,
} from './types.js'

import {chooseAddress, chooseSwarmAddress, splitHostPort} from './address.js'
import {DEFAULT_HEALTH_PATH, labelKeys, type LabelKeys, parsePortLabel} from './labels.js'

export interface MergeInput {
  containers: DockerContainer[]
  etcd: EtcdRegistration[]
  consul: ConsulRegistration[]
  sources: SourceStatus[]
  labelPrefix: string
  /** Address of the Docker host, for host-networked containers. */
  dockerHostAddress?: string
  /** With several daemons: each one's address by its label (DockerContainer.host). */
  hostAddresses?: Record<string, string>
  /** Only these services. */
  services?: string[]
  /** Swarm services and tasks, from managers among the daemons asked. */
  swarm?: SwarmState[]
}

/** A registry entry's host and port, whichever registry it came from. */
interface RegistryEntry {
  service: string
  instance: string
  host?: string
  port?: number
  containerId?: string
}

const idMatches = (a: string, b: string) => {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  return x.length >= 12 && y.length >= 12 && (x.startsWith(y) || y.startsWith(x))
}

function addressMatches(a: Address, host: string | undefined, port: number | undefined): boolean {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, an address's ip and port are never undefined
  if (!host || port === undefined) return false
  return a.ip === host && a.port === port
}

/** What the merge knows about the Docker host's addresses, to judge a registered address. */
export interface HostAddresses {
  /** Every container IP on every network. */
  containerIps: Set<string>
  /** Gateways of container networks (the host's side of each bridge). */
  gateways: Set<string>
  /** /16 prefixes ("172.17.") of container networks. */
  networkPrefixes: Set<string>
}

export function hostAddressesOf(containers: DockerContainer[]): HostAddresses {
  const out: HostAddresses = {containerIps: new Set(), gateways: new Set(), networkPrefixes: new Set()}
  for (const c of containers) {
    for (const n of c.networks) {
      if (n.ip) {
        out.containerIps.add(n.ip)
        out.networkPrefixes.add(n.ip.split('.').slice(0, 2).join('.') + '.')
      }

      if (n.gateway) out.gateways.add(n.gateway)
    }
  }

  return out
}

/**
 * Could this registered host be the Docker host itself (so the entry may belong to a container by
 * its port alone)? Yes for loopback, a bridge gateway, or an address outside every container
 * network; no for what looks like another (perhaps removed) container's IP.
 */
function mayBeHostAddress(host: string | undefined, known: HostAddresses | undefined): boolean {
  if (!host) return false
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: equivalent, a shortcut: no container network holds these
  if (host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '0.0.0.0') return true
  if (!known) return true
  if (known.gateways.has(host)) return true
  // Stryker disable next-line ConditionalExpression: equivalent, every container IP's /16 is in networkPrefixes (the next line)
  if (known.containerIps.has(host)) return false
  return !known.networkPrefixes.has(host.split('.').slice(0, 2).join('.') + '.')
}

/** Tie a registry entry to one of the service's containers; the reason is evidence for doctor. */
export function matchContainer(
  entry: RegistryEntry,
  candidates: Instance[],
  known?: HostAddresses,
): {instance: Instance; match: InstanceMatch} | undefined {
  // Instances that run somewhere: a container on a daemon asked, or a Swarm task.
  const withDocker = candidates.filter((i) => i.docker || i.swarm)
  const containerId = (i: Instance) => i.docker?.id ?? i.swarm?.containerId ?? ''
  if (entry.containerId) {
    const hit = withDocker.find((i) => idMatches(containerId(i), entry.containerId!))
    if (hit) return {instance: hit, match: 'containerId'}
  }

  const byName = withDocker.find(
    (i) =>
      (i.docker?.name ?? i.id) === entry.instance ||
      idMatches(containerId(i), entry.instance) ||
      (i.swarm && idMatches(i.swarm.id, entry.instance)),
  )
  if (byName) return {instance: byName, match: 'name'}
  const byAddress = withDocker.find((i) => i.addresses.some((a) => addressMatches(a, entry.host, entry.port)))
  if (byAddress) return {instance: byAddress, match: 'address'}
  // Past this point the entry names no container: one with a containerId that matched nothing is
  // stale, and so is one whose address looks like another container's.
  if (entry.containerId || !mayBeHostAddress(entry.host, known)) return undefined
  const byPublished = withDocker.filter((i) => i.addresses.some((a) => a.kind === 'published' && a.port === entry.port))
  if (byPublished.length === 1) return {instance: byPublished[0]!, match: 'published-port'}
  const byServicePort = withDocker.filter((i) => i.port !== undefined && i.port === entry.port)
  if (byServicePort.length === 1) return {instance: byServicePort[0]!, match: 'service-port'}
  return undefined
}

/**
 * Join Docker containers, etcd registrations and Consul instances into services. A container and a
 * registration become one instance when they match (see matchContainer); whatever matches nothing
 * stays its own instance, so "running but not registered" and "registered but not running" show.
 */
export function mergeView(input: MergeInput): ServiceView {
  const keys = labelKeys(input.labelPrefix)
  const wanted = input.services?.length ? new Set(input.services) : undefined
  const byService = new Map<string, Instance[]>()
  const listFor = (name: string) => {
    let list = byService.get(name)
    if (!list) byService.set(name, (list = []))
    return list
  }

  const unnamed = mergeContainers(input, keys, wanted, listFor)
  for (const state of input.swarm ?? []) mergeSwarm(state, keys, listFor, wanted, byService)
  const match = runningMatcher(byService, hostAddressesOf(input.containers))
  const registeredOnly = mergeEtcd(input, wanted, listFor, match)
  mergeConsul(input, wanted, listFor, match, registeredOnly)
  const services = sortedServices(byService, swarmServicesByName(input.swarm ?? [], keys, wanted))
  markUnknown(services, input.sources)
  return {services, sources: input.sources, unnamed, takenAt: new Date().toISOString()}
}

/** Matches a registry entry to one of its service's running instances not yet claimed (`free`). */
type RunningMatcher = (
  entry: RegistryEntry,
  free: (i: Instance) => boolean,
) => ReturnType<typeof matchContainer> | undefined

/** Swarm services by the service name their labels give, the wanted ones only. */
function swarmServicesByName(
  states: SwarmState[],
  keys: LabelKeys,
  wanted: Set<string> | undefined,
): Map<string, SwarmService> {
  const byName = new Map<string, SwarmService>()
  for (const state of states) {
    for (const svc of state.services) {
      const name = svc.labels[keys.serviceName]?.trim()
      if (name && (!wanted || wanted.has(name))) byName.set(name, svc)
    }
  }

  return byName
}

/** One instance per container; returns the containers without a service name (they are listed apart). */
function mergeContainers(
  input: MergeInput,
  keys: LabelKeys,
  wanted: Set<string> | undefined,
  listFor: (name: string) => Instance[],
): Instance[] {
  const unnamed: Instance[] = []
  for (const c of input.containers) {
    const instance = containerInstance(c, keys, input)
    if (!instance.service) {
      unnamed.push(instance)
      continue
    }

    if (wanted && !wanted.has(instance.service)) continue
    listFor(instance.service).push(instance)
  }

  return unnamed
}

function containerInstance(c: DockerContainer, keys: LabelKeys, input: MergeInput): Instance {
  const port = parsePortLabel(c.labels[keys.servicePort])
  const hostAddress = (c.host && input.hostAddresses?.[c.host]) || input.dockerHostAddress
  const choice = chooseAddress(c, port, c.labels[keys.serviceNetwork], hostAddress)
  return {
    // Names are unique per daemon only: with several, the host is part of the id.
    id: c.host ? `${c.name}@${c.host}` : c.name,
    service: c.labels[keys.serviceName]?.trim() ?? '',
    docker: c,
    addresses: choice.addresses,
    address: choice.address,
    addressReason: choice.reason,
    port,
    healthPath: c.labels[keys.healthPath] || DEFAULT_HEALTH_PATH,
  }
}

/**
 * Only instances that run somewhere can be matched: registrations are checked against those, not
 * against the (many) registry-only instances added later — 10,000 keys stay linear.
 */
function runningMatcher(byService: Map<string, Instance[]>, known: HostAddresses): RunningMatcher {
  const running = new Map<string, Instance[]>()
  for (const [name, instances] of byService)
    running.set(
      name,
      instances.filter((i) => i.docker || i.swarm),
    )
  // No array for a service without a free running instance (the common case, once per key).
  const none: Instance[] = []
  return (entry, free) => {
    const list = running.get(entry.service)
    const candidates = list && list.some(free) ? list.filter(free) : none
    return candidates.length > 0 ? matchContainer(entry, candidates, known) : undefined
  }
}

/**
 * etcd registrations claim the container they match; two registrations for one container both show.
 * Returns the registry-only instances by service, IP and port, for Consul's entries to join.
 */
function mergeEtcd(
  input: MergeInput,
  wanted: Set<string> | undefined,
  listFor: (name: string) => Instance[],
  match: RunningMatcher,
): Map<string, Instance[]> {
  const registeredOnly = new Map<string, Instance[]>()
  for (const reg of input.etcd) {
    if (wanted && !wanted.has(reg.service)) continue
    const list = listFor(reg.service)
    const hit = match(reg, withoutEtcd)
    if (hit) {
      hit.instance.etcd = reg
      hit.instance.match = hit.match
      continue
    }

    const instance = registryOnlyInstance(reg.service, reg.instance || reg.key, reg.host, reg.port, reg.healthPath, {
      etcd: reg,
    })
    list.push(instance)
    // Only Consul entries look these up: with no Consul source, no keys are built.
    if (instance.address && input.consul.length > 0) {
      const at = `${reg.service}\n${instance.address.ip}\n${instance.address.port}`
      const same = registeredOnly.get(at)
      if (same) same.push(instance)
      else registeredOnly.set(at, [instance])
    }
  }

  return registeredOnly
}

/** Consul instances claim a container, else join the etcd-only instance at the same address, else stand alone. */
function mergeConsul(
  input: MergeInput,
  wanted: Set<string> | undefined,
  listFor: (name: string) => Instance[],
  match: RunningMatcher,
  registeredOnly: Map<string, Instance[]>,
): void {
  for (const reg of input.consul) {
    if (wanted && !wanted.has(reg.service)) continue
    const list = listFor(reg.service)
    const entry: RegistryEntry = {service: reg.service, instance: reg.id, host: reg.address, port: reg.port}
    const hit = match(entry, withoutConsul)
    if (hit) {
      hit.instance.consul = reg
      hit.instance.match ??= hit.match
    } else {
      // The same instance may already be there from etcd (both registries in use).
      const at = `${reg.service}\n${reg.address}\n${reg.port}`
      const same = registeredOnly.get(at)?.find((i) => !i.consul)
      if (same) same.consul = reg
      else list.push(registryOnlyInstance(reg.service, reg.id, reg.address, reg.port, undefined, {consul: reg}))
    }
  }
}

/**
 * Code-unit order, as etcd orders its keys: no ICU collator to set up, and 10,000 instances sort in a
 * few milliseconds.
 */
function sortedServices(byService: Map<string, Instance[]>, swarmServices: Map<string, SwarmService>): Service[] {
  return [...byService.entries()]
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([name, instances]) => {
      const swarm = swarmServices.get(name)
      return {name, instances: instances.sort((a, b) => byCodeUnits(a.id, b.id)), ...(swarm ? {swarm} : {})}
    })
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const withoutEtcd = (i: Instance): boolean => !i.etcd
const withoutConsul = (i: Instance): boolean => !i.consul

/**
 * Swarm tasks become instances of the service named by the SERVICE's labels (compose
 * deploy.labels), joined to their container when the daemon asked runs it. The address is the
 * service's: a published port, else the VIP (endpoint_mode vip), else the task's IP (dnsrr).
 */
function mergeSwarm(
  state: SwarmState,
  keys: LabelKeys,
  listFor: (name: string) => Instance[],
  wanted: Set<string> | undefined,
  byService: Map<string, Instance[]>,
): void {
  for (const svc of state.services) {
    const name = svc.labels[keys.serviceName]?.trim()
    if (!name || (wanted && !wanted.has(name))) continue
    const list = listFor(name)
    const port = parsePortLabel(svc.labels[keys.servicePort])
    const networkLabel = svc.labels[keys.serviceNetwork]
    for (const task of state.tasks.filter((t) => t.serviceId === svc.id)) {
      // A task container may also be listed as a container (it carries the name label itself),
      // possibly under another service name: find it wherever it is.
      let instance: Instance | undefined
      if (task.containerId) {
        for (const instances of byService.values()) {
          instance = instances.find((i) => i.docker?.id === task.containerId)
          if (instance) break
        }
      }

      if (!instance) {
        instance = {
          id: `${svc.name}.${task.slot ?? task.node ?? task.nodeId}`,
          service: name,
          addresses: [],
          healthPath: svc.labels[keys.healthPath] || DEFAULT_HEALTH_PATH,
        }
        list.push(instance)
      }

      // The task list may not carry network attachments yet; the running container does.
      if (task.networks.length === 0 && instance.docker)
        task.networks = instance.docker.networks.map((n) => ({name: n.name, ip: n.ip}))
      instance.swarm = task
      instance.port ??= port
      const choice = chooseSwarmAddress(svc, task, instance.port, networkLabel)
      instance.addresses = [
        ...instance.addresses,
        ...choice.addresses.filter((a) => !instance!.addresses.some((b) => b.ip === a.ip && b.port === a.port)),
      ]
      instance.address = choice.address
      instance.addressReason = choice.reason
    }
  }
}

function registryOnlyInstance(
  service: string,
  id: string,
  host: string | undefined,
  port: number | undefined,
  healthPath: string | undefined,
  part: Pick<Instance, 'etcd' | 'consul'>,
): Instance {
  // A bracketed or scheme-prefixed host is unwrapped; a plain name or IPv4 address is used as is.
  const ip =
    host && (host.includes(':') || host.includes('/') || host.includes('['))
      ? (splitHostPort(host)?.host ?? host)
      : host
  const address: Address | undefined = ip && port !== undefined ? {kind: 'registered', ip, port} : undefined
  const addresses = address ? [address] : []
  healthPath ??= DEFAULT_HEALTH_PATH
  // Literal objects of one shape each (no spread): 10,000 of them are built for a large registry.
  return part.etcd
    ? {id, service, etcd: part.etcd, addresses, address, port, healthPath}
    : {id, service, consul: part.consul, addresses, address, port, healthPath}
}

/**
 * An instance absent from a source that did not answer is not "not registered" or "no container":
 * its state there is unknown, and says so (`unknown: ["etcd"]`), so neither the table nor a jq
 * filter on `.etcd == null` takes the silence for an answer.
 */
function markUnknown(services: Service[], sources: SourceStatus[]): void {
  const failed = (name: string) => sources.some((s) => !s.ok && (s.name === name || s.name.startsWith(`${name}@`)))
  const down = {docker: failed('docker'), etcd: failed('etcd'), consul: failed('consul')}
  if (!down.docker && !down.etcd && !down.consul) return
  for (const service of services) {
    for (const instance of service.instances) {
      const unknown: UnknownSource[] = []
      if (down.docker && !instance.docker && !instance.swarm) unknown.push('docker')
      if (down.etcd && !instance.etcd) unknown.push('etcd')
      if (down.consul && !instance.consul) unknown.push('consul')
      if (unknown.length > 0) instance.unknown = unknown
    }
  }
}
