import type {AddressInfo} from 'node:net'

/**
 * A RECORDED FIXTURE server standing in for Consul's HTTP API in tests: it replays the documented
 * response shapes of GET /v1/catalog/services and GET /v1/health/service/<name> (recorded in
 * test/fixtures/consul/*.json) on 127.0.0.1. It is not Consul: no blocking queries, no ACL rules
 * beyond one token. Generic on purpose: the constructor takes the entries to serve.
 *
 * The local agent's service endpoints are faked on top of the same entries (what `mcp sync
 * --registry consul` calls): GET /v1/agent/services, PUT /v1/agent/service/register (the entry is
 * served at once, its check passing, as a real agent reports it once the first check passed) and
 * PUT /v1/agent/service/deregister/<id>. No check is ever run.
 */
import {readFileSync} from 'node:fs'
import {createServer, IncomingMessage, Server, ServerResponse} from 'node:http'
import {fileURLToPath} from 'node:url'

const FIXTURES = fileURLToPath(new URL('../fixtures/consul/', import.meta.url))

/** One element of GET /v1/health/service/<name>, as Consul documents it. */
export interface ConsulHealthEntry {
  Node: {ID?: string; Node: string; Address: string; Datacenter?: string; [k: string]: unknown}
  Service: {
    ID: string
    Service: string
    Tags: string[] | null
    Address: string
    Meta: Record<string, string> | null
    Port: number
    [k: string]: unknown
  }
  Checks: {
    Node?: string
    CheckID?: string
    Name: string
    Status: string
    Notes?: string
    Output?: string
    ServiceID: string
    ServiceName?: string
    [k: string]: unknown
  }[]
}

export interface ConsulFixtureOptions {
  /** Health entries to serve; the catalog lists their services (and `consul`). */
  entries: ConsulHealthEntry[]
  /** When set, requests must carry it in X-Consul-Token (or ?token=), else 403 "ACL not found". */
  token?: string
}

/** Read a recorded response from test/fixtures/consul/. */
export function loadConsulFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as T
}

export interface ConsulEntrySpec {
  service: string
  id?: string
  address: string
  port: number
  node?: string
  nodeAddress?: string
  tags?: string[]
  meta?: Record<string, string>
  /** The service's own checks (a node serfHealth check, passing, is always added). */
  checks?: {name?: string; status: 'passing' | 'warning' | 'critical'; output?: string}[]
}

/** A health entry built from the recorded one, with the fields a test cares about replaced. */
export function consulHealthEntry(spec: ConsulEntrySpec): ConsulHealthEntry {
  const recorded = loadConsulFixture<ConsulHealthEntry[]>('health-service-redis.json')[0]!
  const id = spec.id ?? spec.service
  const node = spec.node ?? recorded.Node.Node
  const [serviceCheck, serfCheck] = recorded.Checks
  return {
    Node: {...recorded.Node, Node: node, Address: spec.nodeAddress ?? '127.0.0.1'},
    Service: {
      ...recorded.Service,
      ID: id,
      Service: spec.service,
      Tags: spec.tags ?? [],
      Address: spec.address,
      Meta: spec.meta ?? {},
      Port: spec.port,
      TaggedAddresses: {lan: {address: spec.address, port: spec.port}},
    },
    Checks: [
      ...(spec.checks ?? [{status: 'passing' as const}]).map((c, n) => ({
        ...serviceCheck!,
        Node: node,
        CheckID: `service:${id}${n ? `:${n + 1}` : ''}`,
        Name: c.name ?? `Service '${spec.service}' check`,
        Status: c.status,
        Output: c.output ?? '',
        ServiceID: id,
        ServiceName: spec.service,
        ServiceTags: spec.tags ?? [],
      })),
      {...serfCheck!, Node: node},
    ],
  }
}

export class ConsulFixtureServer {
  private server: Server | undefined
  private entries: ConsulHealthEntry[]
  private readonly token?: string
  /** Paths asked, in order (for tests that check what a client requested). */
  readonly requests: string[] = []
  /** Bodies of PUT /v1/agent/service/register, in order. */
  readonly registrations: Record<string, unknown>[] = []
  /** IDs of PUT /v1/agent/service/deregister/<id>, in order. */
  readonly deregistrations: string[] = []

