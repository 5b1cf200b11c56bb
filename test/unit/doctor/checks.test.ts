import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {CheckContext, DoctorCheck} from '../../../src/doctor/check.js'
import type {ConsulRegistration, DockerContainer, EtcdRegistration, ServiceView} from '../../../src/model/types.js'

import {judgeAddress} from '../../../src/doctor/address-judge.js'
import {DOCTOR_CHECKS} from '../../../src/doctor/checks/index.js'
import {driftOf} from '../../../src/doctor/checks/labels.js'
import {doctorJson, doctorNotes} from '../../../src/doctor/output.js'
import {parseCodeList, selectChecks, sourceFinding, unmetNeed} from '../../../src/doctor/run.js'
import {labelKeys} from '../../../src/model/labels.js'
import {mergeView} from '../../../src/model/merge.js'
import {parseRegistrationValue} from '../../../src/registry/registration.js'
import {
  consulRegistration,
  containerIdOf,
  DOCTOR_NOW,
  doctorContainer,
  doctorContext,
  leasedEtcd,
  viewInput,
} from '../../helpers/fixtures.js'

function viewOf(
  containers: DockerContainer[],
  registrations: EtcdRegistration[] = [],
  consul: ConsulRegistration[] = [],
): ServiceView {
  return mergeView(viewInput({containers, etcd: registrations, consul, dockerHostAddress: '127.0.0.1'}))
}

function contextFor(view: ServiceView, overrides: Partial<CheckContext> = {}): CheckContext {
  const containers = [...view.services.flatMap((s) => s.instances), ...view.unnamed].flatMap((i) =>
    i.docker ? [i.docker] : [],
  )
  return doctorContext(containers, '127.0.0.1', overrides)
}

const check = (code: string): DoctorCheck => DOCTOR_CHECKS.find((c) => c.meta.id === code)!

function run(code: string, view: ServiceView, overrides: Partial<CheckContext> = {}) {
  return check(code).check(view, contextFor(view, overrides))
}

const healthy = () => {
  const a = doctorContainer('api-1', 1)
  return {a, reg: leasedEtcd('api-1', {address: '172.17.0.2:8080', containerId: a.id})}
}

describe('a healthy instance produces no finding from any check', () => {
  test('registered at its network address, leased, labels in order', () => {
    const {a, reg} = healthy()
    const view = viewOf([a], [reg])
    for (const c of DOCTOR_CHECKS) assert.deepEqual(c.check(view, contextFor(view)), [], c.meta.id)
  })
})

describe('UNREGISTERED', () => {
  test('running, not registered, past the grace period', () => {
    const view = viewOf([doctorContainer('api-1', 1)])
    const [f] = run('UNREGISTERED', view)
    assert.equal(f!.ruleId, 'UNREGISTERED')
    assert.equal(f!.instance, 'api-1')
    assert.deepEqual(f!.location, {kind: 'container', container: 'api-1', id: containerIdOf(1)})
  })
  test('within the grace period (started recently, though created long ago) it waits', () => {
    const a = doctorContainer('api-1', 1)
    const view = viewOf([a])
    assert.deepEqual(run('UNREGISTERED', view, {startedAt: new Map([[a.id, DOCTOR_NOW - 5000]])}), [])
  })
  test('no valid port label: left to LABEL_INVALID', () => {
    assert.deepEqual(
      run('UNREGISTERED', viewOf([doctorContainer('api-1', 1, {labels: {'mcp.service.port': 'http'}})])),
      [],
    )
  })
})

