import type {Address, AddressReason, DockerContainer, SwarmService, SwarmTask} from './types.js'

export interface AddressChoice {
  addresses: Address[]
  address?: Address
  reason: AddressReason
}

/**
 * Every way to reach the container's service port, and the one a gateway would use:
 * the network named by the network label; else a published binding of the port; else the only
 * network; several networks and no label → ambiguous (the top complaint against registrator and
 * Traefik), shown with the first network's address.
 */
export function chooseAddress(
  c: DockerContainer,
  port: number | undefined,
  networkLabel: string | undefined,
  dockerHostAddress = '127.0.0.1',
): AddressChoice {
  const addresses: Address[] = []
  const hostNetwork = c.networkMode === 'host'
  if (port === undefined) {
    for (const n of c.networks) if (n.ip) addresses.push({kind: 'network', ip: n.ip, port: 0, network: n.name})
  } else {
    if (hostNetwork) addresses.push({kind: 'host', ip: dockerHostAddress, port})
    for (const n of c.networks) if (n.ip) addresses.push({kind: 'network', ip: n.ip, port, network: n.name})
    for (const p of c.ports) {
      if (p.privatePort === port && p.publicPort && p.type === 'tcp') {
        addresses.push({kind: 'published', ip: p.ip ?? '0.0.0.0', port: p.publicPort, containerPort: port})
      }
    }
  }

  if (c.state !== 'running') return {addresses, reason: 'not-running'}
  if (port === undefined) return {addresses, reason: 'no-port'}
  if (hostNetwork) return {addresses, address: addresses[0], reason: 'host-network'}
  // Only network addresses have a network name, and published ones return before they are counted:
  // Stryker disable next-line MethodExpression,ConditionalExpression: equivalent, see above
  const networkAddresses = addresses.filter((a) => a.kind === 'network')
  if (networkLabel) {
    const chosen = networkAddresses.find((a) => a.network === networkLabel)
    return chosen ? {addresses, address: chosen, reason: 'network-label'} : {addresses, reason: 'network-label-unknown'}
  }

  const published = addresses.filter((a) => a.kind === 'published')
  if (published.length > 0) {
    // Prefer an IPv4 binding; docker publishes both 0.0.0.0 and :: for one -p.
    return {addresses, address: published.find((a) => !a.ip.includes(':')) ?? published[0], reason: 'published'}
  }

  if (networkAddresses.length === 1) return {addresses, address: networkAddresses[0], reason: 'only-network'}
  // Stryker disable next-line EqualityOperator: equivalent, the length here is 0 or at least 2
  if (networkAddresses.length > 1) {
    const first = [...networkAddresses].sort((a, b) => (a.network ?? '').localeCompare(b.network ?? ''))[0]
    return {addresses, address: first, reason: 'ambiguous'}
  }

  return {addresses, reason: 'no-address'}
}

/**
 * A Swarm task's addresses and the one a gateway would use: the service port published through
 * the routing mesh (any node), else the service VIP on the labelled (or only non-ingress) network
 * for endpoint_mode vip, else the task's own IP (dnsrr).
 */
