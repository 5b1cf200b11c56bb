import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {createSecureContext} from 'node:tls'
import type {Etcd3, IOptions, Watcher} from 'etcd3'

import {EtcdConnection} from '../core/connections.js'
import {UsageError} from '../core/errors.js'
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
  const tls = etcdTlsFiles(conn)
  if (tls.ca || tls.cert) {
    options.credentials = {rootCertificate: tls.ca ?? Buffer.alloc(0), certChain: tls.cert, privateKey: tls.key}
  }
  // etcd3 (gRPC, protobuf parsed at load) costs ~200 ms to load: only watches need it.
  const {Etcd3: Client} = createRequire(import.meta.url)('etcd3') as typeof import('etcd3')
  return new Client(options)
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

export interface EtcdReadResult {
  registrations: EtcdRegistration[]
  /** The store revision of the read: a watch started from revision+1 misses nothing. */
  revision: string
}

/**
 * Each endpoint's health through etcd's HTTP /health on the client URL: which member of a cluster
 * is down, named, while the read goes through any live one.
 */
export async function etcdMemberHealth(conn: EtcdConnection, timeoutMs: number): Promise<{endpoint: string; ok: boolean; error?: string}[]> {
  const {request: httpRequest} = await import('node:http')
  const {request: httpsRequest} = await import('node:https')
  const {ca, cert, key} = etcdTlsFiles(conn)
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
  const files = {ca: readPem(conn.cacert, 'CA bundle'), cert: readPem(conn.cert, 'client certificate'), key: readPem(conn.key, 'client key')}
  if (files.ca || files.cert) {
    try {
      createSecureContext(files)
    } catch (error) {
      // OpenSSL's message names the problem ("no start line"), never the key material.
      throw new UsageError(`the etcd TLS files were refused: ${(error as Error).message}`, {hint: 'check --etcd-cacert, --etcd-cert and --etcd-key (PEM files)'})
    }
  }
  return files
}

/** The JSON gateway's key-value, as etcd 3.4's grpc-gateway writes it (bytes in base64, int64 as strings). */
interface GatewayKv {
  key: string
  value?: string
  lease?: string
  create_revision?: string
  mod_revision?: string
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
 * The read discover and doctor make, through etcd's documented JSON gateway (POST /v3/kv/range,
 * /v3/lease/timetolive, /v3/auth/authenticate) rather than gRPC: the same range read, without
 * loading gRPC and protobuf. Endpoints are tried in order; a dead one costs a refused connection.
 */
export async function readRegistrationsHttp(conn: EtcdConnection, prefix: string, timeoutMs: number): Promise<EtcdReadResult> {
  const deadline = Date.now() + timeoutMs
  const tls = etcdTlsFiles(conn)
  let lastError: unknown
  for (const endpoint of conn.endpoints) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    const post = (path: string, body: unknown, token?: string) => postJson(endpoint, path, body, {timeoutMs: remaining, token, ...tls})
    try {
      let token: string | undefined
      if (conn.user) token = ((await post('/v3/auth/authenticate', {name: conn.user, password: conn.password ?? ''})) as {token?: string}).token
      const res = (await post('/v3/kv/range', {key: Buffer.from(prefix).toString('base64'), range_end: prefixEnd(prefix).toString('base64')}, token)) as {header?: {revision?: string}; kvs?: GatewayKv[]}
      const text = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64').toString('utf8') : '')
      const registrations = (res.kvs ?? []).map((kv) => registrationFromKv(text(kv.key), text(kv.value), kv.lease ?? '0', prefix, kv.create_revision ?? '0', kv.mod_revision ?? '0'))
      const leaseIds = [...new Set(registrations.flatMap((r) => (r.lease ? [r.lease.id] : [])))]
      const ttls = new Map<string, {ttl: number; grantedTtl: number}>()
      let next = 0
      const worker = async () => {
        while (next < leaseIds.length) {
          const id = leaseIds[next++]!
          const t = (await post('/v3/lease/timetolive', {ID: id}, token)) as {TTL?: string; grantedTTL?: string}
          ttls.set(id, {ttl: Number(t.TTL ?? -1), grantedTtl: Number(t.grantedTTL ?? -1)})
        }
      }
      await Promise.all(Array.from({length: Math.min(32, leaseIds.length)}, worker))
      for (const r of registrations) {
        const t = r.lease && ttls.get(r.lease.id)
        if (r.lease && t) Object.assign(r.lease, t)
      }
      return {registrations, revision: res.header?.revision ?? '0'}
    } catch (error) {
      // Refused credentials are the same on every member: say so rather than try the next.
      if ((error as {status?: number}).status === 401 || /auth|password|permission/i.test(String((error as Error).message))) throw error
      lastError = error
    }
  }
  throw lastError ?? Object.assign(new Error(`etcd did not answer within ${timeoutMs} ms`), {code: 'ETIMEDOUT'})
}

async function postJson(endpoint: string, path: string, body: unknown, options: {timeoutMs: number; token?: string; ca?: Buffer; cert?: Buffer; key?: Buffer}): Promise<unknown> {
  const {request: httpRequest} = await import('node:http')
  const {request: httpsRequest} = await import('node:https')
  const url = new URL(path, endpoint)
  const payload = JSON.stringify(body)
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(url, {method: 'POST', ca: options.ca, cert: options.cert, key: options.key, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(options.token ? {authorization: options.token} : {})}}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: {error?: string; message?: string} | undefined
        try {
          json = JSON.parse(text) as {error?: string; message?: string}
        } catch {
          json = undefined
        }
        if ((res.statusCode ?? 0) >= 400 || !json) {
          reject(Object.assign(new Error(`etcd ${path}: ${json?.message ?? json?.error ?? `HTTP ${res.statusCode}`}`), {status: res.statusCode}))
        } else resolve(json)
      })
      res.on('error', reject)
    })
    req.setTimeout(options.timeoutMs, () => req.destroy(Object.assign(new Error(`etcd did not answer within ${options.timeoutMs} ms`), {code: 'ETIMEDOUT'})))
    req.on('error', reject)
    req.end(payload)
  })
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