describe('STALE_REGISTRATION', () => {
  test('removed (containerId matches nothing), exited, unknown address, duplicate', () => {
    const running = doctorContainer('api-1', 1)
    const exited = doctorContainer('api-9', 9, {state: 'exited', status: 'Exited (137) 2 minutes ago', networks: []})
    const view = viewOf(
      [running],
      [
        leasedEtcd('api-1', {address: '172.17.0.2:8080', containerId: running.id}),
        leasedEtcd('gone', {address: '172.17.0.50:8080', containerId: containerIdOf(5)}),
        leasedEtcd('api-9', '172.17.0.10:8080'),
        leasedEtcd('who', '10.9.9.9:7000'),
        leasedEtcd('again', {address: '172.17.0.2:8080', containerId: running.id}),
      ],
    )
    const findings = run('STALE_REGISTRATION', view, {stopped: [exited]})
    const reasons = Object.fromEntries(findings.map((f) => [f.instance, f.evidence!.reason]))
    assert.deepEqual(reasons, {gone: 'removed', 'api-9': 'exited', who: 'unknown-address', again: 'duplicate'})
    assert.ok(findings.every((f) => f.location?.kind === 'registry'))
  })
})

describe('WRONG_ADDRESS kinds', () => {
  const keysHost = (c: DockerContainer[]) => contextFor(viewOf(c))
  const judge = (d: DockerContainer, host: string, port: number, others: DockerContainer[] = []) =>
    judgeAddress(
      {registry: 'etcd', key: 'k', host, port, address: `${host}:${port}`},
      d,
      8080,
      keysHost([d, ...others]),
    )?.kind

  test('reachable addresses pass', () => {
    const d = doctorContainer('a', 1, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'tcp'}]})
    assert.equal(judge(d, '172.17.0.2', 8080), undefined)
    assert.equal(judge(d, '127.0.0.1', 32_000), undefined)
    assert.equal(judge(d, '10.0.0.5', 32_000), undefined) // the host's LAN address + a 0.0.0.0 binding
    assert.equal(
      judge(doctorContainer('h', 2, {networkMode: 'host', networks: [], ports: []}), '10.0.0.5', 8080),
      undefined,
    )
  })
  test('the bridge gateway or the Docker host with the service port', () => {
    assert.equal(judge(doctorContainer('a', 1), '172.17.0.1', 8080), 'host-address')
  })
  test('loopback without a published port', () => {
    assert.equal(judge(doctorContainer('a', 1), '127.0.0.1', 8080), 'loopback-unpublished')
    assert.equal(judge(doctorContainer('a', 1), 'localhost', 8080), 'loopback-unpublished')
  })
  test('published on loopback only, registered at a host address', () => {
    const d = doctorContainer('a', 1, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '127.0.0.1', type: 'tcp'}]})
    assert.equal(judge(d, '10.0.0.5', 32_000), 'loopback-only-binding')
  })
  test('a published port that forwards to another container port', () => {
    const d = doctorContainer('a', 1, {
      ports: [
        {privatePort: 8080, type: 'tcp'},
        {privatePort: 9000, publicPort: 32_001, ip: '127.0.0.1', type: 'tcp'},
      ],
    })
    assert.equal(judge(d, '127.0.0.1', 32_001), 'published-port-not-service-port')
  })
  test('another network than the network label', () => {
    const d = doctorContainer('a', 1, {
      labels: {'mcp.service.network': 'back'},
      networks: [
        {name: 'bridge', ip: '172.17.0.2', gateway: '172.17.0.1'},
        {name: 'back', ip: '172.20.0.2', gateway: '172.20.0.1'},
      ],
    })
    assert.equal(judge(d, '172.17.0.2', 8080), 'other-network')
    assert.equal(judge(d, '172.20.0.2', 8080), undefined)
  })
  test('its IP with the wrong port, another container, unknown, no address', () => {
    const d = doctorContainer('a', 1)
    assert.equal(judge(d, '172.17.0.2', 9999), 'wrong-port')
    assert.equal(judge(d, '172.17.0.3', 8080, [doctorContainer('b', 2)]), 'another-container')
    assert.equal(judge(d, '192.0.2.7', 8080), 'not-its-address')
    const ctx = keysHost([d])
    assert.equal(
      judgeAddress({registry: 'etcd', key: 'k', valueError: 'no address or addr field'}, d, 8080, ctx)?.kind,
      'no-address',
    )
  })
  test('the check ties it to the container by containerId and reports the expected address', () => {
    const a = doctorContainer('api-1', 1)
    const [f] = run(
      'WRONG_ADDRESS',
      viewOf([a], [leasedEtcd('api-1', {address: '172.17.0.1:8080', containerId: a.id})]),
    )
    assert.equal(f!.evidence!.kind, 'host-address')
    assert.equal(f!.evidence!.expected, '172.17.0.2:8080')
    assert.equal(f!.evidence!.matchedBy, 'containerId')
  })
})

