import type {ConsulRegistration} from '../model/types.js'

import {ConsulConnection} from '../core/connections.js'
import {redact, redactExcerpt} from '../core/redact.js'
import {httpRequest, httpTargetOf} from '../net/http.js'
import {LIMITS} from '../net/limits.js'
import {mapLimit} from '../net/pool.js'

/** Shapes from Consul's documented HTTP API (/v1/catalog/services, /v1/health/service/:name). */
interface ConsulHealthEntry {
  Node: {Node: string; Address: string}
  Service: {
    ID: string
    Service: string
    Address: string
    Port: number
    Tags: string[] | null
    Meta: Record<string, string> | null
  }
  Checks: {Name: string; Status: string; Output?: string; ServiceID?: string}[]
}

export class ConsulHttpError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    body: string,
  ) {
    super(`HTTP ${status} from ${path}${body ? `: ${body.trim().slice(0, 200)}` : ''}`)
  }
}

async function get<T>(conn: ConsulConnection, path: string, deadline: number): Promise<T> {
  const url = new URL(path, conn.addr + '/')
  if (conn.datacenter) url.searchParams.set('dc', conn.datacenter)
  const headers: Record<string, string> = {accept: 'application/json'}
  // The token goes in a header, never in the URL, so it cannot leak through an error message.
  if (conn.token) headers['x-consul-token'] = conn.token
  const {status, body} = await httpRequest(httpTargetOf(url), {
    source: 'Consul',
    path: url.pathname + url.search,
    headers,
    deadline,
  })
  const text = body.toString('utf8')
  if (status < 200 || status >= 300) throw new ConsulHttpError(status, url.pathname, redact(text.slice(0, 1000)))
  try {
    return JSON.parse(text) as T
  } catch (error) {
    throw new Error(
      `Consul at ${conn.addr} answered ${url.pathname} with something that is not JSON: ${(error as Error).message}`,
    )
  }
}

const STATUS_RANK = {passing: 1, warning: 2, critical: 3} as const

function aggregateStatus(checks: {Status: string}[]): ConsulRegistration['status'] {
  let worst: ConsulRegistration['status'] = 'none'
  for (const c of checks) {
    const s = c.Status as keyof typeof STATUS_RANK
    if (!(s in STATUS_RANK)) continue
    if (worst === 'none' || STATUS_RANK[s] > STATUS_RANK[worst as keyof typeof STATUS_RANK]) worst = s
  }

  return worst
}

/** Every catalog service and its instances with health checks (one list call, then one per service). */
export async function readConsulServices(
  conn: ConsulConnection,
  timeoutMs: number,
  only?: string[],
): Promise<ConsulRegistration[]> {
  const deadline = Date.now() + timeoutMs
  const catalog = await get<Record<string, string[]>>(conn, 'v1/catalog/services', deadline)
  const names = Object.keys(catalog).filter((n) => n !== 'consul' && (!only?.length || only.includes(n)))
  // One request per service, a few at a time: 3,000 services must not be 3,000 sockets at once.
  const entries = await mapLimit(names, LIMITS.consulConcurrency, (name) =>
    get<ConsulHealthEntry[]>(conn, `v1/health/service/${encodeURIComponent(name)}`, deadline),
  )
  return entries.flat().map((e) => {
    // Node-level checks (serfHealth) have no ServiceID and apply to every service on the node.
    const checks = e.Checks.filter((c) => !c.ServiceID || c.ServiceID === e.Service.ID)
    return {
      service: e.Service.Service,
      id: e.Service.ID,
      node: e.Node.Node,
      // An empty service address means "use the node's address" (documented Consul behaviour).
      address: e.Service.Address || e.Node.Address,
      port: e.Service.Port,
      tags: e.Service.Tags ?? [],
      meta: e.Service.Meta ?? {},
      status: aggregateStatus(checks),
      checks: checks.map((c) => ({
        name: c.Name,
        status: c.Status,
        output: c.Output ? redactExcerpt(c.Output, 300) : undefined,
      })),
    }
  })
}
