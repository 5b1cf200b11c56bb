import assert from 'node:assert/strict'
import {ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {createServer} from 'node:net'
import {after, before, describe, test} from 'node:test'

import {CLI, ROOT, runCli, testEnv} from '../helpers/cli.js'
import {ConsulFixtureServer, consulHealthEntry} from '../helpers/consul-fixture-server.js'
import {
  cleanupDocker,
  docker,
  etcdctl,
  requireDocker,
  requireEtcd,
  runContainer,
  TEST_ETCD,
  uniqueName,
} from '../helpers/services.js'

/**
 * Every doctor code on the real engine and etcd. One set of containers serves all tests: each
 * scenario is its own service (a broken instance, and a healthy control beside it), so a per-code
 * test runs `--only CODE` on its services and the mixed scenario runs every check over the lot,
 * where each code must appear exactly once. Registrations live under a prefix unique to this run.
 * Containers are never published except where the scenario needs a published port, and nothing
 * is probed but host-networked httpd on 127.0.0.1 (the network rule).
 */

const U = uniqueName('dr')
const PREFIX = `/${U}/`
const svc = (name: string) => `${U}-${name}`

interface JsonFinding {
  code: string
  severity: string
  service: string | null
  instance: string | null
  message: string
  evidence: Record<string, unknown>
  hint: string | null
}
interface DoctorJson {
  findings: JsonFinding[]
  summary: {
    errors: number
    warnings: number
    codes: Record<string, number>
    skipped: {code: string; reason: string}[]
    notProbed: unknown[]
    exitCode: number
  }
}

let lease = ''
let longLease = ''
let keepAlive: ChildProcessWithoutNullStreams | undefined
let consul: ConsulFixtureServer
let consulAddr = ''
const ids = new Map<string, string>()
const ips = new Map<string, string>()

const name = (n: string) => `${U}-${n}`

async function start(
  n: string,
  service: string,
  options: {
    labels?: Record<string, string>
    extra?: string[]
    cmd?: string[]
    publish?: string[]
    network?: string
  } = {},
): Promise<void> {
  const labels = {'mcp.service.name': service, 'mcp.service.port': '8080', ...options.labels}
  const id = await runContainer(name(n), {...options, labels})
  ids.set(n, id)
  if (options.network !== 'host')
    ips.set(n, await docker(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', id]))
}

async function put(service: string, instance: string, value: string, withLease: string | null = lease): Promise<void> {
  await etcdctl(['put', ...(withLease ? [`--lease=${withLease}`] : []), `${PREFIX}${service}/${instance}`, value])
}

const reg = (n: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({address: `${ips.get(n)}:8080`, containerId: ids.get(n), ...extra})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function waitForHealth(n: string, want: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const health = await docker(['inspect', '-f', '{{.State.Health.Status}}', name(n)])
    if (health === want) return
    if (Date.now() > deadline) throw new Error(`${name(n)} is ${health}, not ${want}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

function doctorArgs(services: string[], extra: string[] = []): string[] {
  return ['doctor', '--registry-prefix', PREFIX, ...services.flatMap((s) => ['--service', s]), ...extra]
}

async function doctor(
  services: string[],
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<{json: DoctorJson; code: number | null; stderr: string}> {
  const r = await runCli([...doctorArgs(services, extra), '--json'], {env: testEnv(env)})
  let json: DoctorJson
  try {
    json = JSON.parse(r.stdout) as DoctorJson
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`)
  }

  return {json, code: r.code, stderr: r.stderr}
}

const codesOf = (json: DoctorJson, instance?: string) =>
  json.findings.filter((f) => !instance || f.instance === instance).map((f) => f.code)

/** doctor --watch --json as a child: lines as they come, stopped with SIGINT. */
class WatchedDoctor {
  readonly lines: Record<string, unknown>[] = []
  private readonly child: ChildProcessWithoutNullStreams
  private stderr = ''
  private readonly exited: Promise<number | null>

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, ...args, '--watch', '--json'], {cwd: ROOT, env: testEnv(env)})
    let buffer = ''
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim()
        buffer = buffer.slice(nl + 1)
        if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>)
      }
    })
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d))
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 60_000)
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        clearTimeout(killer)
        resolve(code)
      }),
    )
  }

  async waitFor(
    predicate: (line: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.lines.find(predicate)
      if (hit) return hit
      if (Date.now() > deadline)
        throw new Error(
          `no ${what} within ${timeoutMs} ms; lines: ${JSON.stringify(this.lines).slice(0, 3000)}; stderr: ${this.stderr}`,
        )
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGINT')
    return this.exited
  }
}