describe('NOT_READY', () => {
  test('Docker health unhealthy is an error, starting a warning, a failed probe an error', () => {
    const sick = doctorContainer('api-1', 1, {health: 'unhealthy', status: 'Up 1 minute (unhealthy)'})
    const young = doctorContainer('api-2', 2, {health: 'starting', status: 'Up 2 seconds (health: starting)'})
    const failing = doctorContainer('api-3', 3)
    const view = viewOf(
      [sick, young, failing],
      [
        leasedEtcd('api-1', '172.17.0.2:8080'),
        leasedEtcd('api-2', '172.17.0.3:8080'),
        leasedEtcd('api-3', '172.17.0.4:8080'),
      ],
    )
    view.services[0]!.instances.find((i) => i.id === 'api-3')!.probe = {
      probed: true,
      ok: false,
      url: 'http://127.0.0.1:1/health',
      status: 503,
    }
    const sev = Object.fromEntries(run('NOT_READY', view).map((f) => [f.instance, f.severity]))
    assert.deepEqual(sev, {'api-1': 'error', 'api-2': 'warning', 'api-3': 'error'})
  })
  test('not registered: not judged (UNREGISTERED covers it)', () => {
    assert.deepEqual(run('NOT_READY', viewOf([doctorContainer('api-1', 1, {health: 'unhealthy'})])), [])
  })
})

describe('LABEL_DRIFT', () => {
  test('each recorded field against the label; unset labels differ, except the health path default', () => {
    const d = doctorContainer('api-1', 1, {labels: {'mcp.service.version': '2.0', 'mcp.service.weight': '5'}})
    const keys = {keys: labelKeys('mcp')}
    assert.deepEqual(driftOf({port: 8080, version: '2.0', weight: 5, healthPath: '/health'}, d, keys), {})
    assert.deepEqual(driftOf({port: 9090, version: '1.0', weight: 1, healthPath: '/healthz'}, d, keys), {
      port: {registry: 9090, label: '8080'},
      version: {registry: '1.0', label: '2.0'},
      weight: {registry: 1, label: '5'},
      healthPath: {registry: '/healthz', label: null},
    })
    const bare = doctorContainer('api-2', 2)
    assert.deepEqual(driftOf({version: '1.0'}, bare, keys), {version: {registry: '1.0', label: null}})
  })
  test('from an etcd JSON value and from Consul Meta', () => {
    const a = doctorContainer('api-1', 1, {labels: {'mcp.service.version': '2.0'}})
    const b = doctorContainer('api-2', 2, {labels: {'mcp.service.version': '2.0'}})
    const consul = consulRegistration('api-2', '172.17.0.3', 8080, {meta: {version: '1.9'}})
    const view = viewOf(
      [a, b],
      [leasedEtcd('api-1', {address: '172.17.0.2:8080', metadata: {version: '1.0'}})],
      [consul],
    )
    const found = run('LABEL_DRIFT', view).map((f) => [
      f.instance,
      (f.evidence!.fields as Record<string, unknown>).version,
    ])
    assert.deepEqual(found, [
      ['api-1', {registry: '1.0', label: '2.0'}],
      ['api-2', {registry: '1.9', label: '2.0'}],
    ])
  })
})

