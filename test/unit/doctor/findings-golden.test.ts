import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import type {CheckContext} from '../../../src/doctor/check.js'
import type {
  ConsulRegistration,
  DockerContainer,
  EtcdRegistration,
  ServiceView,
  SwarmService,
  SwarmTask,
} from '../../../src/model/types.js'

import {DOCTOR_CHECKS} from '../../../src/doctor/checks/index.js'
import {lintContainerLabels} from '../../../src/doctor/label-lint.js'
import {labelKeys} from '../../../src/model/labels.js'
import {hostAddressesOf, mergeView} from '../../../src/model/merge.js'
import {registrationFromKv} from '../../../src/registry/etcd.js'

/**
 * Every doctor check's findings — message, hint, evidence, location — on scenarios that reach each
 * branch, pinned in test/fixtures/doctor/findings.golden.json (UPDATE_GOLDEN=1 rewrites it; read the
 * diff before committing it). Unit data only: no address here is contacted.
 */
const GOLDEN = 'test/fixtures/doctor/findings.golden.json'
const NOW = Date.parse('2026-01-01T12:00:00Z')
const ID = (n: number) => String(n % 10).repeat(64)

function container(
  name: string,
  n: number,
  over: Partial<DockerContainer> & {labels?: Record<string, string>} = {},
): DockerContainer {
  return {
    id: ID(n),
    name,
    image: 'svc:1',
    state: 'running',
    status: 'Up 5 minutes',
    health: 'none',
    created: NOW / 1000 - 300,
    networkMode: 'bridge',
    networks: [{name: 'bridge', ip: `172.17.0.${n + 1}`, gateway: '172.17.0.1'}],
    ports: [{privatePort: 8080, type: 'tcp'}],
    ...over,
    labels: {'mcp.service.name': 'api', 'mcp.service.port': '8080', ...over.labels},
  }
}

const LEASE: EtcdRegistration['lease'] = {id: '7', ttl: 20, grantedTtl: 30}

function etcd(instance: string, value: string | Record<string, unknown>, lease: EtcdRegistration['lease'] = LEASE) {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  const r = registrationFromKv(`/services/api/${instance}`, text, lease ? lease.id : '0', '/services/')
  r.lease = lease
  return r
}

type Status = ConsulRegistration['status']

function consul(
  id: string,
  address: string,
  port: number,
  status: Status = 'passing',
  meta: Record<string, string> = {},
) {
  const r: ConsulRegistration = {service: 'api', id, node: 'node-1', address, port, tags: [], meta, status, checks: []}
  const checks = [{name: 'http', status, output: status === 'passing' ? undefined : 'HTTP GET: 503'}]
  return {...r, checks}
}

interface Scenario {
  containers: DockerContainer[]
  etcd?: EtcdRegistration[]
  consul?: ConsulRegistration[]
  swarm?: {services: SwarmService[]; tasks: SwarmTask[]}[]
  stopped?: DockerContainer[]
  context?: Partial<CheckContext>
  tweak?: (view: ServiceView) => void
}

function findings(s: Scenario) {
  const registries = {etcd: s.etcd ?? [], consul: s.consul ?? []}
  const view = mergeView({
    containers: s.containers,
    ...registries,
    sources: [],
    labelPrefix: 'mcp',
    dockerHostAddress: '127.0.0.1',
    swarm: s.swarm,
  })
  s.tweak?.(view)
  const gatewayNetworks = new Map<string, string>()
  for (const c of s.containers) for (const n of c.networks) if (n.gateway) gatewayNetworks.set(n.gateway, n.name)
  const ctx: CheckContext = {
    labelPrefix: 'mcp',
    keys: labelKeys('mcp'),
    now: NOW,
    graceMs: 30_000,
    maxTtlSeconds: 60,
    startedAt: new Map(),
    stopped: s.stopped ?? [],
    host: {...hostAddressesOf(s.containers), gatewayNetworks, dockerHostAddress: '192.0.2.10'},
    probe: 'loopback',
    lintContainer: (c) => lintContainerLabels(c, 'mcp'),
    ...s.context,
  }
  return DOCTOR_CHECKS.flatMap((c) => c.check(view, ctx))
}

const published = (publicPort: number, ip = '0.0.0.0', privatePort = 8080) => ({
  privatePort,
  publicPort,
  ip,
  type: 'tcp' as const,
})

