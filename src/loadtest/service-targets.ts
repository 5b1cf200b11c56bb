import type {Instance, ServiceView} from '../model/types.js'

import {UsageError} from '../core/errors.js'
import {didYouMean} from '../core/suggest.js'
import {addressText, loopbackProbeTarget} from '../model/address.js'

export interface InstanceTarget {
  id: string
  url: URL
}

export interface ExcludedInstance {
  id: string
  reason: string
}

export interface ServiceTargets {
  targets: InstanceTarget[]
  excluded: ExcludedInstance[]
}

export interface PickOptions {
  /** Path (and query) every request asks for. */
  path: string
  /** Also use addresses that are not loopback (container IPs, remote hosts), as a gateway would. */
  anyAddress: boolean
  https: boolean
}

/** Why an instance should not take load, or undefined when it is healthy. */
export function unhealthyReason(i: Instance): string | undefined {
  if (i.docker) {
    if (i.docker.state !== 'running') return `container ${i.docker.state}`
    if (i.docker.health === 'unhealthy') return 'Docker health check: unhealthy'
    if (i.docker.health === 'starting') return 'Docker health check: still starting'
  }

  if (i.consul && i.consul.status === 'critical') return 'Consul check critical'
  if (i.probe?.probed && i.probe.ok === false)
    return `health probe failed (${i.probe.error ?? `HTTP ${i.probe.status}`} at ${i.probe.url})`
  return undefined
}

/** The address load goes to: loopback (published port, host network, loopback registration) unless anyAddress. */
function loadAddress(i: Instance, anyAddress: boolean): {host: string; port: number} | undefined {
  const loopback = loopbackProbeTarget(i.addresses)
  if (loopback) return loopback
  const a = i.address
  if (a && a.kind === 'registered' && (a.ip === '127.0.0.1' || a.ip === '::1' || a.ip === 'localhost')) {
    return {host: a.ip === '::1' ? '[::1]' : a.ip, port: a.port}
  }

  if (anyAddress && a && a.port > 0) {
    const host = a.ip === '0.0.0.0' ? '127.0.0.1' : a.ip === '::' ? '[::1]' : a.ip.includes(':') ? `[${a.ip}]` : a.ip
    return {host, port: a.port}
  }

  return undefined
}

/**
 * The healthy instances of `service` in the view, each as a URL to send load to. Unknown service or
 * no healthy, reachable instance: one UsageError (exit 2) that says which and why.
 */
export function pickServiceTargets(view: ServiceView, service: string, options: PickOptions): ServiceTargets {
  const svc = view.services.find((s) => s.name === service)
  if (!svc) {
    const names = view.services.map((s) => s.name)
    const guess = didYouMean(service, names)
    throw new UsageError(`unknown service ${JSON.stringify(service)}: discovery found no instance of it`, {
      hint: guess
        ? `did you mean ${JSON.stringify(guess)}?`
        : names.length > 0
          ? `known services: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`
          : 'run `mcp discover` to see what is running',
    })
  }

  const targets: InstanceTarget[] = []
  const excluded: ExcludedInstance[] = []
  const scheme = options.https ? 'https' : 'http'
  const path = options.path.startsWith('/') ? options.path : `/${options.path}`
  for (const i of svc.instances) {
    const bad = unhealthyReason(i)
    if (bad) {
      excluded.push({id: i.id, reason: bad})
      continue
    }

    const addr = loadAddress(i, options.anyAddress)
    if (!addr) {
      excluded.push({
        id: i.id,
        reason: i.address
          ? `no loopback-published port (the gateway's address is ${addressText(i.address)}; --any-address sends load there)`
          : `no address (${i.addressReason ?? 'no port'})`,
      })
      continue
    }

    targets.push({id: i.id, url: new URL(`${scheme}://${addr.host}:${addr.port}${path}`)})
  }

  if (targets.length === 0) {
    const why = excluded.map((e) => `${e.id}: ${e.reason}`).join('; ')
    throw new UsageError(
      `service ${JSON.stringify(service)} has no healthy instance to load${why ? ` (${why})` : ''}`,
      {
        hint: `\`mcp discover --service ${service} --probe\` shows each instance's state`,
      },
    )
  }

  return {targets, excluded}
}
