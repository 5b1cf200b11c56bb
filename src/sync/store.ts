import type {Etcd3, Lease} from 'etcd3'

import type {Connections} from '../core/connections.js'
import type {CurrentEntry, SyncAction} from './plan.js'

import {withDeadline} from '../core/deadline.js'
import {createEtcdClient, etcdEndpointText, readRegistrations} from '../registry/etcd.js'

/** Where registrations are written: etcd (keys on a lease) or Consul (the agent API). */
export interface RegistryStore {
  readonly name: 'etcd' | 'consul'
  readonly endpoint: string
  /** The agent's lease, once granted (etcd with a TTL). */
  readonly leaseId?: string
  /** Grant the lease if there is none (a first run, or the last one was lost). */
  prepare(): Promise<void>
  /** Every entry under the prefix (etcd) or in the agent's catalog (Consul). */
  read(): Promise<CurrentEntry[]>
  apply(action: SyncAction, value: string): Promise<void>
  /** revoke: take every entry of this agent away at once (SIGTERM); else leave them to expire. */
  close(options: {revoke: boolean}): Promise<void>
}

export interface StoreEvents {
  /** The lease expired or was revoked under us: every entry on it is gone. */
  onLeaseLost?: (error: Error) => void
  /** Keep-alives answer again after failing: etcd is back, a resync is due. */
  onReconnected?: () => void
}

/** etcd's lease ids come as decimal text from both clients; compared as numbers, not spellings. */
export const sameLease = (a: string | null | undefined, b: string | null | undefined) => {
  if (!a || !b) return false
  try {
    return BigInt(a) === BigInt(b)
  } catch {
    return a === b
  }
}

/**
 * etcd: reads through the same Range read discover and doctor use; writes and the lease through
 * etcd3 (which keeps the lease alive every TTL/3 and reconnects by itself). One lease per agent:
 * SIGTERM revokes it (every entry gone at once), a crash lets it expire within the TTL.
 */
export class EtcdStore implements RegistryStore {
  readonly name = 'etcd' as const
  readonly endpoint: string
  private client?: Etcd3
  private lease?: Lease
  private granted?: string
  private failing = false

  constructor(
    private readonly connections: Connections,
    /** 0: no lease (a one-shot run that cannot keep one alive). */
    private readonly ttlSeconds: number,
    private readonly events: StoreEvents = {},
  ) {
    this.endpoint = etcdEndpointText(connections.etcd)
  }

  get leaseId(): string | undefined {
    return this.granted
  }

  private etcd(): Etcd3 {
    this.client ??= createEtcdClient(this.connections.etcd, this.connections.timeoutMs)
    return this.client
  }

  async prepare(): Promise<void> {
    if (this.ttlSeconds <= 0 || this.granted) return
    const lease = this.etcd().lease(this.ttlSeconds, {autoKeepAlive: true})
    lease.on('lost', (error) => {
      if (this.lease !== lease) return
      this.lease = undefined
      this.granted = undefined
      this.events.onLeaseLost?.(error)
    })
    lease.on('keepaliveFailed', () => (this.failing = true))
    lease.on('keepaliveSucceeded', () => {
      if (!this.failing) return
      this.failing = false
      this.events.onReconnected?.()
    })
    this.lease = lease
    try {
      this.granted = await withDeadline(
        lease.grant(),
        this.connections.timeoutMs,
        `etcd lease grant at ${this.endpoint}`,
      )
    } catch (error) {
      this.lease = undefined
      lease.release()
      throw error
    }
  }

  async read(): Promise<CurrentEntry[]> {
    const result = await readRegistrations(
      this.connections.etcd,
      this.connections.registryPrefix,
      this.connections.timeoutMs,
    )
    result.leaseTtls.catch(() => undefined)
    return result.registrations.map((r) => ({
      key: r.key,
      service: r.service,
      instance: r.instance,
      address: r.address,
      containerId: r.containerId,
      servicePort: r.servicePort,
      version: r.version,
      weight: r.weight,
      healthPath: r.healthPath,
      registeredBy: r.registeredBy,
      valueFormat: r.valueFormat,
      leaseId: r.lease ? (this.granted && sameLease(r.lease.id, this.granted) ? this.granted : r.lease.id) : null,
    }))
  }

  async apply(action: SyncAction, value: string): Promise<void> {
    const etcd = this.etcd()
    const what = `etcd ${action.kind} ${action.key}`
    if (action.kind === 'remove') {
      await withDeadline(etcd.delete().key(action.key).exec(), this.connections.timeoutMs, what)
      return
    }

    if (this.ttlSeconds > 0 && !this.lease) throw new Error('no lease: waiting for etcd to grant a new one')
    const put = this.lease ? this.lease.put(action.key).value(value) : etcd.put(action.key).value(value)
    await withDeadline(put.exec(), this.connections.timeoutMs, what)
  }

  async close(options: {revoke: boolean}): Promise<void> {
    const {lease} = this
    this.lease = undefined
    if (lease) {
      if (options.revoke)
        await withDeadline(lease.revoke(), this.connections.timeoutMs, 'etcd lease revoke').catch(() => lease.release())
      else lease.release()
    }

    this.client?.close()
    this.client = undefined
  }
}