export function chooseSwarmAddress(
  svc: SwarmService,
  task: SwarmTask,
  port: number | undefined,
  networkLabel: string | undefined,
): AddressChoice {
  const addresses: Address[] = []
  if (port === undefined) {
    for (const n of task.networks) if (n.ip) addresses.push({kind: 'network', ip: n.ip, port: 0, network: n.name})
    return {addresses, reason: 'no-port'}
  }

  for (const p of svc.ports) {
    if (p.targetPort === port && p.publishedPort && p.protocol === 'tcp')
      addresses.push({kind: 'published', ip: '0.0.0.0', port: p.publishedPort, containerPort: port})
  }

  for (const v of svc.vips)
    if (v.network !== 'ingress') addresses.push({kind: 'vip', ip: v.ip, port, network: v.network})
  for (const n of task.networks)
    if (n.ip && n.name !== 'ingress') addresses.push({kind: 'network', ip: n.ip, port, network: n.name})
  if (task.state !== 'running') return {addresses, reason: 'not-running'}
  const published = addresses.find((a) => a.kind === 'published')
  const pick = (kind: Address['kind']) => {
    const of = addresses.filter((a) => a.kind === kind)
    if (networkLabel) return of.find((a) => a.network === networkLabel)
    return of.length === 1 ? of[0] : undefined
  }

  if (!networkLabel && published) return {addresses, address: published, reason: 'published'}
  const wantKind = svc.endpointMode === 'vip' ? 'vip' : 'network'
  const chosen = pick(wantKind)
  if (chosen) return {addresses, address: chosen, reason: wantKind === 'vip' ? 'swarm-vip' : 'task-ip'}
  if (networkLabel) return {addresses, reason: 'network-label-unknown'}
  const several = addresses.filter((a) => a.kind === wantKind)
  // Stryker disable next-line EqualityOperator: equivalent, pick() took the case of exactly one
  if (several.length > 1) return {addresses, address: several[0], reason: 'ambiguous'}
  return published ? {addresses, address: published, reason: 'published'} : {addresses, reason: 'no-address'}
}

/** host:port with IPv6 in brackets; split back with splitHostPort. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`
}

/** "10.0.0.5:8080", "[::1]:80", "http://h:80/x" → host and port; undefined when there is no port. */
export function splitHostPort(text: string): {host: string; port?: number} | undefined {
  let s = text.trim()
  const schemeEnd = s.indexOf('://')
  if (schemeEnd > 0 && /^[a-z][a-z0-9+.-]*$/i.test(s.slice(0, schemeEnd))) {
    const pathStart = s.indexOf('/', schemeEnd + 3)
    s = s.slice(schemeEnd + 3, pathStart === -1 ? s.length : pathStart)
  }

  if (s.startsWith('[')) {
    const close = s.indexOf(']')
    if (close > 1 && close === s.length - 1) return {host: s.slice(1, close), port: undefined}
    if (close > 1 && s[close + 1] === ':' && isDigits(s, close + 2)) {
      return {host: s.slice(1, close), port: Number(s.slice(close + 2))}
    }
  }

  const colon = s.indexOf(':')
  if (colon === -1) return s ? {host: s} : undefined
  if (s.includes(':', colon + 1)) return {host: s} // a bare IPv6 address
  return colon > 0 && isDigits(s, colon + 1) ? {host: s.slice(0, colon), port: Number(s.slice(colon + 1))} : undefined
}

/** Whether `text` from `from` to its end is one or more decimal digits. */
function isDigits(text: string, from: number): boolean {
  if (from >= text.length) return false
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
  }

  return true
}

/** Address as text: 172.18.0.2:8080, 127.0.0.1:32768, [::]:32768. */
export function addressText(a: Address | undefined): string {
  if (!a) return '-'
  const host = a.ip.includes(':') ? `[${a.ip}]` : a.ip
  return `${host}:${a.port}`
}

/**
 * The loopback address through which a health path may be probed: a published binding on
 * 127.0.0.1 / ::1 or on all interfaces (0.0.0.0 / ::, reached via loopback), or host networking on
 * the local daemon. Never a container IP: that needs --probe-any.
 */
export function loopbackProbeTarget(addresses: Address[]): {host: string; port: number} | undefined {
  for (const a of addresses) {
    // A host-networked container on the local daemon listens on this host's loopback.
    if (a.kind === 'host' && a.ip === '127.0.0.1') return {host: '127.0.0.1', port: a.port}
    if (a.kind !== 'published') continue
    if (a.ip === '127.0.0.1' || a.ip === '0.0.0.0') return {host: '127.0.0.1', port: a.port}
    if (a.ip === '::1' || a.ip === '::') return {host: '[::1]', port: a.port}
  }

  return undefined
}
