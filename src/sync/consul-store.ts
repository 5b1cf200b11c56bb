import type {ConsulConnection} from '../core/connections.js'
import type {CurrentEntry, SyncAction} from './plan.js'
import type {RegistryStore} from './store.js'

import {redact} from '../core/redact.js'

/** /v1/agent/services entries (Consul's documented agent API). */
interface AgentService {
  ID: string
  Service: string
  Address?: string
  Port?: number
  Meta?: Record<string, string> | null
}

/** How long a critical check may last before Consul drops the service by itself (a crashed agent's entries). */
export const DEREGISTER_CRITICAL_AFTER = '1m'

/**
 * Consul: services registered with the local agent (PUT /v1/agent/service/register), each with an
 * HTTP check of its health path and DeregisterCriticalServiceAfter, so a crashed agent's entries
 * leave on their own; deregistered on stop. The service ID is the container's name.
 */
export class ConsulStore implements RegistryStore {
  readonly name = 'consul' as const
  readonly endpoint: string
  readonly leaseId = undefined

  constructor(
    private readonly conn: ConsulConnection,
    private readonly timeoutMs: number,
    private readonly owner: string,
  ) {
    this.endpoint = conn.addr
  }

  async prepare(): Promise<void> {}

  private async call(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.conn.addr + '/')
    const headers: Record<string, string> = {accept: 'application/json'}
    if (this.conn.token) headers['x-consul-token'] = this.conn.token
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    // Bounded in time by the signal, and in size: a declared length over the cap is not read at all.
    const tooLarge = () => new Error(`${method} ${url.pathname}: answer larger than 8 MB`)
    if (Number(res.headers.get('content-length') ?? 0) > 8 << 20) {
      await res.body?.cancel()
      throw tooLarge()
    }

    const text = await res.text()
    if (text.length > 8 << 20) throw tooLarge()
    if (!res.ok)
      throw new Error(
        `HTTP ${res.status} from ${method} ${url.pathname}${text ? `: ${redact(text.trim().slice(0, 200))}` : ''}`,
      )
    return text ? JSON.parse(text) : undefined
  }

  async read(): Promise<CurrentEntry[]> {
    const services = ((await this.call('GET', 'v1/agent/services')) ?? {}) as Record<string, AgentService>
    return Object.values(services).map((s) => {
      const meta = s.Meta ?? {}
      const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined)
      const host = s.Address ?? ''
      return {
        key: s.ID,
        service: s.Service,
        instance: s.ID,
        address: host && s.Port ? `${host.includes(':') ? `[${host}]` : host}:${s.Port}` : undefined,
        containerId: meta.containerId || undefined,
        servicePort: num(meta.servicePort),
        version: meta.version || undefined,
        weight: num(meta.weight),
        healthPath: meta.healthPath || undefined,
        registeredBy: meta.registeredBy || undefined,
        valueFormat: 'json' as const,
      }
    })
  }

  async apply(action: SyncAction): Promise<void> {
    if (action.kind === 'remove') {
      await this.call('PUT', `v1/agent/service/deregister/${encodeURIComponent(action.key)}`)
      return
    }

    const r = action.registration!
    const path = r.healthPath.startsWith('/') ? r.healthPath : `/${r.healthPath}`
    const meta: Record<string, string> = {
      containerId: r.containerId,
      servicePort: String(r.servicePort),
      healthPath: r.healthPath,
      registeredBy: r.registeredBy,
    }
    if (r.version !== undefined) meta.version = r.version
    if (r.weight !== undefined) meta.weight = String(r.weight)
    await this.call('PUT', 'v1/agent/service/register', {
      ID: action.key,
      Name: r.service,
      Address: r.host,
      Port: r.port,
      Meta: meta,
      Check: {
        Name: `${r.service} health`,
        HTTP: `http://${r.address}${path}`,
        Interval: '10s',
        Timeout: '2s',
        DeregisterCriticalServiceAfter: DEREGISTER_CRITICAL_AFTER,
      },
    })
  }

  async close(options: {revoke: boolean}): Promise<void> {
    if (!options.revoke) return
    // Every service this owner registered, including those of an earlier run left unchanged.
    const mine = (await this.read()).filter((e) => e.registeredBy === this.owner)
    await Promise.all(mine.map((e) => this.call('PUT', `v1/agent/service/deregister/${encodeURIComponent(e.key)}`)))
  }
}
