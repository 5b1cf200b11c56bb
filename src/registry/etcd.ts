import type {Etcd3, IOptions, Watcher} from 'etcd3'
import type * as Tls from 'node:tls'

import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import type {EtcdRegistration} from '../model/types.js'

import {EtcdConnection} from '../core/connections.js'
import {UsageError} from '../core/errors.js'
import {httpRequest, httpTargetOf} from '../net/http.js'
import {LIMITS} from '../net/limits.js'
import {EtcdGrpcSession, isAuthFailure} from './etcd-grpc.js'
import {parseRegistrationValue, parseRegistryKey, registryKeySlash} from './registration.js'

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
  const tls = etcdTlsFiles(conn)
  if (tls.ca || tls.cert) {
    options.credentials = {rootCertificate: tls.ca ?? Buffer.alloc(0), certChain: tls.cert, privateKey: tls.key}
  }

  // etcd3 (gRPC, protobuf parsed at load) is slow to load (docs/performance.md): only watches need it.
  const {Etcd3: Client} = createRequire(import.meta.url)('etcd3') as typeof import('etcd3')
  return new Client(options)
}

/** Build a registration record from one key-value (lease TTLs are filled in afterwards). */
export function registrationFromKv(
  key: string,
  value: string,
  leaseId: string,
  prefix: string,
  createRevision = '0',
  modRevision = '0',
  /** Lease records by ID, shared by every key on a lease (filled in here for new IDs). */
  leases?: Map<string, EtcdLease>,
): EtcdRegistration {
  // The key read in place (parseRegistryKey would make an object for each of 10,000 keys).
  const slash = registryKeySlash(key, prefix)
  const parsed = slash >= 0
  let lease: EtcdLease | null = null
  if (leaseId && leaseId !== '0') {
    lease = leases?.get(leaseId) ?? null
    if (!lease) {
      lease = {id: leaseId, ttl: -1, grantedTtl: -1}
      leases?.set(leaseId, lease)
    }
  }

  // Every field present from the start, in output order (JSON leaves the undefined ones out): the
  // parse fills in values without changing the object's shape, 10,000 times for a large registry.
  const base: EtcdRegistration = parseRegistrationValue(value, {
    key,
    service: parsed ? key.slice(prefix.length, slash) : key.slice(prefix.length).replace(/\/[^]*$/, ''),
    instance: parsed ? key.slice(slash + 1) : '',
    lease,
    createRevision,
    modRevision,
    valueFormat: 'invalid', // set by the parse
    valueError: undefined,
    host: undefined,
    port: undefined,
    address: undefined,
    containerId: undefined,
    servicePort: undefined,
    version: undefined,
    weight: undefined,
    healthPath: undefined,
    metadata: undefined,
    registeredBy: undefined,
  })
  if (!parsed) {
    base.valueFormat = 'invalid'
    base.valueError = `key is not ${prefix}<service>/<instance>`
  }

  return base
}

type EtcdLease = NonNullable<EtcdRegistration['lease']>

export interface EtcdReadResult {
  registrations: EtcdRegistration[]
  /** The store revision of the read: a watch started from revision+1 misses nothing. */
  revision: string
  /**
   * Settles once every lease record the registrations share holds its TTL (until then: -1), and
   * rejects as the read would have. Their answers come back while the caller merges.
   */
  leaseTtls: Promise<void>
}

/**
 * Each endpoint's health through etcd's HTTP /health on the client URL: which member of a cluster
 * is down, named, while the read goes through any live one. Under the same deadline as the read.
 */
export async function etcdMemberHealth(
  conn: EtcdConnection,
  timeoutMs: number,
): Promise<{endpoint: string; ok: boolean; error?: string}[]> {
  const deadline = Date.now() + timeoutMs
  const tls = etcdTlsFiles(conn)
  return Promise.all(
    conn.endpoints.map(async (endpoint) => {
      const url = new URL('/health', endpoint)
      try {
        const {status, body} = await httpRequest(httpTargetOf(url, tls), {
          source: `etcd member ${endpoint}`,
          path: url.pathname,
          deadline,
          maxBodyBytes: LIMITS.healthBodyBytes,
        })
        const healthy = status === 200 && /"health"\s*:\s*"?true/.test(body.toString('utf8'))
        return healthy ? {endpoint, ok: true} : {endpoint, ok: false, error: `unhealthy (HTTP ${status})`}
      } catch (error) {
        const {code} = error as NodeJS.ErrnoException
        return {
          endpoint,
          ok: false,
          error:
            code === 'ECONNREFUSED'
              ? 'connection refused'
              : code === 'ETIMEDOUT'
                ? 'timed out'
                : (error as Error).message,
        }
      }
    }),
  )
}

