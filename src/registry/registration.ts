import type {EtcdRegistration} from '../model/types.js'

import {joinHostPort, splitHostPort} from '../model/address.js'

/** host:port for a registration: the text as written when it already is exactly that. */
function hostPortText(text: string, host: string, port: number): string {
  const joined = joinHostPort(host, port)
  return joined === text ? text : joined
}

/** A decimal number of at most 15 digits (exact as a number), or undefined. */
function digitsValue(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  return typeof v === 'string' ? digitsValue(v) : undefined
}

/** What a registry value carries (the rest of a registration comes from its key and lease). */
export type RegistrationValue = Pick<
  EtcdRegistration,
  | 'address'
  | 'host'
  | 'port'
  | 'containerId'
  | 'servicePort'
  | 'version'
  | 'weight'
  | 'healthPath'
  | 'metadata'
  | 'registeredBy'
  | 'valueFormat'
  | 'valueError'
>

/**
 * Parse one registry value as the gateway agents write it: plain `host:port`, or JSON with
 * `address` or `addr` (host:port, or host with a separate `port`), optional `containerId`, `port`,
 * `version`, `weight`, `healthPath`/`health_path`, `metadata`. The fields are written into `into`
 * (a registration being built: no intermediate object to copy, 10,000 times for a large registry).
 */
export function parseRegistrationValue<T extends RegistrationValue>(
  value: string,
  into: T = {valueFormat: 'invalid'} as T,
): T {
  // A JSON value needs no trim (JSON.parse skips white space itself), and most values are JSON.
  const text = value.charCodeAt(0) === 0x7b ? value : value.trim()
  if (text.charCodeAt(0) === 0x7b) {
    let obj: Record<string, unknown>
    try {
      obj = JSON.parse(text) as Record<string, unknown>
    } catch (error) {
      return Object.assign(into, {valueFormat: 'invalid', valueError: `not valid JSON: ${(error as Error).message}`})
    }

    if (!obj || typeof obj !== 'object' || Array.isArray(obj))
      return Object.assign(into, {valueFormat: 'invalid', valueError: 'JSON value is not an object'})
    // Which name wins when several are there is settled below, in the documented order.
    const {
      address,
      addr,
      host,
      ip,
      port: portField,
      metadata,
      containerId,
      container_id: containerIdSnake,
      containerID: containerIdCaps,
    } = obj
    const {
      servicePort,
      service_port: servicePortSnake,
      version,
      weight,
      healthPath,
      health_path: healthPathSnake,
      registeredBy,
    } = obj
    const meta =
      metadata && typeof metadata === 'object' && !Array.isArray(metadata)
        ? (metadata as Record<string, unknown>)
        : undefined
    const rawAddress = str(address) ?? str(addr) ?? str(host) ?? str(ip)
    const split = rawAddress ? splitHostPort(rawAddress) : undefined
    const port = split?.port ?? num(portField)
    into.valueFormat = 'json'
    if (split) {
      into.host = split.host
      if (port !== undefined) {
        into.port = port
        into.address = hostPortText(rawAddress!, split.host, port)
      }
    } else if (port !== undefined) {
      into.port = port
    }

    if (!into.address) into.valueError = rawAddress ? 'address has no port' : 'no address or addr field'
    const container = str(containerId) ?? str(containerIdSnake) ?? str(containerIdCaps)
    if (container) into.containerId = container
    // The container port the agent recorded, apart from the address (which may be a published port).
    const recordedPort =
      num(servicePort) ??
      num(servicePortSnake) ??
      num(portField) ??
      (meta ? (num(meta.port) ?? num(meta.servicePort)) : undefined)
    if (recordedPort !== undefined) into.servicePort = recordedPort
    const versionText = str(version) ?? (meta ? str(meta.version) : undefined)
    if (versionText) into.version = versionText
    const weightValue = num(weight) ?? (meta ? num(meta.weight) : undefined)
    if (weightValue !== undefined) into.weight = weightValue
    const health =
      str(healthPath) ?? str(healthPathSnake) ?? (meta ? (str(meta.healthPath) ?? str(meta.health_path)) : undefined)
    if (health) into.healthPath = health
    if (meta) into.metadata = meta
    const owner = str(registeredBy)
    if (owner) into.registeredBy = owner
    return into
  }

  const split = splitHostPort(text)
  if (!split || split.port === undefined || !split.host) {
    return Object.assign(into, {
      valueFormat: 'invalid',
      valueError: `"${text.slice(0, 60)}" is neither host:port nor JSON`,
    })
  }

  into.valueFormat = 'plain'
  into.host = split.host
  into.port = split.port
  into.address = hostPortText(text, split.host, split.port)
  return into
}

/** Where the service name ends in `<prefix><service>/<instance>` (the slash), or -1 for any other key. */
export function registryKeySlash(key: string, prefix: string): number {
  if (!key.startsWith(prefix)) return -1
  const slash = key.indexOf('/', prefix.length)
  return slash > prefix.length && slash < key.length - 1 ? slash : -1
}

/** `/services/<service>/<instance>` → service and instance (the instance may itself contain '/'). */
export function parseRegistryKey(key: string, prefix: string): {service: string; instance: string} | undefined {
  const slash = registryKeySlash(key, prefix)
  return slash < 0 ? undefined : {service: key.slice(prefix.length, slash), instance: key.slice(slash + 1)}
}
