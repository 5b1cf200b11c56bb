import fc from 'fast-check'

import type {CheckContext} from '../../src/doctor/check.js'
import type {
  ConsulRegistration,
  DockerContainer,
  EtcdRegistration,
  ServiceView,
  SwarmService,
  SwarmTask,
} from '../../src/model/types.js'

import {lintContainerLabels} from '../../src/doctor/label-lint.js'
import {labelKeys} from '../../src/model/labels.js'
import {hostAddressesOf, mergeView} from '../../src/model/merge.js'
import {registrationFromKv} from '../../src/registry/etcd.js'

/**
 * The typed builders behind the unit tests' data: one shape per idea, each file saying only what is
 * special about its own data as a partial object. Unit data only: no address here is contacted.
 */

type Port = DockerContainer['ports'][number]
type Network = DockerContainer['networks'][number]
export type ViewInput = Parameters<typeof mergeView>[0]

/** The labels that make a container an instance of service `api` on port 8080 (a fresh object each call). */
export const apiLabels = (): Record<string, string> => ({'mcp.service.name': 'api', 'mcp.service.port': '8080'})

/** Port 8080 exposed, not published. */
export const exposed8080 = (): Port[] => [{privatePort: 8080, type: 'tcp'}]

/** Port 8080 published on the host at `publicPort` (all interfaces unless `ip` says otherwise). */
export const published = (publicPort: number, ip = '0.0.0.0', privatePort = 8080): Port => ({
  privatePort,
  publicPort,
  ip,
  type: 'tcp',
})

/** The n-th container on Docker's default bridge: 172.17.0.(n+1), the gateway 172.17.0.1. */
export const onBridge = (n: number): Network[] => [{name: 'bridge', ip: `172.17.0.${n + 1}`, gateway: '172.17.0.1'}]

/**
 * A container as discover reads it (list + inspect): running on the default bridge at 172.17.0.2, no
 * labels, nothing published.
 */
export function dockerContainer(over: Partial<DockerContainer> = {}): DockerContainer {
  return {
    id: 'a'.repeat(64),
    name: 'c',
    image: 'img',
    state: 'running',
    status: 'Up 1 minute',
    health: 'none',
    created: 0,
    labels: {},
    networkMode: 'bridge',
    networks: onBridge(1),
    ports: [],
    ...over,
  }
}

/**
 * A builder of numbered containers c1, c2, … (ids 0101…, 0202…, each on the bridge at 172.17.0.(n+1)),
 * each built from `defaults` and then the call's own overrides. Each builder counts on its own.
 */
export function containerSequence(defaults: () => Partial<DockerContainer>) {
  let seq = 0
  return (over: Partial<DockerContainer> = {}): DockerContainer => {
    seq++
    const id = String(seq).padStart(2, '0').repeat(32)
    return dockerContainer({id, name: `c${seq}`, networks: onBridge(seq), ...defaults(), ...over})
  }
}

/** The etcd entry a registry holds at `key` (a JSON value when `value` is not a string), on no lease unless given. */
export function etcdRegistration(key: string, value: unknown, leaseId = '0'): EtcdRegistration {
  return registrationFromKv(key, typeof value === 'string' ? value : JSON.stringify(value), leaseId, '/services/')
}

/** A Consul health entry of service `api`, passing, no tags, meta or checks unless `over` says so. */
export function consulRegistration(
  id: string,
  address: string,
  port: number,
  over: Partial<ConsulRegistration> = {},
): ConsulRegistration {
  return {service: 'api', id, node: 'n', address, port, tags: [], meta: {}, status: 'passing', checks: [], ...over}
}

/** mergeView's input: no containers, no registry entries, no sources, label prefix mcp, unless `over` says so. */
export function viewInput(over: Partial<ViewInput> = {}): ViewInput {
  return {consul: [], containers: [], etcd: [], labelPrefix: 'mcp', sources: [], ...over}
}

/** A Swarm service `stack_api` (id s1) of service api on port 8080: two replicas behind a VIP on network app. */
export function swarmService(over: Partial<SwarmService> = {}): SwarmService {
  return {
    containerLabels: {},
    endpointMode: 'vip',
    id: 's1',
    labels: apiLabels(),
    mode: 'replicated',
    name: 'stack_api',
    ports: [],
    replicas: 2,
    running: 2,
    vips: [{ip: '10.1.0.5', network: 'app'}],
    ...over,
  }
}

