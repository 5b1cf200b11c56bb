import type Docker from 'dockerode'

import type {DockerClient} from './client.js'

import {labelKeys} from '../model/labels.js'
import {ContainerNetwork, ContainerPort, DockerContainer, DockerHealth} from '../model/types.js'
import {canGetDirectly, dockerGetJson, query} from './api.js'

export interface ListContainersOptions {
  labelPrefix: string
  /** Include stopped containers (docker ps -a). */
  all?: boolean
  /**
   * name: only containers carrying `<prefix>.service.name` — what the gateway itself discovers, and a
   * server-side filter. anyPrefix: any `<prefix>.*` label (filtered here; the API has no prefix
   * filter), so containers that lost or misspelled the name label are seen too.
   */
  match?: 'name' | 'anyPrefix'
}

/** Health from the list API's Status text: "Up 3 minutes (healthy)", "(health: starting)". */
export function healthFromStatus(status: string): DockerHealth {
  if (/\(healthy\)/.test(status)) return 'healthy'
  if (/\(unhealthy\)/.test(status)) return 'unhealthy'
  if (/\(health: starting\)/.test(status)) return 'starting'
  return 'none'
}

/** One list call; no per-container inspect (the list carries labels, networks and ports). */
export async function listContainers(client: DockerClient, options: ListContainersOptions): Promise<DockerContainer[]> {
  const nameLabel = labelKeys(options.labelPrefix).serviceName
  const filters = (options.match ?? 'name') === 'name' ? {label: [nameLabel]} : undefined
  // A plain GET where it can: the list is discover's whole Docker cost, and dockerode's load is most of it.
  const raw = canGetDirectly(client)
    ? await dockerGetJson<Docker.ContainerInfo[]>(
        client,
        `/containers/json${query({all: options.all ? 'true' : undefined, filters})}`,
      )
    : await client.docker.listContainers({
        all: Boolean(options.all),
        ...(filters ? {filters: JSON.stringify(filters) as never} : {}),
      })
  const prefix = `${options.labelPrefix}.`
  const out: DockerContainer[] = []
  for (const c of raw) {
    const labels = c.Labels ?? {}
    if (options.match === 'anyPrefix' && !Object.keys(labels).some((k) => k.startsWith(prefix))) continue
    out.push(containerFromListItem(c))
  }

  return out
}

export function containerFromListItem(c: Docker.ContainerInfo): DockerContainer {
  const networks: ContainerNetwork[] = Object.entries(c.NetworkSettings?.Networks ?? {}).map(([name, n]) => ({
    name,
    ip: n.IPAddress ?? '',
    gateway: n.Gateway || undefined,
    ipv6: n.GlobalIPv6Address || undefined,
  }))
  const ports: ContainerPort[] = (c.Ports ?? []).map((p) => ({
    privatePort: p.PrivatePort,
    publicPort: p.PublicPort || undefined,
    ip: p.IP || undefined,
    type: p.Type,
  }))
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
    image: c.Image,
    state: c.State,
    status: c.Status,
    health: healthFromStatus(c.Status ?? ''),
    created: c.Created,
    labels: c.Labels ?? {},
    networkMode: c.HostConfig?.NetworkMode ?? 'default',
    networks,
    ports,
  }
}
