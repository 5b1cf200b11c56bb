import type {DockerContainer} from '../model/types.js'

import {type CheckContext, isLoopback, type RegistryEntry} from './check.js'

/**
 * Why a registered address does not reach its (running) container:
 * host-address: the Docker host's or a bridge gateway's address with a port the host does not publish;
 * loopback-unpublished: 127.0.0.1 / localhost with a port that is not published;
 * loopback-only-binding: a host address other than loopback, but the port is published on 127.0.0.1 only;
 * other-network: the container's IP on another network than mcp.service.network;
 * published-port-not-service-port: a published port that forwards to another container port;
 * wrong-port: the container's IP with another port than the service port;
 * another-container: an IP another container has;
 * not-its-address: an address this host does not know for it;
 * no-address: the value holds no usable host:port.
 */
export type WrongAddressKind =
  | 'host-address'
  | 'loopback-unpublished'
  | 'loopback-only-binding'
  | 'other-network'
  | 'published-port-not-service-port'
  | 'wrong-port'
  | 'another-container'
  | 'not-its-address'
  | 'no-address'

export interface AddressVerdict {
  kind: WrongAddressKind
  /** One sentence of evidence. */
  detail: string
}

// Stryker disable next-line Regex: equivalent, a host holds brackets only around an IPv6 address
const unbracket = (h: string) => h.replaceAll(/^\[|\]$/g, '')

/**
 * Judge a registry entry's address against the running container it belongs to. Undefined when a
 * gateway can reach the container there: one of its network IPs with the service port (on the
 * labelled network if there is a label), a published binding of the service port (loopback only
 * from this host), or any host address with the service port for host networking.
 */
export function judgeAddress(
  entry: RegistryEntry,
  d: DockerContainer,
  servicePort: number | undefined,
  context: Pick<CheckContext, 'keys' | 'host'>,
): AddressVerdict | undefined {
  if (!entry.host || entry.port === undefined) {
    return {kind: 'no-address', detail: entry.valueError ?? 'the entry holds no host:port'}
  }

  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, localhost is loopback either way and is no container's IP
  const host = unbracket(entry.host) === 'localhost' ? '127.0.0.1' : unbracket(entry.host)
  const {port} = entry
  const networkLabel = d.labels[context.keys.serviceNetwork]
  const known = context.host

  if (d.networkMode === 'host') {
    if (servicePort !== undefined && port !== servicePort) {
      return {
        kind: 'wrong-port',
        detail: `the container uses host networking and listens on ${servicePort}, not ${port}`,
      }
    }

    if (known.containerIps.has(host))
      return {
        kind: 'another-container',
        detail: `${host} is another container's IP; the container uses host networking`,
      }
    return undefined
  }

  const network = d.networks.find((n) => n.ip === host || (n.ipv6 && n.ipv6 === host))
  if (network) {
    if (servicePort !== undefined && port !== servicePort) {
      return {
        kind: 'wrong-port',
        detail: `${host} is its IP on ${network.name}, but the service port is ${servicePort}, not ${port}`,
      }
    }

    if (networkLabel && network.name !== networkLabel) {
      const labelled = d.networks.find((n) => n.name === networkLabel)
      return {
        kind: 'other-network',
        detail: `${host} is its IP on ${network.name}; ${context.keys.serviceNetwork}=${networkLabel} ${labelled ? `where its IP is ${labelled.ip}` : 'names a network it is not on'}`,
      }
    }

    return undefined
  }

  const bindings = d.ports.filter((p) => p.publicPort === port && p.type === 'tcp')
  if (bindings.length > 0) {
    const forwarded = bindings[0]!.privatePort
    if (servicePort !== undefined && forwarded !== servicePort) {
      return {
        kind: 'published-port-not-service-port',
        detail: `host port ${port} forwards to container port ${forwarded}, not the service port ${servicePort}`,
      }
    }

    if (known.containerIps.has(host))
      return {kind: 'another-container', detail: `${host} is another container's IP, not the Docker host's`}
    if (isLoopback(host)) return undefined
    // Stryker disable next-line ConditionalExpression: equivalent, isLoopback(undefined) is false too
    const loopbackOnly = bindings.every((b) => b.ip !== undefined && isLoopback(b.ip))
    if (loopbackOnly) {
      return {
        kind: 'loopback-only-binding',
        detail: `port ${port} is published on ${bindings[0]!.ip} only: not reachable at ${host}`,
      }
    }

    return undefined
  }

  if (isLoopback(host)) {
    return {
      kind: 'loopback-unpublished',
      detail: `nothing publishes port ${port} on this host's loopback${servicePort === undefined ? '' : ` (the service port ${servicePort} is ${d.ports.some((p) => p.privatePort === servicePort && p.publicPort) ? 'published on another port' : 'not published'})`}`,
    }
  }

  const gatewayOf = known.gatewayNetworks.get(host)
  if (gatewayOf) {
    return {
      kind: 'host-address',
      detail: `${host} is the gateway of Docker network ${gatewayOf} (the Docker host's side of the bridge), and the host publishes no port ${port}`,
    }
  }

  if (known.dockerHostAddress && host === known.dockerHostAddress) {
    return {
      kind: 'host-address',
      detail: `${host} is the Docker host's address, and the host publishes no port ${port}`,
    }
  }

  if (known.containerIps.has(host)) return {kind: 'another-container', detail: `${host} is another container's IP`}
  return {
    kind: 'not-its-address',
    detail: `${host} is none of the container's addresses and port ${port} is not published`,
  }
}
