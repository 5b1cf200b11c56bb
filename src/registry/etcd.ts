import {readFileSync} from 'node:fs'
import {Etcd3, IOptions, Watcher} from 'etcd3'

import {EtcdConnection} from '../core/connections.js'
import {UsageError} from '../core/errors.js'
import {withDeadline} from '../core/deadline.js'
import type {EtcdRegistration} from '../model/types.js'
import {parseRegistrationValue, parseRegistryKey} from './registration.js'

function readPem(path: string | undefined, what: string): Buffer | undefined {
  if (!path) return undefined
  try {
    return readFileSync(path)
  } catch (error) {
    throw new UsageError(`cannot read the etcd ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      hint: `check --etcd-${what === 'CA bundle' ? 'cacert' : what === 'client certificate' ? 'cert' : 'key'}`,
    })
  }
}

/** The endpoints as shown to people: never with credentials. */
export function etcdEndpointText(conn: EtcdConnection): string {
  return conn.endpoints.join(',')
}

export function createEtcdClient(conn: EtcdConnection, timeoutMs: number): Etcd3 {
  const options: IOptions = {
    hosts: conn.endpoints,
    dialTimeout: timeoutMs,
    // A deadline on every unary call; streams (watch) stay open.
    defaultCallOptions: (context) => (context.isStream ? {} : {deadline: Date.now() + timeoutMs}),
  }
  if (conn.user) options.auth = {username: conn.user, password: conn.password ?? ''}
  if (Boolean(conn.cert) !== Boolean(conn.key)) {
    throw new UsageError(`--etcd-${conn.cert ? 'cert' : 'key'} needs --etcd-${conn.cert ? 'key' : 'cert'} as well`, {
      hint: 'a client certificate and its key go together (ETCDCTL_CERT and ETCDCTL_KEY)',
    })
  }
  const rootCertificate = readPem(conn.cacert, 'CA bundle')
  if (rootCertificate || conn.cert || conn.key) {
    options.credentials = {
      rootCertificate: rootCertificate ?? Buffer.alloc(0),
      certChain: readPem(conn.cert, 'client certificate'),
      privateKey: readPem(conn.key, 'client key'),
    }
  }
  try {
    return new Etcd3(options)
  } catch (error) {
    // gRPC validates the PEM material here; its message never contains the key itself.
    throw new UsageError(`the etcd TLS files were refused: ${(error as Error).message}`, {
      hint: 'check --etcd-cacert, --etcd-cert and --etcd-key (PEM files)',
    })
  }
}

/** Build a registration record from one key-value (lease TTLs are filled in afterwards). */
export function registrationFromKv(key: string, value: string, leaseId: string, prefix: string, createRevision = '0', modRevision = '0'): EtcdRegistration {
  const parsed = parseRegistryKey(key, prefix)
  const base: EtcdRegistration = {
    key,
    service: parsed?.service ?? key.slice(prefix.length).replace(/\/.*$/, ''),
    instance: parsed?.instance ?? '',
    lease: leaseId && leaseId !== '0' ? {id: leaseId, ttl: -1, grantedTtl: -1} : null,
    createRevision,
    modRevision,
    ...parseRegistrationValue(value),
  }
  if (!parsed) {
    base.valueFormat = 'invalid'
    base.valueError = `key is not ${prefix}<service>/<instance>`
  }
  return base
}

/** Ask etcd for many lease TTLs at once, a bounded number in flight. */
async function leaseTtls(client: Etcd3, ids: string[], concurrency = 64): Promise<Map<string, {ttl: number; grantedTtl: number}>> {
  const out = new Map<string, {ttl: number; grantedTtl: number}>()
  let next = 0
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!
      const res = await client.leaseClient.leaseTimeToLive({ID: id, keys: false})
      out.set(id, {ttl: Number(res.TTL), grantedTtl: Number(res.grantedTTL)})
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, ids.length)}, worker))
  return out
}

export interface EtcdReadResult {
  registrations: EtcdRegistration[]
  /** The store revision of the read: a watch started from revision+1 misses nothing. */
  revision: string
}

/**
 * One range read for the whole prefix, then one TTL lookup per distinct lease (agents usually
 * share a lease across their keys, so this is far fewer calls than keys).
 */
export async function readRegistrations(client: Etcd3, prefix: string, timeoutMs: number): Promise<EtcdReadResult> {
  const res = await withDeadline(client.getAll().prefix(prefix).exec(), timeoutMs, 'etcd')
  const registrations = res.kvs.map((kv) =>
    registrationFromKv(kv.key.toString(), kv.value.toString(), kv.lease, prefix, kv.create_revision, kv.mod_revision),
  )
  const leaseIds = [...new Set(registrations.flatMap((r) => (r.lease ? [r.lease.id] : [])))]
  if (leaseIds.length > 0) {
    const ttls = await withDeadline(leaseTtls(client, leaseIds), timeoutMs, 'etcd lease lookup')
    for (const r of registrations) {
      const t = r.lease && ttls.get(r.lease.id)
      if (r.lease && t) {
        r.lease.ttl = t.ttl
        r.lease.grantedTtl = t.grantedTtl
      }
    }
  }
  return {registrations, revision: res.header.revision}
}

/**
 * Each endpoint's health through etcd's HTTP /health on the client URL: which member of a cluster
 * is down, named, while the read goes through any live one.
 */
export async function etcdMemberHealth(conn: EtcdConnection, timeoutMs: number): Promise<{endpoint: string; ok: boolean; error?: string}[]> {
  const {request: httpRequest} = await import('node:http')
  const {request: httpsRequest} = await import('node:https')
  const ca = readPem(conn.cacert, 'CA bundle')
  const cert = readPem(conn.cert, 'client certificate')
  const key = readPem(conn.key, 'client key')
  return Promise.all(
    conn.endpoints.map(
      (endpoint) =>
        new Promise<{endpoint: string; ok: boolean; error?: string}>((resolve) => {
          const url = new URL('/health', endpoint)
          const request = url.protocol === 'https:' ? httpsRequest : httpRequest
          const req = request(url, {timeout: timeoutMs, ca, cert, key}, (res) => {
            let body = ''
            res.setEncoding('utf8').on('data', (d: string) => (body += d))
            res.on('end', () => {
              const healthy = res.statusCode === 200 && /"health"\s*:\s*"?true/.test(body)
              resolve(healthy ? {endpoint, ok: true} : {endpoint, ok: false, error: `unhealthy (HTTP ${res.statusCode})`})
            })
          })
          req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), {code: 'ETIMEDOUT'})))
          req.on('error', (error: NodeJS.ErrnoException) => resolve({endpoint, ok: false, error: error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ETIMEDOUT' ? 'timed out' : error.message}))
          req.end()
        }),
    ),
  )
}

export type EtcdChange =
  | {type: 'put'; registration: EtcdRegistration; revision: string}
  | {type: 'delete'; key: string; service: string; instance: string; revision: string}

/**
 * Watch the prefix from a revision (so nothing between the read and the watch is lost). etcd3's
 * watch manager reconnects by itself and resumes from the last revision it saw.
 */
export async function watchRegistrations(
  client: Etcd3,
  prefix: string,
  fromRevision: string | undefined,
  onChange: (change: EtcdChange) => void,
): Promise<Watcher> {
  let builder = client.watch().prefix(prefix)
  if (fromRevision) builder = builder.startRevision(fromRevision)
  const watcher = await builder.create()
  watcher.on('put', (kv) => {
    onChange({
      type: 'put',
      revision: kv.mod_revision,
      registration: registrationFromKv(kv.key.toString(), kv.value.toString(), kv.lease, prefix, kv.create_revision, kv.mod_revision),
    })
  })
  watcher.on('delete', (kv) => {
    const key = kv.key.toString()
    const parsed = parseRegistryKey(key, prefix)
    onChange({type: 'delete', key, service: parsed?.service ?? '', instance: parsed?.instance ?? '', revision: kv.mod_revision})
  })
  return watcher
}