const SCENARIOS: Record<string, () => Scenario> = {
  healthy() {
    const a = container('api-1', 1)
    return {containers: [a], etcd: [etcd('api-1', {address: '172.17.0.2:8080', containerId: a.id})]}
  },
  unregistered: () => ({
    containers: [container('api-1', 1), container('api-2', 2)],
    context: {startedAt: new Map([[ID(2), NOW - 29_999]])},
  }),
  stale() {
    const running = container('api-1', 1)
    const exited = container('api-9', 9, {state: 'exited', status: 'Exited (137) 2 minutes ago', networks: []})
    return {
      containers: [running],
      stopped: [exited],
      etcd: [
        etcd('api-1', {address: '172.17.0.2:8080', containerId: running.id}),
        etcd('gone', {address: '172.17.0.50:8080', containerId: ID(5)}),
        etcd('api-9', '172.17.0.10:8080'),
        etcd('by-id', {address: '172.17.0.11:8080', containerId: ID(9).slice(0, 12)}),
        etcd('who', '10.9.9.9:7000'),
        etcd('again', {address: '172.17.0.2:8080', containerId: running.id}),
        etcd('garbage', 'not an address'),
      ],
      consul: [consul('old', '10.9.9.8', 80), consul('twin', '172.17.0.2', 8080)],
    }
  },
  'wrong-address'() {
    const labelled = {'mcp.service.network': 'back'}
    const c = [
      container('gw', 1),
      container('dockerhost', 2),
      container('loop', 3),
      container('looponly', 4, {ports: [published(32_004, '127.0.0.1'), published(32_004, '::1')]}),
      container('othernet', 5, {
        labels: labelled,
        networks: [
          {name: 'bridge', ip: '172.17.0.6', gateway: '172.17.0.1'},
          {name: 'back', ip: '172.20.0.6'},
        ],
      }),
      container('fwd', 6, {ports: [{privatePort: 8080, type: 'tcp'}, published(32_006, '0.0.0.0', 9000)]}),
      container('port', 7),
      container('other', 8),
      container('nowhere', 9, {name: 'nowhere', id: 'a'.repeat(64)}),
      container('hostnet', 10, {id: 'b'.repeat(64), networkMode: 'host', networks: [], ports: []}),
    ]
    return {
      containers: c,
      etcd: [
        etcd('gw', {address: '172.17.0.1:8080', containerId: c[0]!.id}),
        etcd('dockerhost', {address: '192.0.2.10:8080', containerId: c[1]!.id}),
        etcd('loop', {address: 'localhost:8080', containerId: c[2]!.id}),
        etcd('looponly', {address: '192.0.2.10:32004', containerId: c[3]!.id}),
        etcd('othernet', {address: '172.17.0.6:8080', containerId: c[4]!.id}),
        etcd('fwd', {address: '127.0.0.1:32006', containerId: c[5]!.id}),
        etcd('port', {address: '172.17.0.8:9999', containerId: c[6]!.id}),
        etcd('other', {address: '172.17.0.3:8080', containerId: c[7]!.id}),
        etcd('nowhere', {address: '198.51.100.7:8080', containerId: c[8]!.id}),
        etcd('hostnet', {address: '192.0.2.10:8081', containerId: c[9]!.id}),
      ],
      consul: [consul('nowhere-consul', '2001:db8::1', 8080)],
      tweak(view) {
        // Consul's entry for "nowhere" (its name does not say so: attach it by hand, as a match by id would).
        const nowhere = view.services[0]!.instances.find((i) => i.id === 'nowhere')!
        const entry = view.services[0]!.instances.find((i) => i.id === 'nowhere-consul')!
        nowhere.consul = entry.consul
        view.services[0]!.instances = view.services[0]!.instances.filter((i) => i !== entry)
      },
    }
  },
  readiness() {
    const sick = container('api-1', 1, {health: 'unhealthy', status: 'Up 1 minute (unhealthy)'})
    const young = container('api-2', 2, {health: 'starting', status: 'Up 2 seconds (health: starting)'})
    const failing = container('api-3', 3)
    const fine = container('api-4', 4)
    const refused = container('api-5', 5)
    return {
      containers: [sick, young, failing, fine, refused],
      etcd: ['api-1', 'api-2', 'api-3', 'api-4', 'api-5'].map((id, n) => etcd(id, `172.17.0.${n + 2}:8080`)),
      consul: [
        consul('c-crit', '10.0.0.1', 80, 'critical'),
        consul('c-warn', '10.0.0.2', 80, 'warning'),
        consul('c-ok', '10.0.0.3', 80),
      ],
      tweak(view) {
        const by = (id: string) => view.services[0]!.instances.find((i) => i.id === id)!
        by('api-3').probe = {probed: true, ok: false, url: 'http://127.0.0.1:1/health', status: 503}
        by('api-4').probe = {probed: true, ok: true, url: 'http://127.0.0.1:1/health', status: 200}
        by('api-5').probe = {probed: true, ok: false, url: 'http://127.0.0.1:1/health', error: 'connection refused'}
      },
    }
  },
  labels() {
    const nets = [
      {name: 'bridge', ip: '172.17.0.9'},
      {name: 'back', ip: '172.20.0.9'},
    ]
    const drift = container('api-1', 1, {labels: {'mcp.service.version': '2.0.0', 'mcp.service.weight': '5'}})
    const unexposed = container('api-2', 2, {labels: {'mcp.service.port': '9090'}})
    const ambiguous = container('api-3', 3, {networks: nets})
    const odd = container('api-4', 4, {labels: {'mcp.health.path': '/ready'}})
    const invalid = container('web-1', 5, {
      labels: {'mcp.service.name': 'web', 'mcp.service.port': '99999', 'mcp.Service.Name': 'x'},
    })
    const unnamed = container('x', 6, {labels: {'mcp.service.name': '', 'mcp.service.weight': '101'}})
    return {
      containers: [drift, unexposed, ambiguous, odd, invalid, unnamed],
      etcd: [
        etcd('api-1', {
          address: '172.17.0.2:8080',
          containerId: drift.id,
          port: 9090,
          metadata: {version: '1.0.0', weight: 1},
          healthPath: '/healthz',
        }),
      ],
      consul: [consul('api-4', '172.17.0.5', 8080, 'passing', {version: '1.9.0'})],
    }
  },
  leases: () => ({
    containers: [],
    etcd: [
      etcd('a', '10.0.0.1:80', null),
      etcd('b', '10.0.0.2:80', {id: '9', ttl: 100, grantedTtl: 300}),
      etcd('c', '10.0.0.3:80', {id: '10', ttl: 61, grantedTtl: 61}),
    ],
  }),
  swarm() {
    const svc = (name: string, over: Partial<SwarmService>): SwarmService => ({
      id: name,
      name: `stack_${name}`,
      labels: {'mcp.service.name': name, 'mcp.service.port': '8080'},
      containerLabels: {'mcp.service.name': name, 'mcp.service.port': '8080'},
      mode: 'replicated',
      replicas: 3,
      running: 3,
      endpointMode: 'vip',
      vips: [{network: 'app', ip: '10.1.0.5'}],
      ports: [],
      ...over,
    })
    const task = (id: string, serviceId: string, state: string, error?: string): SwarmTask => ({
      id,
      serviceId,
      serviceName: serviceId,
      slot: Number(id.slice(-1)),
      nodeId: 'n1',
      node: 'worker-1',
      desiredState: 'running',
      state,
      ...(error ? {error} : {}),
      networks: [],
    })
    return {
      containers: [],
      swarm: [
        {
          services: [
            svc('short', {running: 1}),
            svc('stuck', {running: 2}),
            svc('global', {mode: 'global', replicas: undefined, running: 1}),
            svc('svconly', {containerLabels: {}}),
            svc('ctronly', {
              labels: {'mcp.service.name': 'ctronly'},
              containerLabels: {'mcp.service.name': 'ctronly', 'mcp.service.port': '8080', 'other.label': 'x'},
            }),
            svc('differ', {containerLabels: {'mcp.service.name': 'differ', 'mcp.service.port': '9090'}}),
          ],
          tasks: [
            task('short.1', 'short', 'running'),
            task('short.2', 'short', 'rejected', 'no suitable node (insufficient resources on 1 node)'),
            task('short.3', 'short', 'pending'),
            task('stuck.1', 'stuck', 'running'),
            task('stuck.2', 'stuck', 'pending'),
          ],
        },
      ],
    }
  },
}

describe('doctor findings, pinned (every check, every branch the scenarios reach)', () => {
  const actual = Object.fromEntries(Object.entries(SCENARIOS).map(([name, make]) => [name, findings(make())]))
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, JSON.stringify(actual, null, 1) + '\n')
  const expected = JSON.parse(readFileSync(GOLDEN, 'utf8')) as typeof actual
  for (const name of Object.keys(SCENARIOS)) {
    // A JSON round trip is the point: the golden file is JSON (undefined fields dropped).
    // eslint-disable-next-line unicorn/prefer-structured-clone
    test(name, () => assert.deepEqual(JSON.parse(JSON.stringify(actual[name])), expected[name]))
  }

  test('the scenarios reach every check but EARLY_REGISTRATION (watch only)', () => {
    const seen = new Set(
      Object.values(actual)
        .flat()
        .map((f) => f.ruleId),
    )
    const missing = DOCTOR_CHECKS.map((c) => c.meta.id).filter((c) => !seen.has(c) && c !== 'EARLY_REGISTRATION')
    assert.deepEqual(missing, [])
    assert.deepEqual(actual.healthy, [])
  })
})