const isFinding = (code: string, instance?: string) => (l: Record<string, unknown>) =>
  l.event === 'finding' &&
  (l.finding as JsonFinding).code === code &&
  (!instance || (l.finding as JsonFinding).instance === instance)

// The services of the mixed scenario, each producing exactly one finding (or none: controls).
const MIXED = [
  'unreg',
  'stale',
  'wrong',
  'notready',
  'drift',
  'noexpose',
  'nolease',
  'longttl',
  'ambig',
  'conflict',
  'invalid',
  'consul',
].map(svc)

describe('mcp doctor (real Docker and etcd)', {timeout: 240_000}, () => {
  before(async () => {
    await requireDocker()
    await requireEtcd()
    lease = (await etcdctl(['lease', 'grant', '30'])).split(/\s+/)[1]!
    longLease = (await etcdctl(['lease', 'grant', '600'])).split(/\s+/)[1]!
    keepAlive = spawn('etcdctl', [`--endpoints=${TEST_ETCD}`, 'lease', 'keep-alive', lease], {
      env: {...process.env, ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: undefined},
    })
    await docker(['network', 'create', name('net')])

    await Promise.all([
      // UNREGISTERED: a running container nobody registered; its control is registered.
      start('unreg-bad', svc('unreg')),
      start('unreg-ok', svc('unreg')),
      // STALE_REGISTRATION: an entry for a container since removed; control registered and running.
      start('stale-gone', svc('stale')),
      start('stale-ok', svc('stale')),
      // WRONG_ADDRESS: registered at the bridge gateway (the Docker host's side), control at its IP.
      start('wrong-bad', svc('wrong')),
      start('wrong-ok', svc('wrong')),
      // More WRONG_ADDRESS kinds (per-code test only).
      start('kind-loop', svc('wrongkinds')),
      start('kind-pub', svc('wrongkinds'), {publish: ['127.0.0.1::9000'], extra: ['--expose', '9000']}),
      start('kind-net', svc('wrongkinds'), {labels: {'mcp.service.network': name('net')}}),
      // NOT_READY: Docker says unhealthy; control healthy.
      start('notready-bad', svc('notready'), {
        extra: ['--health-cmd', 'false', '--health-interval', '1s', '--health-retries', '1'],
      }),
      start('notready-ok', svc('notready'), {extra: ['--health-cmd', 'true', '--health-interval', '1s']}),
      // LABEL_DRIFT: registered as version 1.0, the label now says 2.0; control agrees.
      start('drift-bad', svc('drift'), {labels: {'mcp.service.version': '2.0'}}),
      start('drift-ok', svc('drift'), {labels: {'mcp.service.version': '2.0'}}),
      // PORT_NOT_EXPOSED: the port label names 9090, the image exposes 8080; control in its own service.
      start('noexpose-bad', svc('noexpose'), {labels: {'mcp.service.port': '9090'}}),
      start('noexpose-ok', svc('expose')),
      // NO_LEASE / LONG_TTL: registered without a lease / with a 600 s lease.
      start('nolease-bad', svc('nolease')),
      start('longttl-bad', svc('longttl')),
      // AMBIGUOUS_NETWORK: two networks, no network label; control has the label.
      start('ambig-bad', svc('ambig')),
      start('ambig-ok', svc('ambig'), {labels: {'mcp.service.network': 'bridge'}}),
      // NAME_CONFLICT: two instances, two health paths (the drift service is the agreeing control).
      start('conflict-a', svc('conflict'), {labels: {'mcp.health.path': '/health'}}),
      start('conflict-b', svc('conflict'), {labels: {'mcp.health.path': '/healthz'}}),
      // LABEL_INVALID: a port label that is no port.
      start('invalid-bad', svc('invalid'), {labels: {'mcp.service.port': 'http'}}),
      // CONSUL_CRITICAL: in Consul with a critical check; control passing.
      start('consul-bad', svc('consul')),
      start('consul-ok', svc('consul')),
    ])
    const gone = ids.get('stale-gone')!
    await docker(['rm', '-f', gone])
    await docker(['network', 'connect', name('net'), name('ambig-bad')])
    await docker(['network', 'connect', name('net'), name('ambig-ok')])
    await docker(['network', 'connect', name('net'), name('kind-net')])
    const gateway = await docker(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.Gateway}}', name('wrong-bad')])
    const kindPubPort = (await docker(['port', name('kind-pub'), '9000/tcp'])).split('\n')[0]!.replace(/.*:/, '')

    await Promise.all([
      put(svc('unreg'), name('unreg-ok'), reg('unreg-ok')),
      put(
        svc('stale'),
        name('stale-gone'),
        JSON.stringify({address: `${ips.get('stale-gone')}:8080`, containerId: gone}),
      ),
      put(svc('stale'), name('stale-ok'), reg('stale-ok')),
      put(
        svc('wrong'),
        name('wrong-bad'),
        JSON.stringify({address: `${gateway}:8080`, containerId: ids.get('wrong-bad')}),
      ),
      put(svc('wrong'), name('wrong-ok'), reg('wrong-ok')),
      put(
        svc('wrongkinds'),
        name('kind-loop'),
        JSON.stringify({address: '127.0.0.1:8080', containerId: ids.get('kind-loop')}),
      ),
      put(
        svc('wrongkinds'),
        name('kind-pub'),
        JSON.stringify({address: `127.0.0.1:${kindPubPort}`, containerId: ids.get('kind-pub')}),
      ),
      put(svc('wrongkinds'), name('kind-net'), reg('kind-net')),
      put(svc('notready'), name('notready-bad'), reg('notready-bad')),
      put(svc('notready'), name('notready-ok'), reg('notready-ok')),
      put(svc('drift'), name('drift-bad'), reg('drift-bad', {version: '1.0', port: 8080, healthPath: '/health'})),
      put(svc('drift'), name('drift-ok'), reg('drift-ok', {version: '2.0', port: 8080, healthPath: '/health'})),
      put(
        svc('noexpose'),
        name('noexpose-bad'),
        JSON.stringify({address: `${ips.get('noexpose-bad')}:9090`, containerId: ids.get('noexpose-bad')}),
      ),
      put(svc('expose'), name('noexpose-ok'), reg('noexpose-ok')),
      put(svc('nolease'), name('nolease-bad'), reg('nolease-bad'), null),
      put(svc('longttl'), name('longttl-bad'), reg('longttl-bad'), longLease),
      put(svc('ambig'), name('ambig-bad'), reg('ambig-bad')),
      put(svc('ambig'), name('ambig-ok'), reg('ambig-ok')),
      put(svc('conflict'), name('conflict-a'), reg('conflict-a')),
      put(svc('conflict'), name('conflict-b'), reg('conflict-b')),
    ])

    consul = new ConsulFixtureServer({
      token: 'fixture-token',
      entries: [
        consulHealthEntry({
          service: svc('consul'),
          id: name('consul-bad'),
          address: ips.get('consul-bad')!,
          port: 8080,
          checks: [{status: 'critical', output: 'HTTP GET http://x/health: 503 Service Unavailable'}],
        }),
        consulHealthEntry({service: svc('consul'), id: name('consul-ok'), address: ips.get('consul-ok')!, port: 8080}),
      ],
    })
    consulAddr = await consul.start()
    await Promise.all([waitForHealth('notready-bad', 'unhealthy'), waitForHealth('notready-ok', 'healthy')])
  })

  after(async () => {
    keepAlive?.kill()
    await consul?.stop()
    await etcdctl(['del', '--prefix', PREFIX]).catch(() => undefined)
    for (const l of [lease, longLease]) if (l) await etcdctl(['lease', 'revoke', l]).catch(() => undefined)
    await cleanupDocker(U)
  })

  test('UNREGISTERED: a running labeled container with no entry, past --grace', async () => {
    const {json, code} = await doctor([svc('unreg')], ['--only', 'UNREGISTERED', '--grace', '0s'])
    assert.deepEqual(codesOf(json, name('unreg-bad')), ['UNREGISTERED'])
    assert.deepEqual(codesOf(json, name('unreg-ok')), [])
    assert.equal(code, 1)
    const f = json.findings[0]!
    assert.equal(f.service, svc('unreg'))
    assert.match(f.hint ?? '', /agent/)
    // Within the grace period it is not reported yet.
    const young = await doctor([svc('unreg')], ['--only', 'UNREGISTERED', '--grace', '1h'])
    assert.deepEqual(young.json.findings, [])
    assert.equal(young.code, 0)
  })

  test('STALE_REGISTRATION: an entry whose container was removed', async () => {
    const {json} = await doctor([svc('stale')], ['--only', 'STALE_REGISTRATION'])
    assert.deepEqual(codesOf(json), ['STALE_REGISTRATION'])
    const f = json.findings[0]!
    assert.equal(f.instance, name('stale-gone'))
    assert.equal(f.evidence.reason, 'removed')
    assert.equal(f.evidence.key, `${PREFIX}${svc('stale')}/${name('stale-gone')}`)
  })

  test('WRONG_ADDRESS: the bridge gateway, loopback without a published port, a published non-service port, another network', async () => {
    const {json} = await doctor([svc('wrong'), svc('wrongkinds')], ['--only', 'WRONG_ADDRESS'])
    const kinds = Object.fromEntries(json.findings.map((f) => [f.instance, f.evidence.kind]))
    assert.deepEqual(kinds, {
      [name('wrong-bad')]: 'host-address',
      [name('kind-loop')]: 'loopback-unpublished',
      [name('kind-pub')]: 'published-port-not-service-port',
      [name('kind-net')]: 'other-network',
    })
    const gw = json.findings.find((f) => f.instance === name('wrong-bad'))!
    assert.match(String(gw.evidence.detail), /gateway of Docker network bridge/)
    assert.equal(gw.evidence.expected, `${ips.get('wrong-bad')}:8080`)
    assert.equal(gw.evidence.matchedBy, 'containerId')
  })

  test('NOT_READY: Docker health unhealthy, and a health path failing through 127.0.0.1', async () => {
    // Host-networked httpd on 127.0.0.1: the only way to probe without a published port's proxy.
    const [badPort, okPort] = [await freePort(), await freePort()]
    const httpd = (port: number) => ['/bin/busybox', 'httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www']
    await start('probe-bad', svc('probe'), {
      labels: {'mcp.service.port': String(badPort), 'mcp.health.path': '/nope'},
      network: 'host',
      cmd: httpd(badPort),
    })
    await start('probe-ok', svc('probe'), {
      labels: {'mcp.service.port': String(okPort)},
      network: 'host',
      cmd: httpd(okPort),
    })
    await put(
      svc('probe'),
      name('probe-bad'),
      JSON.stringify({address: `127.0.0.1:${badPort}`, containerId: ids.get('probe-bad')}),
    )
    await put(
      svc('probe'),
      name('probe-ok'),
      JSON.stringify({address: `127.0.0.1:${okPort}`, containerId: ids.get('probe-ok')}),
    )
    const {json} = await doctor([svc('notready'), svc('probe')], ['--only', 'NOT_READY'])
    const by = Object.fromEntries(json.findings.map((f) => [f.instance, f]))
    assert.deepEqual(Object.keys(by).sort(), [name('notready-bad'), name('probe-bad')].sort())
    assert.equal(by[name('notready-bad')]!.evidence.health, 'unhealthy')
    assert.equal((by[name('probe-bad')]!.evidence.probe as {status: number}).status, 404)
    // Instances behind no loopback port are said not to be probed, never silently passed.
    assert.ok(json.summary.notProbed.length > 0)
    // --no-probe trusts Docker health only.
    const noProbe = await doctor([svc('probe')], ['--only', 'NOT_READY', '--no-probe'])
    assert.deepEqual(noProbe.json.findings, [])
  })

  test('LABEL_DRIFT: registry metadata vs the labels, field by field', async () => {
    const {json} = await doctor([svc('drift')], ['--only', 'LABEL_DRIFT'])
    assert.deepEqual(codesOf(json), ['LABEL_DRIFT'])
    const f = json.findings[0]!
    assert.equal(f.instance, name('drift-bad'))
    assert.deepEqual(f.evidence.fields, {version: {registry: '1.0', label: '2.0'}})
    assert.equal(f.severity, 'warning')
  })

  test('PORT_NOT_EXPOSED: a service port the container does not expose', async () => {
    const {json} = await doctor([svc('noexpose'), svc('expose')], ['--only', 'PORT_NOT_EXPOSED'])
    assert.deepEqual(codesOf(json), ['PORT_NOT_EXPOSED'])
    assert.equal(json.findings[0]!.instance, name('noexpose-bad'))
    assert.deepEqual(json.findings[0]!.evidence.exposed, ['8080/tcp'])
  })

  test('NO_LEASE and LONG_TTL: an entry without a lease, a lease above --max-ttl', async () => {
    const {json} = await doctor([svc('nolease'), svc('longttl'), svc('unreg')], ['--only', 'NO_LEASE,LONG_TTL'])
    assert.deepEqual(Object.fromEntries(json.findings.map((f) => [f.instance, f.code])), {
      [name('nolease-bad')]: 'NO_LEASE',
      [name('longttl-bad')]: 'LONG_TTL',
    })
    assert.equal(json.findings.find((f) => f.code === 'LONG_TTL')!.evidence.grantedTtl, 600)
    const relaxed = await doctor([svc('longttl')], ['--only', 'LONG_TTL', '--max-ttl', '10m'])
    assert.deepEqual(relaxed.json.findings, [])
  })

  test('AMBIGUOUS_NETWORK: two networks and no network label', async () => {
    const {json} = await doctor([svc('ambig')], ['--only', 'AMBIGUOUS_NETWORK'])
    assert.deepEqual(codesOf(json), ['AMBIGUOUS_NETWORK'])
    assert.equal(json.findings[0]!.instance, name('ambig-bad'))
    assert.deepEqual(
      (json.findings[0]!.evidence.networks as {name: string}[]).map((n) => n.name).sort(),
      ['bridge', name('net')].sort(),
    )
  })

  test('NAME_CONFLICT: one service, different health paths', async () => {
    const {json} = await doctor([svc('conflict'), svc('drift')], ['--only', 'NAME_CONFLICT'])
    assert.deepEqual(codesOf(json), ['NAME_CONFLICT'])
    assert.equal(json.findings[0]!.service, svc('conflict'))
    assert.deepEqual(json.findings[0]!.evidence.healthPaths, {
      '/health': [name('conflict-a')],
      '/healthz': [name('conflict-b')],
    })
  })

  test('LABEL_INVALID: lint-labels errors on a live container, with the rule ids', async () => {
    const {json} = await doctor([svc('invalid'), svc('unreg')], ['--only', 'LABEL_INVALID'])
    assert.deepEqual(codesOf(json), ['LABEL_INVALID'])
    assert.equal(json.findings[0]!.instance, name('invalid-bad'))
    const rules = (json.findings[0]!.evidence.rules as {ruleId: string}[]).map((r) => r.ruleId)
    assert.ok(rules.includes('service-port-invalid'), rules.join(','))
  })

  test('CONSUL_CRITICAL: a critical check still in the catalog (recorded fixture server, token checked)', async () => {
    const env = {CONSUL_HTTP_TOKEN: 'fixture-token'}
    const {json, code} = await doctor(
      [svc('consul')],
      ['--only', 'CONSUL_CRITICAL', '--source', 'docker,consul', '--consul-addr', consulAddr],
      env,
    )
    assert.equal(code, 1)
    assert.deepEqual(codesOf(json), ['CONSUL_CRITICAL'])
    assert.equal(json.findings[0]!.instance, name('consul-bad'))
    assert.equal(json.findings[0]!.evidence.status, 'critical')
    // A wrong token: Consul is a source that did not answer, reported, never an all clear.
    const denied = await doctor(
      [svc('consul')],
      ['--only', 'CONSUL_CRITICAL', '--source', 'docker,consul', '--consul-addr', consulAddr],
      {CONSUL_HTTP_TOKEN: 'wrong'},
    )
    assert.equal(denied.code, 4)
    assert.deepEqual(codesOf(denied.json), ['SOURCE_UNREACHABLE'])
    assert.deepEqual(denied.json.summary.skipped, [{code: 'CONSUL_CRITICAL', reason: 'consul unreachable'}])
  })

  test('SOURCE_UNREACHABLE: etcd down is a finding, the checks that need it are skipped, exit 4', async () => {
    const r = await runCli([
      ...doctorArgs([svc('nolease')], ['--etcd-endpoints', 'http://127.0.0.1:1', '--timeout', '1s']),
    ])
    assert.equal(r.code, 4)
    assert.match(r.stdout, /etcd did not answer at http:\/\/127\.0\.0\.1:1/)
    assert.match(r.stdout, /SOURCE_UNREACHABLE/)
    assert.match(r.stderr, /skipped .*NO_LEASE.*etcd unreachable/)
    const both = await doctor(
      [svc('nolease')],
      ['--etcd-endpoints', 'http://127.0.0.1:1', '--docker-host', 'unix:///nonexistent.sock', '--timeout', '1s'],
    )
    assert.equal(both.code, 5)
    assert.deepEqual(codesOf(both.json), ['SOURCE_UNREACHABLE', 'SOURCE_UNREACHABLE'])
  })

  test('EARLY_REGISTRATION (--watch): a registration before the container is ready, reported at once', async () => {
    await start('early-ok', svc('ontime'), {extra: ['--health-cmd', 'true', '--health-interval', '1s']})
    await waitForHealth('early-ok', 'healthy')
    const watch = new WatchedDoctor(doctorArgs([svc('early'), svc('ontime')], ['--grace', '1h']))
    try {
      await watch.waitFor((l) => l.event === 'snapshot', 'snapshot')
      // Health stays "starting" until /tmp/ready exists.
      await start('early-bad', svc('early'), {
        extra: ['--health-cmd', 'test -f /tmp/ready', '--health-interval', '1s', '--health-retries', '100'],
      })
      await put(svc('ontime'), name('early-ok'), reg('early-ok'))
      await put(svc('early'), name('early-bad'), reg('early-bad'))
      const line = await watch.waitFor(isFinding('EARLY_REGISTRATION'), 'EARLY_REGISTRATION')
      const f = line.finding as JsonFinding
      assert.equal(f.instance, name('early-bad'))
      assert.equal(f.evidence.health, 'starting')
      // It turns healthy: the watch says how long it was registered before it was ready.
      await docker(['exec', name('early-bad'), 'sh', '-c', 'echo > /tmp/ready'])
      await watch.waitFor((l) => l.event === 'ready', 'ready event')
      // Registered before its container even exists: judged again when Docker creates it.
      await put(svc('early'), name('early-late'), '10.255.0.1:8080')
      await new Promise((r) => setTimeout(r, 500))
      await start('early-late', svc('early'))
      const late = (
        await watch.waitFor(
          isFinding('EARLY_REGISTRATION', name('early-late')),
          'EARLY_REGISTRATION before the container existed',
        )
      ).finding as JsonFinding
      assert.match(String(late.evidence.registeredBeforeContainer), /s$/)
      assert.match(late.message, /before its container existed/)
    } finally {
      const code = await watch.stop()
      assert.equal(code, 1)
    }

    assert.equal(watch.lines.filter(isFinding('EARLY_REGISTRATION', name('early-bad'))).length, 1)
    assert.equal(watch.lines.filter(isFinding('EARLY_REGISTRATION', name('early-late'))).length, 1)
    assert.equal(watch.lines.filter(isFinding('EARLY_REGISTRATION', name('early-ok'))).length, 0)
  })

  test('mixed: every code exactly once, healthy controls silent', async () => {
    const env = {CONSUL_HTTP_TOKEN: 'fixture-token'}
    const watch = new WatchedDoctor(
      doctorArgs(
        [...MIXED, svc('mixearly')],
        ['--grace', '0s', '--source', 'docker,etcd,consul', '--consul-addr', consulAddr],
      ),
      env,
    )
    let snapshot: DoctorJson
    try {
      snapshot = (await watch.waitFor((l) => l.event === 'snapshot', 'snapshot', 30_000)) as unknown as DoctorJson
      await start('mixearly', svc('mixearly'), {
        extra: ['--health-cmd', 'test -f /tmp/ready', '--health-interval', '1s', '--health-retries', '100'],
      })
      await put(svc('mixearly'), name('mixearly'), reg('mixearly'))
      await watch.waitFor(isFinding('EARLY_REGISTRATION'), 'EARLY_REGISTRATION')
    } finally {
      await watch.stop()
    }

    const counts: Record<string, number> = {}
    for (const f of snapshot.findings) counts[f.code] = (counts[f.code] ?? 0) + 1
    counts.EARLY_REGISTRATION = watch.lines.filter(isFinding('EARLY_REGISTRATION')).length
    const expected = [
      'UNREGISTERED',
      'STALE_REGISTRATION',
      'WRONG_ADDRESS',
      'NOT_READY',
      'LABEL_DRIFT',
      'PORT_NOT_EXPOSED',
      'NO_LEASE',
      'LONG_TTL',
      'AMBIGUOUS_NETWORK',
      'NAME_CONFLICT',
      'LABEL_INVALID',
      'CONSUL_CRITICAL',
      'EARLY_REGISTRATION',
    ]
    assert.deepEqual(
      counts,
      Object.fromEntries(expected.map((c) => [c, 1])),
      JSON.stringify(
        snapshot.findings.map((f) => `${f.code} ${f.instance}: ${f.message}`),
        null,
        1,
      ),
    )
    const controls = new Set(
      ['unreg-ok', 'stale-ok', 'wrong-ok', 'notready-ok', 'drift-ok', 'ambig-ok', 'consul-ok'].map(name),
    )
    assert.deepEqual(
      snapshot.findings.filter((f) => controls.has(f.instance ?? '')),
      [],
    )
  })

  test('output formats, --ignore, unknown codes', async () => {
    const sarif = await runCli(doctorArgs([svc('nolease')], ['--only', 'NO_LEASE', '--format', 'sarif']))
    const log = JSON.parse(sarif.stdout) as {
      runs: {results: {ruleId: string}[]; tool: {driver: {rules: {id: string}[]}}}[]
    }
    assert.deepEqual(
      log.runs[0]!.results.map((r) => r.ruleId),
      ['NO_LEASE'],
    )
    assert.ok(log.runs[0]!.tool.driver.rules.some((r) => r.id === 'EARLY_REGISTRATION'))
    const github = await runCli(doctorArgs([svc('nolease')], ['--only', 'NO_LEASE', '--format', 'github']))
    assert.match(github.stdout, /^::warning .*NO_LEASE/m)
    const asJson = await runCli(doctorArgs([svc('nolease')], ['--only', 'NO_LEASE', '--format', 'json']))
    assert.equal((JSON.parse(asJson.stdout) as DoctorJson).findings[0]!.code, 'NO_LEASE')
    const junit = await runCli(doctorArgs([svc('nolease')], ['--only', 'NO_LEASE', '--format', 'junit']))
    assert.match(junit.stdout, /<testsuites/)
    // A warning fails only with --fail-on warning.
    assert.equal(github.code, 0)
    const strict = await runCli(doctorArgs([svc('nolease')], ['--only', 'NO_LEASE', '--fail-on', 'warning']))
    assert.equal(strict.code, 1)
    const ignored = await doctor([svc('nolease')], ['--ignore', 'NO_LEASE,UNREGISTERED'])
    assert.ok(!codesOf(ignored.json).includes('NO_LEASE'))
    const bad = await runCli(doctorArgs([svc('nolease')], ['--only', 'NO_LEASES']))
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /unknown code "NO_LEASES"[\s\S]*did you mean NO_LEASE/)
  })
})
