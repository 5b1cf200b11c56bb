import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {DockerContainer} from '../../../src/model/types.js'

import {checkContainerLabels} from '../../../src/labels/index.js'
import {parseRegistrationValue} from '../../../src/registry/registration.js'
import {candidates, DesiredOptions, registrationValue} from '../../../src/sync/desired.js'
import {parseListen} from '../../../src/sync/metrics.js'
import {CurrentEntry, planSync} from '../../../src/sync/plan.js'
import {visible} from '../../../src/sync/render.js'
import {apiLabels, containerSequence, exposed8080} from '../../helpers/fixtures.js'

/** c1, c2, …: healthy instances of service api, port 8080 exposed, nothing published. */
const container = containerSequence(() => ({
  status: 'Up 1 minute (healthy)',
  health: 'healthy',
  labels: apiLabels(),
  ports: exposed8080(),
}))

const OPTIONS: DesiredOptions = {
  labelPrefix: 'mcp',
  registryPrefix: '/services/',
  owner: 'host-a',
  advertiseAddress: '192.0.2.10',
  lintContainer: (d) => checkContainerLabels(d, {labelPrefix: 'mcp'}),
}

/** The entry the registry would hold after writing this container's desired value. */
function written(d: DockerContainer, over: Partial<CurrentEntry> = {}): CurrentEntry {
  const want = candidates([d], OPTIONS)[0]!.registration!
  const parsed = parseRegistrationValue(registrationValue(want, 'json'))
  return {key: want.key, service: want.service, instance: want.instance, ...parsed, leaseId: null, ...over}
}

describe('sync: desired registrations', () => {
  test('the address discover and doctor choose; 0.0.0.0 becomes the advertised host address', () => {
    const pub = container({ports: [{privatePort: 8080, publicPort: 32_768, ip: '0.0.0.0', type: 'tcp'}]})
    const [c] = candidates([pub], OPTIONS)
    assert.equal(c!.registration?.address, '192.0.2.10:32768')
    assert.equal(c!.registration?.addressReason, 'published')
    const loop = container({ports: [{privatePort: 8080, publicPort: 40_000, ip: '127.0.0.1', type: 'tcp'}]})
    assert.equal(candidates([loop], OPTIONS)[0]!.registration?.address, '127.0.0.1:40000')
    const net = container()
    assert.equal(candidates([net], OPTIONS)[0]!.registration?.address, `${net.networks[0]!.ip}:8080`)
  })

  test('ambiguous networks and invalid labels are not registered, and say why', () => {
    const two = container({
      networks: [
        {name: 'front', ip: '10.1.0.2'},
        {name: 'back', ip: '10.2.0.2'},
      ],
    })
    const [a] = candidates([two], OPTIONS)
    assert.equal(a!.registration, undefined)
    assert.equal(a!.skip?.reason, 'ambiguous-address')
    assert.match(a!.skip!.detail, /front, back and no mcp\.service\.network label/)
    const labelled = container({networks: two.networks, labels: {...two.labels, 'mcp.service.network': 'back'}})
    assert.equal(candidates([labelled], OPTIONS)[0]!.registration?.address, '10.2.0.2:8080')
    const bad = container({labels: {'mcp.service.name': 'api', 'mcp.service.port': 'http'}})
    const [b] = candidates([bad], OPTIONS)
    assert.equal(b!.skip?.reason, 'invalid-labels')
    assert.ok(b!.skip!.findings!.length > 0)
  })

  test('version and weight are written only when labelled (doctor compares them with the labels)', () => {
    const plain = candidates([container()], OPTIONS)[0]!.registration!
    const value = JSON.parse(registrationValue(plain, 'json'))
    assert.equal('version' in value, false)
    assert.equal('weight' in value, false)
    const labelled = container({
      labels: {
        'mcp.service.name': 'api',
        'mcp.service.port': '8080',
        'mcp.service.version': '1.2',
        'mcp.service.weight': '5',
      },
    })
    const parsed = parseRegistrationValue(registrationValue(candidates([labelled], OPTIONS)[0]!.registration!, 'json'))
    assert.equal(parsed.version, '1.2')
    assert.equal(parsed.weight, 5)
    assert.equal(parsed.servicePort, 8080)
    assert.equal(parsed.healthPath, '/health')
    assert.equal(parsed.registeredBy, 'host-a')
    assert.equal(registrationValue(plain, 'plain'), plain.address)
  })
})

