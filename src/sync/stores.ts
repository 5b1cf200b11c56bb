import type {Connections} from '../core/connections.js'

import {ConsulStore} from './consul-store.js'
import {EtcdStore, RegistryStore, StoreEvents} from './store.js'

/** The store for --registry: etcd (keys, one lease) or Consul (the local agent's API). */
export function openStore(
  registry: 'etcd' | 'consul',
  connections: Connections,
  ttlSeconds: number,
  owner: string,
  events: StoreEvents = {},
): RegistryStore {
  if (registry === 'consul') return new ConsulStore(connections.consul!, connections.timeoutMs, owner)
  return new EtcdStore(connections, ttlSeconds, events)
}