describe('label and network checks', () => {
  test('PORT_NOT_EXPOSED, not for host networking', () => {
    const view = viewOf([
      doctorContainer('api-1', 1, {labels: {'mcp.service.port': '9090'}}),
      doctorContainer('h', 2, {
        labels: {'mcp.service.name': 'h', 'mcp.service.port': '9090'},
        networkMode: 'host',
        networks: [],
        ports: [],
      }),
    ])
    assert.deepEqual(
      run('PORT_NOT_EXPOSED', view).map((f) => f.instance),
      ['api-1'],
    )
  })
  test('AMBIGUOUS_NETWORK: several networks, no label', () => {
    const nets = [
      {name: 'bridge', ip: '172.17.0.2'},
      {name: 'back', ip: '172.20.0.2'},
    ]
    const view = viewOf([
      doctorContainer('api-1', 1, {networks: nets}),
      doctorContainer('api-2', 2, {
        networks: nets.map((n) => ({...n, ip: n.ip.replace(/2$/, '3')})),
        labels: {'mcp.service.network': 'back'},
      }),
    ])
    assert.deepEqual(
      run('AMBIGUOUS_NETWORK', view).map((f) => f.instance),
      ['api-1'],
    )
  })
  test('NAME_CONFLICT: ports or health paths differ; the odd one out is named', () => {
    const view = viewOf([
      doctorContainer('api-1', 1),
      doctorContainer('api-2', 2),
      doctorContainer('api-3', 3, {labels: {'mcp.health.path': '/ready'}}),
    ])
    const [f] = run('NAME_CONFLICT', view)
    assert.equal(f!.instance, 'api-3')
    assert.deepEqual(f!.evidence!.healthPaths, {'/health': ['api-1', 'api-2'], '/ready': ['api-3']})
    assert.deepEqual(run('NAME_CONFLICT', viewOf([doctorContainer('api-1', 1), doctorContainer('api-2', 2)])), [])
  })
  test('LABEL_INVALID: lint-labels errors with their rule ids; unnamed containers too unless --service', () => {
    const unnamed = doctorContainer('x', 4, {labels: {'mcp.service.name': undefined as unknown as string}})
    delete unnamed.labels['mcp.service.name']
    const view = viewOf([doctorContainer('api-1', 1, {labels: {'mcp.service.port': '99999'}}), unnamed])
    const found = run('LABEL_INVALID', view)
    assert.deepEqual(
      found.map((f) => f.instance),
      ['api-1', 'x'],
    )
    assert.ok((found[0]!.evidence!.rules as {ruleId: string}[]).some((r) => r.ruleId === 'service-port-invalid'))
    assert.deepEqual(
      run('LABEL_INVALID', view, {services: ['api']}).map((f) => f.instance),
      ['api-1'],
    )
  })
})

describe('leases and Consul', () => {
  test('NO_LEASE and LONG_TTL', () => {
    const view = viewOf(
      [],
      [
        leasedEtcd('a', '10.0.0.1:80', null),
        leasedEtcd('b', '10.0.0.2:80', {id: '9', ttl: 100, grantedTtl: 300}),
        leasedEtcd('c', '10.0.0.3:80'),
      ],
    )
    assert.deepEqual(
      run('NO_LEASE', view).map((f) => f.instance),
      ['a'],
    )
    assert.deepEqual(
      run('LONG_TTL', view).map((f) => f.instance),
      ['b'],
    )
    assert.deepEqual(run('LONG_TTL', view, {maxTtlSeconds: 300}), [])
  })
  test('CONSUL_CRITICAL', () => {
    const entry = (id: string, status: ConsulRegistration['status']) =>
      consulRegistration(id, '10.0.0.1', 80, {status, checks: [{name: 'http', status}]})
    const view = viewOf([], [], [entry('a', 'critical'), entry('b', 'passing')])
    const [f, ...rest] = run('CONSUL_CRITICAL', view)
    assert.equal(rest.length, 0)
    assert.equal(f!.instance, 'a')
    assert.deepEqual(f!.location, {kind: 'registry', registry: 'consul', key: 'a'})
  })
})

