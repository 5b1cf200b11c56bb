import type Docker from 'dockerode'

import type {SwarmService, SwarmState, SwarmTask} from '../model/types.js'
import type {DockerClient} from './client.js'

import {labelKeys} from '../model/labels.js'
import {canGetDirectly, dockerGetJson, query} from './api.js'

/** Docker answers 503 "This node is not a swarm manager" (or "not part of a swarm") outside Swarm mode. */
function notAManager(error: unknown): boolean {
  const e = error as {statusCode?: number; message?: string}
  return e?.statusCode === 503 || /not a swarm manager|not part of a swarm/i.test(e?.message ?? '')
}

const cidrIp = (addr: string) => addr.replace(/\/\d+$/, '')

/** The Engine API's task object, as far as mcp reads it (@types/dockerode's Task is incomplete). */
interface RawTask {
  ID: string
  ServiceID: string
  Slot?: number
  NodeID?: string
  DesiredState?: string
  Status?: {State?: string; Err?: string; ContainerStatus?: {ContainerID?: string}}
  NetworksAttachments?: {Network: {ID: string; Spec: {Name: string}}; Addresses?: string[]}[]
}

/**
 * Swarm services carrying the name label, with their tasks and nodes: undefined when the daemon is
 * not a Swarm manager (plain Docker). One services call; tasks and nodes only when there are services.
 */
export async function listSwarm(
  client: DockerClient,
  labelPrefix: string,
  options: {all?: boolean} = {},
): Promise<SwarmState | undefined> {
  const nameLabel = labelKeys(labelPrefix).serviceName
  let raw: Docker.Service[]
  const direct = canGetDirectly(client)
  try {
    raw = direct
      ? await dockerGetJson<Docker.Service[]>(client, `/services${query({filters: {label: [nameLabel]}})}`)
      : await client.docker.listServices({filters: JSON.stringify({label: [nameLabel]}) as never})
  } catch (error) {
    if (notAManager(error)) return undefined
    throw error
  }

  if (raw.length === 0) return {services: [], tasks: []}
  const filters: Record<string, string[]> = {service: raw.map((s) => s.ID)}
  if (!options.all) filters['desired-state'] = ['running']
  const [rawTasks, nodes] = await Promise.all([
    direct
      ? dockerGetJson<RawTask[]>(client, `/tasks${query({filters})}`)
      : (client.docker.listTasks({filters: JSON.stringify(filters)} as never) as unknown as Promise<RawTask[]>),
    direct
      ? dockerGetJson<{ID: string; Description?: {Hostname?: string}}[]>(client, '/nodes')
      : (client.docker.listNodes() as Promise<{ID: string; Description?: {Hostname?: string}}[]>),
  ])
  const nodeName = new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]))
  const networkName = new Map<string, string>()
  const tasks: SwarmTask[] = rawTasks.map((task) => {
    const networks = (task.NetworksAttachments ?? []).map((a) => {
      networkName.set(a.Network.ID, a.Network.Spec.Name)
      return {name: a.Network.Spec.Name, ip: cidrIp(a.Addresses?.[0] ?? '')}
    })
    const service = raw.find((s) => s.ID === task.ServiceID)
    return {
      id: task.ID,
      serviceId: task.ServiceID,
      serviceName: service?.Spec?.Name ?? task.ServiceID ?? '',
      slot: task.Slot,
      nodeId: task.NodeID ?? '',
      node: task.NodeID ? nodeName.get(task.NodeID) : undefined,
      desiredState: task.DesiredState ?? '',
      state: task.Status?.State ?? '',
      error: task.Status?.Err || undefined,
      containerId: task.Status?.ContainerStatus?.ContainerID || undefined,
      networks,
    }
  })
  const services: SwarmService[] = raw.map((s) => {
    const spec = s.Spec!
    const endpoint = s.Endpoint as
      | {
          Spec?: {Mode?: string}
          Ports?: {TargetPort: number; PublishedPort?: number; Protocol: string; PublishMode: string}[]
          VirtualIPs?: {NetworkID: string; Addr: string}[]
        }
      | undefined
    const replicated = spec.Mode?.Replicated
    return {
      id: s.ID,
      name: spec.Name ?? s.ID,
      labels: spec.Labels ?? {},
      containerLabels:
        (spec.TaskTemplate as {ContainerSpec?: {Labels?: Record<string, string>}} | undefined)?.ContainerSpec?.Labels ??
        {},
      mode: replicated ? 'replicated' : 'global',
      replicas: replicated?.Replicas,
      running: tasks.filter((t) => t.serviceId === s.ID && t.state === 'running').length,
      // The service spec says what was asked; Endpoint.Spec echoes it only once ports exist.
      endpointMode:
        ((spec as {EndpointSpec?: {Mode?: string}}).EndpointSpec?.Mode ?? endpoint?.Spec?.Mode) === 'dnsrr'
          ? 'dnsrr'
          : 'vip',
      vips: (endpoint?.VirtualIPs ?? []).map((v) => ({
        network: networkName.get(v.NetworkID) ?? v.NetworkID,
        ip: cidrIp(v.Addr),
      })),
      ports: (endpoint?.Ports ?? []).map((p) => ({
        targetPort: p.TargetPort,
        publishedPort: p.PublishedPort,
        protocol: p.Protocol,
        publishMode: p.PublishMode,
      })),
    }
  })
  return {services, tasks}
}