  constructor(options: ConsulFixtureOptions) {
    this.entries = options.entries
    this.token = options.token
  }

  /** Replace what is served (an instance turning critical, a service leaving the catalog). */
  setEntries(entries: ConsulHealthEntry[]): void {
    this.entries = entries
  }

  /** Listen on 127.0.0.1 (a free port) and resolve with the address, e.g. http://127.0.0.1:41234. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    if (!this.server) return
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server!.close(() => resolve()))
    this.server = undefined
  }

  private catalog(): Record<string, string[]> {
    const out: Record<string, string[]> = {consul: []}
    for (const e of this.entries)
      out[e.Service.Service] = [...new Set([...(out[e.Service.Service] ?? []), ...(e.Service.Tags ?? [])])]
    return out
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    this.requests.push(url.pathname)
    const send = (status: number, body: unknown, type = 'application/json') => {
      const text = typeof body === 'string' ? body : JSON.stringify(body)
      res.writeHead(status, {
        'content-type': type,
        'x-consul-index': '42',
        'x-consul-knownleader': 'true',
        'x-consul-lastcontact': '0',
      })
      res.end(text)
    }

    if (this.token && req.headers['x-consul-token'] !== this.token && url.searchParams.get('token') !== this.token) {
      return send(403, 'ACL not found', 'text/plain')
    }

    if (req.method === 'PUT' && url.pathname.startsWith('/v1/agent/service/'))
      return this.agentWrite(req, url.pathname, send)
    if (req.method !== 'GET') return send(405, 'method not allowed', 'text/plain')
    if (url.pathname === '/v1/agent/services')
      return send(200, Object.fromEntries(this.entries.map((e) => [e.Service.ID, e.Service])))
    if (url.pathname === '/v1/catalog/services') return send(200, this.catalog())
    const m = /^\/v1\/health\/service\/([^/]+)$/.exec(url.pathname)
    if (m) {
      const name = decodeURIComponent(m[1]!)
      let list = this.entries.filter((e) => e.Service.Service === name)
      if (url.searchParams.has('passing')) list = list.filter((e) => e.Checks.every((c) => c.Status === 'passing'))
      return send(200, list)
    }

    send(404, `Invalid URL path: not a recognized HTTP API endpoint`, 'text/plain')
  }

  private agentWrite(
    req: IncomingMessage,
    path: string,
    send: (status: number, body: unknown, type?: string) => void,
  ): void {
    const deregister = /^\/v1\/agent\/service\/deregister\/([^/]+)$/.exec(path)
    if (deregister) {
      const id = decodeURIComponent(deregister[1]!)
      this.deregistrations.push(id)
      const before = this.entries.length
      this.entries = this.entries.filter((e) => e.Service.ID !== id)
      return this.entries.length === before
        ? send(404, `Unknown service ID "${id}"`, 'text/plain')
        : send(200, '', 'text/plain')
    }

    if (path !== '/v1/agent/service/register')
      return send(404, 'Invalid URL path: not a recognized HTTP API endpoint', 'text/plain')
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => {
      body += d
      if (body.length > 1 << 20) req.destroy()
    })
    req.on('end', () => {
      let reg: {
        ID?: string
        Name?: string
        Address?: string
        Port?: number
        Tags?: string[]
        Meta?: Record<string, string>
        Check?: {Name?: string}
      }
      try {
        reg = JSON.parse(body)
      } catch {
        return send(400, 'Request decode failed', 'text/plain')
      }

      if (!reg.Name) return send(400, 'Missing service name', 'text/plain')
      this.registrations.push(reg as Record<string, unknown>)
      const id = reg.ID ?? reg.Name
      const entry = consulHealthEntry({
        service: reg.Name,
        id,
        address: reg.Address ?? '',
        port: reg.Port ?? 0,
        tags: reg.Tags,
        meta: reg.Meta,
        checks: [{name: reg.Check?.Name, status: 'passing'}],
      })
      this.entries = [...this.entries.filter((e) => e.Service.ID !== id), entry]
      send(200, '', 'text/plain')
    })
  }
}