describe('sync: the plan', () => {
  test('add what runs, remove what this agent owns and no longer runs, leave what matches', () => {
    const up = container()
    const same = container()
    const plan = planSync(
      candidates([up, same], OPTIONS),
      [written(same), {...written(container()), key: '/services/api/gone', instance: 'gone'}],
      {owner: 'host-a', valueFormat: 'json'},
    )
    assert.deepEqual(
      plan.actions.map((a) => [a.kind, a.key]),
      [
        ['remove', '/services/api/gone'],
        ['add', `/services/api/${up.name}`],
      ],
    )
    assert.equal(plan.unchanged, 1)
  })

  test('an update lists each field that differs', () => {
    const d = container({labels: {'mcp.service.name': 'api', 'mcp.service.port': '8080', 'mcp.service.version': '2'}})
    const plan = planSync(candidates([d], OPTIONS), [written(d, {address: '10.0.0.9:8080', version: '1'})], {
      owner: 'host-a',
      valueFormat: 'json',
    })
    assert.equal(plan.actions.length, 1)
    assert.equal(plan.actions[0]!.kind, 'update')
    assert.deepEqual(plan.actions[0]!.changes, [
      `address "10.0.0.9:8080" → "${d.networks[0]!.ip}:8080"`,
      'version "1" → "2"',
    ])
  })

  test('entries of another owner are reported, never changed; --prune-foreign removes only stale ones', () => {
    const d = container()
    const stale: CurrentEntry = {
      key: '/services/api/old',
      service: 'api',
      instance: 'old',
      address: '10.0.0.1:80',
      registeredBy: 'host-b',
      valueFormat: 'json',
      leaseId: null,
    }
    const taken = written(d, {registeredBy: 'host-b', address: '10.0.0.2:80'})
    const plan = planSync(candidates([d], OPTIONS), [stale, taken], {owner: 'host-a', valueFormat: 'json'})
    assert.deepEqual(plan.actions, [])
    assert.deepEqual(
      plan.foreign.map((f) => [f.key, f.kind]),
      [
        ['/services/api/old', 'stale'],
        [taken.key, 'conflict'],
      ],
    )
    const pruned = planSync(candidates([d], OPTIONS), [stale, taken], {
      owner: 'host-a',
      valueFormat: 'json',
      pruneForeign: true,
    })
    assert.deepEqual(
      pruned.actions.map((a) => [a.kind, a.key]),
      [['remove', '/services/api/old']],
    )
    assert.deepEqual(
      pruned.foreign.map((f) => f.key),
      [taken.key],
    )
  })

  test("entries on this agent's lease are its own; an own entry elsewhere moves onto the lease", () => {
    const d = container()
    const plainOnLease: CurrentEntry = {
      key: '/services/api/x',
      service: 'api',
      instance: 'x',
      address: '10.0.0.1:80',
      valueFormat: 'plain',
      leaseId: '7',
    }
    const plan = planSync(candidates([d], OPTIONS), [plainOnLease, written(d, {leaseId: '5'})], {
      owner: 'host-a',
      valueFormat: 'json',
      leaseId: '7',
    })
    assert.deepEqual(
      plan.actions.map((a) => [a.kind, a.key]),
      [
        ['remove', '/services/api/x'],
        ['update', `/services/api/${d.name}`],
      ],
    )
    assert.deepEqual(plan.actions[1]!.changes, ['lease 5 → 7'])
  })

  test('a not-ready container below the threshold keeps its entry; at it, the entry goes with the reason', () => {
    const d = container()
    const list = candidates([d], OPTIONS)
    const skip = {
      container: d.name,
      containerId: d.id,
      service: 'api',
      key: list[0]!.key,
      reason: 'not-ready' as const,
      detail: 'GET … → 503',
    }
    list[0]!.registration = undefined
    list[0]!.skip = {...skip, keepRegistered: true}
    assert.deepEqual(planSync(list, [written(d)], {owner: 'host-a', valueFormat: 'json'}).actions, [])
    list[0]!.skip = skip
    const plan = planSync(list, [written(d)], {owner: 'host-a', valueFormat: 'json'})
    assert.equal(plan.actions[0]!.kind, 'remove')
    assert.match(plan.actions[0]!.reason, /not ready: GET … → 503/)
  })

  test("one container's reconcile touches only its keys", () => {
    const a = container()
    const b = container()
    const plan = planSync(candidates([a, b], OPTIONS), [], {
      owner: 'host-a',
      valueFormat: 'json',
      scope: {keys: new Set([`/services/api/${a.name}`]), containerIds: new Set([a.id])},
    })
    assert.deepEqual(
      plan.actions.map((x) => x.key),
      [`/services/api/${a.name}`],
    )
  })
})

describe('sync: small helpers', () => {
  test('--listen', () => {
    assert.deepEqual(parseListen('127.0.0.1:9109'), {host: '127.0.0.1', port: 9109})
    assert.deepEqual(parseListen('[::1]:80'), {host: '::1', port: 80})
    assert.deepEqual(parseListen(':80'), {host: '127.0.0.1', port: 80})
    assert.throws(() => parseListen('9109'), /not host:port/)
  })

  test('control characters are shown, not sent to the terminal', () => {
    assert.equal(visible('a\u001B[31mb\n'), String.raw`a\x1b[31mb\x0a`)
  })
})