/**
 * The TLS material for etcd, read and checked before anything is sent: a key without a
 * certificate, or files that are not PEM, are the user's flags to fix (a usage error), not an
 * unreachable etcd.
 */
export function etcdTlsFiles(conn: EtcdConnection): {ca?: Buffer; cert?: Buffer; key?: Buffer} {
  if (Boolean(conn.cert) !== Boolean(conn.key)) {
    throw new UsageError(`--etcd-${conn.cert ? 'cert' : 'key'} needs --etcd-${conn.cert ? 'key' : 'cert'} as well`, {
      hint: 'a client certificate and its key go together (ETCDCTL_CERT and ETCDCTL_KEY)',
    })
  }

  const files = {
    ca: readPem(conn.cacert, 'CA bundle'),
    cert: readPem(conn.cert, 'client certificate'),
    key: readPem(conn.key, 'client key'),
  }
  if (files.ca || files.cert) {
    try {
      // node:tls only when there are TLS files: loading it costs every other run its load.
      const tls = createRequire(import.meta.url)('node:tls') as typeof Tls
      tls.createSecureContext(files)
    } catch (error) {
      // OpenSSL's message names the problem ("no start line"), never the key material.
      throw new UsageError(`the etcd TLS files were refused: ${(error as Error).message}`, {
        hint: 'check --etcd-cacert, --etcd-cert and --etcd-key (PEM files)',
      })
    }
  }

  return files
}

/** The key just past every key with this prefix (etcd's range_end for a prefix). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++
      return end.subarray(0, i + 1)
    }
  }

  return Buffer.from([0])
}

/**
 * The read discover and doctor make: one Range call for the whole prefix, then one
 * LeaseTimeToLive per distinct lease, multiplexed on one HTTP/2 connection (src/registry/etcd-grpc.ts
 * says why not etcd3 here). Endpoints are tried in order; a dead one costs a refused connection.
 */
export async function readRegistrations(
  conn: EtcdConnection,
  prefix: string,
  timeoutMs: number,
): Promise<EtcdReadResult> {
  const deadline = Date.now() + timeoutMs
  const tls = etcdTlsFiles(conn)
  let lastError: unknown
  for (const endpoint of conn.endpoints) {
    if (deadline - Date.now() <= 0) break
    const session = new EtcdGrpcSession(endpoint, tls, deadline)
    let leaseTtls: Promise<void> | undefined
    try {
      if (conn.user) await session.authenticate(conn.user, conn.password ?? '')
      // Keys on one lease share one lease record (registrationFromKv makes it), whose TTL is asked
      // once. Each registration is built as its key-value is decoded: asking the TTLs before the
      // values are parsed overlapped one round trip, and cost a record per key for the decode.
      const leases = new Map<string, EtcdLease>()
      const {revision, kvs: registrations} = await session.range(
        Buffer.from(prefix),
        prefixEnd(prefix),
        (key, value, createRevision, modRevision, lease) =>
          registrationFromKv(key, value, lease, prefix, createRevision, modRevision, leases),
      )
      const pending = [...leases.values()]
      const worker = async () => {
        for (let lease = pending.pop(); lease; lease = pending.pop())
          Object.assign(lease, await session.leaseTimeToLive(lease.id))
      }

      // Concurrent streams on the one connection; bounded so 10,000 leases don't open 10,000 at once.
      // Not awaited here: the answers take a round trip (docs/performance.md),
      // and the caller has the merge to do meanwhile. The connection closes once they are in.
      leaseTtls = Promise.all(Array.from({length: Math.min(LIMITS.etcdLeaseConcurrency, pending.length)}, worker))
        .then(() => undefined)
        .finally(() => session.close())
      leaseTtls.catch(() => undefined) // the caller awaits it; a failure meanwhile is not "unhandled"
      return {registrations, revision, leaseTtls}
    } catch (error) {
      // Refused credentials are the same on every member: say so rather than try the next.
      if (isAuthFailure(error)) throw error
      lastError = error
    } finally {
      if (!leaseTtls) session.close()
    }
  }

  throw lastError ?? Object.assign(new Error(`etcd did not answer within ${timeoutMs} ms`), {code: 'ETIMEDOUT'})
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
      registration: registrationFromKv(
        kv.key.toString(),
        kv.value.toString(),
        kv.lease,
        prefix,
        kv.create_revision,
        kv.mod_revision,
      ),
    })
  })
  watcher.on('delete', (kv) => {
    const key = kv.key.toString()
    const parsed = parseRegistryKey(key, prefix)
    onChange({
      type: 'delete',
      key,
      service: parsed?.service ?? '',
      instance: parsed?.instance ?? '',
      revision: kv.mod_revision,
    })
  })
  return watcher
}
