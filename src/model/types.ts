/**
 * The merged view every consumer reads (discover renders it, doctor checks it, loadtest and trace
 * pick instances from it). Sources return the records below; src/model/merge.ts joins them.
 * The JSON shape of ServiceView is documented in docs/json.md: change both together.
 */

/** One source's outcome. A failed source still appears here, with the error and a hint. */
export interface SourceStatus {
  /** docker, etcd, consul (docker@<host> when several Docker hosts are asked). */
  name: string
  ok: boolean
  /** Where it was asked: socket path, endpoint URL (never with credentials). */
  endpoint?: string
  error?: string
  hint?: string
  /** How many records it returned. */
  count: number
  /** Wall time of the source's query. */
  ms: number
  /** For a source with several endpoints (an etcd cluster): each one's health; a down one is named here. */
  members?: {endpoint: string; ok: boolean; error?: string}[]
}

/** A way to reach a container. */
export interface Address {
  /**
   * registered: the address a registry entry holds when no container matched it; vip: a Swarm
   * service's virtual IP on a network (endpoint_mode vip).
   */
  kind: 'network' | 'published' | 'host' | 'registered' | 'vip'
  /** The IP as Docker reports it; 0.0.0.0 and :: stay as such for published bindings. */
  ip: string
  port: number
  /** Network name for kind=network. */
  network?: string
  /** For kind=published: the container port this binding forwards to. */
  containerPort?: number
}

/**
 * Why the chosen address was chosen (or why none was):
 * network-label: mcp.service.network picked the network; published: a published binding of the
 * service port; only-network: the container has one network; host-network: network_mode host;
 * ambiguous: several networks and no label (the first is shown, flagged); no-port: no
 * mcp.service.port label; no-network-ip: the named network has no IP for it; not-running.
 */
export type AddressReason =
  | 'network-label'
  | 'published'
  | 'only-network'
  | 'host-network'
  | 'ambiguous'
  | 'no-port'
  | 'network-label-unknown'
  | 'no-address'
  | 'not-running'
  | 'swarm-vip'
  | 'task-ip'

export type DockerHealth = 'starting' | 'healthy' | 'unhealthy' | 'none'

export interface ContainerPort {
  privatePort: number
  publicPort?: number
  /** Host IP of a published binding ("0.0.0.0", "::", "127.0.0.1"). */
  ip?: string
  type: string
}

export interface ContainerNetwork {
  name: string
  ip: string
  gateway?: string
  ipv6?: string
}

/** A container as the Docker list API returns it (no per-container inspect on the default path). */
export interface DockerContainer {
  id: string
  name: string
  image: string
  /** running, exited, created, paused, restarting, removing, dead */
  state: string
  /** Docker's human status, e.g. "Up 3 minutes (healthy)". */
  status: string
  health: DockerHealth
  /** Unix seconds. */
  created: number
  labels: Record<string, string>
  networkMode: string
  networks: ContainerNetwork[]
  /** Exposed and published ports (published ones have publicPort). */
  ports: ContainerPort[]
  /** The daemon it runs on (context name or endpoint), set when several daemons are asked. */
  host?: string
}

/** A Swarm service (labels = compose deploy.labels) as a manager reports it. */
export interface SwarmService {
  id: string
  name: string
  labels: Record<string, string>
  /** Labels its task containers get (ContainerSpec.Labels): what plain container discovery sees. */
  containerLabels: Record<string, string>
  mode: 'replicated' | 'global'
  /** Desired replicas (replicated mode). */
  replicas?: number
  /** Tasks whose current state is running. */
  running: number
  endpointMode: 'vip' | 'dnsrr'
  vips: {network: string; ip: string}[]
  ports: {targetPort: number; publishedPort?: number; protocol: string; publishMode: string}[]
}

/** One task of a Swarm service. */
export interface SwarmTask {
  id: string
  serviceId: string
  serviceName: string
  slot?: number
  nodeId: string
  node?: string
  desiredState: string
  state: string
  error?: string
  containerId?: string
  networks: {name: string; ip: string}[]
}

/** What one Swarm manager reports: the services carrying the name label and their tasks. */
export interface SwarmState {
  services: SwarmService[]
  tasks: SwarmTask[]
}

/** An etcd key under the registry prefix. */
export interface EtcdRegistration {
  key: string
  service: string
  instance: string
  /** Registered address as host:port (from a plain value, or JSON address/addr [+ port]). */
  address?: string
  host?: string
  port?: number
  containerId?: string
  /** The service (container) port a JSON value records: port, servicePort or metadata.port. */
  servicePort?: number
  version?: string
  weight?: number
  healthPath?: string
  metadata?: Record<string, unknown>
  /** The agent (its host name) that wrote a JSON value: `mcp sync` updates and removes only its own. */
  registeredBy?: string
  valueFormat: 'plain' | 'json' | 'invalid'
  /** Why the value could not be read, for valueFormat invalid. */
  valueError?: string
  /** null: no lease (survives a crash forever). */
  lease: {id: string; ttl: number; grantedTtl: number} | null
  createRevision: string
  modRevision: string
}

/** A Consul catalog entry and its checks. */
export interface ConsulRegistration {
  service: string
  id: string
  node: string
  address: string
  port: number
  tags: string[]
  meta: Record<string, string>
  /** Aggregate status: critical if any check is critical, else warning, else passing. */
  status: 'passing' | 'warning' | 'critical' | 'none'
  checks: {name: string; status: string; output?: string}[]
}

/** Result of an active health probe (discover --probe, doctor). */
export interface ProbeResult {
  probed: boolean
  url?: string
  ok?: boolean
  status?: number
  ms?: number
  error?: string
  /** Why it was not probed (no loopback-published port, not running, ...). */
  reason?: string
}

/**
 * How a registry entry was tied to a container: containerId in the value, the instance key naming
 * the container, the registered address being one of the container's, the registered port being a
 * published port of it, or (last resort) the only container of the service with that service port.
 */
export type InstanceMatch = 'containerId' | 'name' | 'address' | 'published-port' | 'service-port'

export interface Instance {
  /** Container name when Docker knows it, else the registry's instance id. */
  id: string
  service: string
  docker?: DockerContainer
  /** The Swarm task behind this instance, in Swarm mode. */
  swarm?: SwarmTask
  etcd?: EtcdRegistration
  consul?: ConsulRegistration
  /** Every candidate address of the container. */
  addresses: Address[]
  /** The one a gateway would use. */
  address?: Address
  addressReason?: AddressReason
  /** How the registry entry was tied to the container (evidence for doctor). */
  match?: InstanceMatch
  /** The service port from labels, when valid. */
  port?: number
  /** Health path from labels (default /health). */
  healthPath: string
  probe?: ProbeResult
  /** Sources that did not answer and hold no record of this instance: its state there is unknown. */
  unknown?: UnknownSource[]
}

export type UnknownSource = 'docker' | 'etcd' | 'consul'

export interface Service {
  name: string
  instances: Instance[]
  /** The Swarm service of this name, in Swarm mode. */
  swarm?: SwarmService
}

export interface ServiceView {
  services: Service[]
  sources: SourceStatus[]
  /** Containers with prefix labels but no service name: they belong to no service. */
  unnamed: Instance[]
  /** When the view was taken (ISO 8601). */
  takenAt: string
}