/** A running task of swarmService() in slot 1 on node n1, at 10.1.0.9 on network app. */
export function swarmTask(id: string, over: Partial<SwarmTask> = {}): SwarmTask {
  return {
    desiredState: 'running',
    id,
    networks: [{ip: '10.1.0.9', name: 'app'}],
    nodeId: 'n1',
    serviceId: 's1',
    serviceName: 'stack_api',
    slot: 1,
    state: 'running',
    ...over,
  }
}

/** A service view the config --discover rules read: checkout with one instance at version v1, idle with none. */
export function checkoutView(): ServiceView {
  return {
    services: [
      {
        instances: [{addresses: [], etcd: {version: 'v1'}, healthPath: '/health', id: 'c1', service: 'checkout'}],
        name: 'checkout',
      },
      {instances: [], name: 'idle'},
    ],
    sources: [],
    takenAt: new Date(0).toISOString(),
    unnamed: [],
  } as unknown as ServiceView
}

/** A gateway config whose routes checkoutView() leaves without instances (lines 3 and 10) or versions (line 8). */
export const CHECKOUT_ROUTES = `routes:
  - match: {pathPrefix: /a}
    service: ghost
  - match: {pathPrefix: /c}
    service: checkout
    splits:
      - {version: v1, weight: 50}
      - {version: v2, weight: 50}
  - match: {pathPrefix: /i}
    service: idle
`

/** host:port text as fast-check draws it: a host of a few characters, a port, leading zeros on the port. */
export const hostPortParts = () =>
  [
    fc.array(fc.constantFrom(...'abcz019.-_'), {maxLength: 20, minLength: 1}),
    fc.integer({max: 65_535, min: 0}),
    fc.constantFrom('', '0', '00'),
  ] as const

// The doctor's world: a clock, containers created five minutes before it, leased etcd entries.

export const DOCTOR_NOW = Date.parse('2026-01-01T12:00:00Z')

/** The id of the n-th doctor container: its last digit 64 times. */
export const containerIdOf = (n: number) => String(n % 10).repeat(64)

/**
 * A running container of service api on port 8080 (exposed), the n-th on the bridge, created five
 * minutes before DOCTOR_NOW; `over.labels` are added to the service labels.
 */
export function doctorContainer(name: string, n: number, over: Partial<DockerContainer> = {}): DockerContainer {
  return dockerContainer({
    created: DOCTOR_NOW / 1000 - 300,
    id: containerIdOf(n),
    image: 'svc:1',
    name,
    networks: onBridge(n),
    ports: exposed8080(),
    status: 'Up 5 minutes',
    ...over,
    labels: {...apiLabels(), ...over.labels},
  })
}

export const DOCTOR_LEASE: EtcdRegistration['lease'] = {grantedTtl: 30, id: '7', ttl: 20}

/** The etcd entry /services/<service>/<instance>, under a lease (DOCTOR_LEASE unless given; null: none). */
export function leasedEtcd(
  instance: string,
  value: string | Record<string, unknown>,
  lease: EtcdRegistration['lease'] = DOCTOR_LEASE,
  service = 'api',
): EtcdRegistration {
  const r = etcdRegistration(`/services/${service}/${instance}`, value, lease ? lease.id : '0')
  r.lease = lease
  return r
}

/** What the doctor knows of the Docker host: container IPs, gateways (each naming its network), its own address. */
export function knownHost(containers: DockerContainer[], dockerHostAddress?: string): CheckContext['host'] {
  const gatewayNetworks = new Map<string, string>()
  for (const c of containers) for (const n of c.networks) if (n.gateway) gatewayNetworks.set(n.gateway, n.name)
  return {...hostAddressesOf(containers), gatewayNetworks, ...(dockerHostAddress ? {dockerHostAddress} : {})}
}

/** A doctor run's context at DOCTOR_NOW: 30 s grace, 60 s TTL limit, loopback probing, labels linted under mcp. */
export function doctorContext(
  containers: DockerContainer[],
  dockerHostAddress: string,
  over: Partial<CheckContext> = {},
): CheckContext {
  return {
    graceMs: 30_000,
    host: knownHost(containers, dockerHostAddress),
    keys: labelKeys('mcp'),
    labelPrefix: 'mcp',
    lintContainer: (c) => lintContainerLabels(c, 'mcp'),
    maxTtlSeconds: 60,
    now: DOCTOR_NOW,
    probe: 'loopback',
    startedAt: new Map(),
    stopped: [],
    ...over,
  }
}
