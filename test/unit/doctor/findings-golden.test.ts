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
import {mergeView} from '../../../src/model/merge.js'
import {
  consulRegistration,
  containerIdOf,
  DOCTOR_NOW,
  doctorContainer,
  doctorContext,
  leasedEtcd,
  published,
  viewInput,
} from '../../helpers/fixtures.js'

/**
 * Every doctor check's findings — message, hint, evidence, location — on scenarios that reach each
 * branch, pinned in test/fixtures/doctor/findings.golden.json (UPDATE_GOLDEN=1 rewrites it; read the
 * diff before committing it). Unit data only: no address here is contacted.
 */
const GOLDEN = 'test/fixtures/doctor/findings.golden.json'

type Status = ConsulRegistration['status']

/** A Consul entry of the node node-1 with one HTTP check in the given status. */
function consul(
  id: string,
  address: string,
  port: number,
  status: Status = 'passing',
  meta: Record<string, string> = {},
) {
  const checks = [{name: 'http', status, output: status === 'passing' ? undefined : 'HTTP GET: 503'}]
  return consulRegistration(id, address, port, {node: 'node-1', meta, status, checks})
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
  const view = mergeView(
    viewInput({
      containers: s.containers,
      etcd: s.etcd ?? [],
      consul: s.consul ?? [],
      dockerHostAddress: '127.0.0.1',
      swarm: s.swarm,
    }),
  )
  s.tweak?.(view)
  const ctx = doctorContext(s.containers, '192.0.2.10', {stopped: s.stopped ?? [], ...s.context})
  return DOCTOR_CHECKS.flatMap((c) => c.check(view, ctx))
}

const SCENARIOS: Record<string, () => Scenario> = {
  healthy() {
    const a = doctorContainer('api-1', 1)
    return {containers: [a], etcd: [leasedEtcd('api-1', {address: '172.17.0.2:8080', containerId: a.id})]}
  },
  unregistered: () => ({
    containers: [doctorContainer('api-1', 1), doctorContainer('api-2', 2)],
    context: {startedAt: new Map([[containerIdOf(2), DOCTOR_NOW - 29_999]])},
  }),
  stale() {
    const running = doctorContainer('api-1', 1)
    const exited = doctorContainer('api-9', 9, {state: 'exited', status: 'Exited (137) 2 minutes ago', networks: []})
    return {
      containers: [running],
      stopped: [exited],
      etcd: [
        leasedEtcd('api-1', {address: '172.17.0.2:8080', containerId: running.id}),
        leasedEtcd('gone', {address: '172.17.0.50:8080', containerId: containerIdOf(5)}),
        leasedEtcd('api-9', '172.17.0.10:8080'),
        leasedEtcd('by-id', {address: '172.17.0.11:8080', containerId: containerIdOf(9).slice(0, 12)}),
        leasedEtcd('who', '10.9.9.9:7000'),
        leasedEtcd('again', {address: '172.17.0.2:8080', containerId: running.id}),
        leasedEtcd('garbage', 'not an address'),
      ],
      consul: [consul('old', '10.9.9.8', 80), consul('twin', '172.17.0.2', 8080)],
    }
  },
  'wrong-address'() {
    const labelled = {'mcp.service.network': 'back'}
    const c = [
      doctorContainer('gw', 1),
      doctorContainer('dockerhost', 2),
      doctorContainer('loop', 3),
      doctorContainer('looponly', 4, {ports: [published(32_004, '127.0.0.1'), published(32_004, '::1')]}),
      doctorContainer('othernet', 5, {
        labels: labelled,
        networks: [
          {name: 'bridge', ip: '172.17.0.6', gateway: '172.17.0.1'},
          {name: 'back', ip: '172.20.0.6'},
        ],
      }),
      doctorContainer('fwd', 6, {ports: [{privatePort: 8080, type: 'tcp'}, published(32_006, '0.0.0.0', 9000)]}),
      doctorContainer('port', 7),
      doctorContainer('other', 8),
      doctorContainer('nowhere', 9, {name: 'nowhere', id: 'a'.repeat(64)}),
      doctorContainer('hostnet', 10, {id: 'b'.repeat(64), networkMode: 'host', networks: [], ports: []}),
    ]
    return {
      containers: c,
      etcd: [
        leasedEtcd('gw', {address: '172.17.0.1:8080', containerId: c[0]!.id}),
        leasedEtcd('dockerhost', {address: '192.0.2.10:8080', containerId: c[1]!.id}),
        leasedEtcd('loop', {address: 'localhost:8080', containerId: c[2]!.id}),
        leasedEtcd('looponly', {address: '192.0.2.10:32004', containerId: c[3]!.id}),
        leasedEtcd('othernet', {address: '172.17.0.6:8080', containerId: c[4]!.id}),
        leasedEtcd('fwd', {address: '127.0.0.1:32006', containerId: c[5]!.id}),
        leasedEtcd('port', {address: '172.17.0.8:9999', containerId: c[6]!.id}),
        leasedEtcd('other', {address: '172.17.0.3:8080', containerId: c[7]!.id}),
        leasedEtcd('nowhere', {address: '198.51.100.7:8080', containerId: c[8]!.id}),
        leasedEtcd('hostnet', {address: '192.0.2.10:8081', containerId: c[9]!.id}),
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
    const sick = doctorContainer('api-1', 1, {health: 'unhealthy', status: 'Up 1 minute (unhealthy)'})
    const young = doctorContainer('api-2', 2, {health: 'starting', status: 'Up 2 seconds (health: starting)'})
    const failing = doctorContainer('api-3', 3)
    const fine = doctorContainer('api-4', 4)
    const refused = doctorContainer('api-5', 5)
    return {
      containers: [sick, young, failing, fine, refused],
      etcd: ['api-1', 'api-2', 'api-3', 'api-4', 'api-5'].map((id, n) => leasedEtcd(id, `172.17.0.${n + 2}:8080`)),
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
    const drift = doctorContainer('api-1', 1, {labels: {'mcp.service.version': '2.0.0', 'mcp.service.weight': '5'}})
    const unexposed = doctorContainer('api-2', 2, {labels: {'mcp.service.port': '9090'}})
    const ambiguous = doctorContainer('api-3', 3, {networks: nets})
    const odd = doctorContainer('api-4', 4, {labels: {'mcp.health.path': '/ready'}})
    const invalid = doctorContainer('web-1', 5, {
      labels: {'mcp.service.name': 'web', 'mcp.service.port': '99999', 'mcp.Service.Name': 'x'},
    })
    const unnamed = doctorContainer('x', 6, {labels: {'mcp.service.name': '', 'mcp.service.weight': '101'}})
    return {
      containers: [drift, unexposed, ambiguous, odd, invalid, unnamed],
      etcd: [
        leasedEtcd('api-1', {
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
      leasedEtcd('a', '10.0.0.1:80', null),
      leasedEtcd('b', '10.0.0.2:80', {id: '9', ttl: 100, grantedTtl: 300}),
      leasedEtcd('c', '10.0.0.3:80', {id: '10', ttl: 61, grantedTtl: 61}),
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