describe('selection, needs, output', () => {
  test('--only/--ignore parse codes in any case, with did-you-mean; SOURCE_UNREACHABLE cannot be selected', () => {
    assert.deepEqual(parseCodeList('only', ['no_lease,long-ttl', 'WRONG_ADDRESS']), [
      'NO_LEASE',
      'LONG_TTL',
      'WRONG_ADDRESS',
    ])
    assert.throws(() => parseCodeList('only', ['STALE']), /unknown code/)
    assert.throws(() => parseCodeList('ignore', ['SOURCE_UNREACHABLE']), /always reported/)
    assert.equal(parseCodeList('only', undefined), undefined)
    assert.deepEqual(
      selectChecks({only: ['NO_LEASE', 'EARLY_REGISTRATION']}).map((c) => c.meta.id),
      ['NO_LEASE'],
    )
    assert.deepEqual(
      selectChecks({only: ['EARLY_REGISTRATION'], watching: true}).map((c) => c.meta.id),
      ['EARLY_REGISTRATION'],
    )
    assert.ok(!selectChecks({ignore: ['NO_LEASE']}).some((c) => c.meta.id === 'NO_LEASE'))
  })
  test('a check whose source is down or not asked says why it is skipped', () => {
    const up = (name: string, ok = true) => ({name, ok, count: 0, ms: 1})
    assert.equal(
      unmetNeed(['docker', 'registry'], ['docker', 'etcd'], [up('docker'), up('etcd', false)], false),
      'etcd unreachable',
    )
    assert.equal(
      unmetNeed(
        ['docker', 'any-registry'],
        ['docker', 'etcd', 'consul'],
        [up('docker'), up('etcd', false), up('consul')],
        true,
      ),
      undefined,
    )
    assert.equal(
      unmetNeed(
        ['docker', 'registry'],
        ['docker', 'etcd', 'consul'],
        [up('docker'), up('etcd', false), up('consul')],
        true,
      ),
      'etcd unreachable',
    )
    assert.equal(
      unmetNeed(['consul'], ['docker', 'etcd'], [up('docker'), up('etcd')], false),
      'consul not configured (--consul-addr)',
    )
    assert.equal(unmetNeed(['etcd'], ['docker'], [up('docker')], false), 'etcd not asked (--source)')
    assert.equal(unmetNeed(['docker', 'registry'], ['docker'], [up('docker')], false), 'no registry asked (--source)')
  })
  test('SOURCE_UNREACHABLE names the skipped checks; --json maps ruleId to code', () => {
    const status = {
      name: 'etcd',
      ok: false,
      endpoint: 'http://127.0.0.1:1',
      error: 'connection refused',
      hint: 'is etcd running?',
      count: 0,
      ms: 3,
    }
    const f = sourceFinding(status, [
      {code: 'NO_LEASE', reason: 'etcd unreachable'},
      {code: 'CONSUL_CRITICAL', reason: 'consul not configured (--consul-addr)'},
    ])
    assert.match(f.message, /etcd did not answer at http:\/\/127\.0\.0\.1:1: connection refused; skipped NO_LEASE$/)
    const view = {services: [], sources: [status], unnamed: [], takenAt: ''}
    const result = {
      findings: [f],
      view,
      sourceExitCode: 5,
      ran: [],
      skipped: [{code: 'NO_LEASE' as const, reason: 'etcd unreachable'}],
      notProbed: [],
    }
    const json = doctorJson(result, [f], 5)
    assert.deepEqual(Object.keys(json.findings[0]!).sort(), [
      'code',
      'evidence',
      'hint',
      'instance',
      'location',
      'message',
      'ruleId',
      'service',
      'severity',
    ])
    assert.equal(json.findings[0]!.code, 'SOURCE_UNREACHABLE')
    assert.equal(json.summary.exitCode, 5)
    assert.deepEqual(doctorNotes(result), ['doctor: skipped NO_LEASE: etcd unreachable'])
  })
})

describe('registry values', () => {
  test('a JSON value keeps the service port apart from a published address port', () => {
    assert.equal(parseRegistrationValue('{"address":"127.0.0.1:32768","port":8080}').servicePort, 8080)
    assert.equal(parseRegistrationValue('{"address":"127.0.0.1:32768","metadata":{"port":"8080"}}').servicePort, 8080)
    assert.equal(parseRegistrationValue('{"address":"127.0.0.1:32768"}').servicePort, undefined)
    assert.equal(parseRegistrationValue('127.0.0.1:32768').servicePort, undefined)
  })
})
