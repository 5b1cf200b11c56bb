import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {DockerContainer} from '../../../src/model/types.js'

import {hostAddressesOf, mergeView} from '../../../src/model/merge.js'
import {
  consulRegistration,
  dockerContainer,
  etcdRegistration,
  swarmService,
  swarmTask,
  viewInput,
} from '../../helpers/fixtures.js'

/** The container of task stack_api.1 on network app, no labels of its own. */
const container = (over: Partial<DockerContainer> = {}): DockerContainer =>
  dockerContainer({
    id: 'c'.repeat(64),
    name: 'stack_api.1.abc',
    status: 'Up',
    networks: [{name: 'app', ip: '10.1.0.9'}],
    ...over,
  })

describe('mergeView with Swarm services', () => {
  test('each task is an instance of the service its labels name, addressed by the VIP', () => {
    const tasks = [swarmTask('t1'), swarmTask('t2', {slot: 2}), swarmTask('x', {serviceId: 'other'})]
    const view = mergeView(viewInput({swarm: [{services: [swarmService()], tasks}]}))
    assert.deepEqual(
      view.services.map((s) => s.name),
      ['api'],
    )
    const api = view.services[0]!
    assert.equal(api.swarm?.id, 's1')
    assert.deepEqual(
      api.instances.map((i) => i.id),
      ['stack_api.1', 'stack_api.2'],
    )
    const i = api.instances[0]!
    assert.equal(i.port, 8080)
    assert.equal(i.healthPath, '/health')
    assert.equal(i.addressReason, 'swarm-vip')
    assert.deepEqual(i.address, {kind: 'vip', ip: '10.1.0.5', port: 8080, network: 'app'})
    assert.equal(i.swarm?.id, 't1')
  })

  test('a task without a slot is named by its node (global mode), else the node id', () => {
    const tasks = [
      swarmTask('t1', {slot: undefined, node: 'worker-1'}),
      swarmTask('t2', {slot: undefined, nodeId: 'n2'}),
    ]
    const view = mergeView(viewInput({swarm: [{services: [swarmService({mode: 'global'})], tasks}]}))
    assert.deepEqual(
      view.services[0]!.instances.map((i) => i.id),
      ['stack_api.n2', 'stack_api.worker-1'],
    )
  })

  test('a task whose container is listed too becomes that container instance, with the task attached', () => {
    const c = container({labels: {'mcp.service.name': 'api', 'mcp.service.port': '8080'}})
    const tasks = [swarmTask('t1', {containerId: c.id, networks: []})]
    const view = mergeView(viewInput({containers: [c], swarm: [{services: [swarmService()], tasks}]}))
    const [only, ...rest] = view.services[0]!.instances
    assert.equal(rest.length, 0)
    assert.equal(only!.docker, c)
    assert.equal(only!.swarm?.id, 't1')
    // The task carried no networks yet: the container's are used.
    assert.deepEqual(only!.swarm?.networks, [{name: 'app', ip: '10.1.0.9'}])
    assert.equal(only!.addressReason, 'swarm-vip')
    // Its own address and the VIP, once each.
    assert.deepEqual(
      only!.addresses.map((a) => `${a.kind}:${a.ip}:${a.port}`),
      ['network:10.1.0.9:8080', 'vip:10.1.0.5:8080'],
    )
  })

  test("the port label of the container wins over the service's; --service filters Swarm services too", () => {
    const c = container({labels: {'mcp.service.name': 'api', 'mcp.service.port': '9090'}})
    const view = mergeView(
      viewInput({
        containers: [c],
        swarm: [{services: [swarmService()], tasks: [swarmTask('t1', {containerId: c.id})]}],
      }),
    )
    assert.equal(view.services[0]!.instances[0]!.port, 9090)
    const other = mergeView(
      viewInput({
        services: ['web'],
        swarm: [{services: [swarmService()], tasks: [swarmTask('t1')]}],
      }),
    )
    assert.deepEqual(other.services, [])
    const unnamed = mergeView(
      viewInput({
        swarm: [{services: [swarmService({labels: {}})], tasks: [swarmTask('t1')]}],
      }),
    )
    assert.deepEqual(unnamed.services, [])
  })

  test('a registration names a task by its id', () => {
    const byId = mergeView(
      viewInput({
        etcd: [etcdRegistration(`/services/api/${'t'.repeat(25)}`, '10.9.9.9:1')],
        swarm: [{services: [swarmService()], tasks: [swarmTask('t'.repeat(25))]}],
      }),
    )
    assert.deepEqual(
      byId.services[0]!.instances.map((i) => i.match),
      ['name'],
    )
  })
})

describe('mergeView: registry-only instances and order', () => {
  test('a bracketed or scheme-prefixed host is unwrapped; a plain one used as is', () => {
    const consul = (id: string, address: string) => consulRegistration(id, address, 80)
    const entries = [consul('a', '[fd00::1]'), consul('b', 'http://10.0.0.1'), consul('c', 'api.internal')]
    const view = mergeView(viewInput({consul: entries}))
    assert.deepEqual(
      view.services[0]!.instances.map((i) => i.address?.ip),
      ['fd00::1', '10.0.0.1', 'api.internal'],
    )
    const noPort = mergeView(
      viewInput({
        etcd: [etcdRegistration('/services/api/x', 'not an address')],
      }),
    )
    assert.equal(noPort.services[0]!.instances[0]!.address, undefined)
    assert.deepEqual(noPort.services[0]!.instances[0]!.addresses, [])
  })

  test('services and instances in code-unit order, unnamed containers apart, with the host in the id', () => {
    const c = (name: string, svc: string | undefined, host?: string): DockerContainer => {
      const labels: Record<string, string> = svc ? {'mcp.service.name': ` ${svc} `, 'mcp.service.port': '80'} : {}
      return container({name, id: name.padEnd(64, '0'), labels, ...(host ? {host} : {})})
    }

    const containers = [c('b-2', 'b'), c('Z', 'b'), c('a-1', 'a', 'h1'), c('x', undefined)]
    const view = mergeView(viewInput({containers, hostAddresses: {h1: '192.0.2.1'}}))
    assert.deepEqual(
      view.services.map((s) => [s.name, s.instances.map((i) => i.id)]),
      [
        ['a', ['a-1@h1']],
        ['b', ['Z', 'b-2']],
      ],
    )
    assert.deepEqual(
      view.unnamed.map((i) => i.id),
      ['x'],
    )
    assert.equal(view.unnamed[0]!.service, '')
  })

  test('host networking takes the address of its own daemon', () => {
    const labels = (port: string) => ({'mcp.service.name': 'api', 'mcp.service.port': port})
    const h = container({networkMode: 'host', networks: [], host: 'h1', labels: labels('80')})
    const local = container({
      id: 'd'.repeat(64),
      name: 'local',
      networkMode: 'host',
      networks: [],
      labels: labels('81'),
    })
    const view = mergeView(
      viewInput({
        containers: [h, local],
        hostAddresses: {h1: '192.0.2.1'},
        dockerHostAddress: '127.0.0.1',
      }),
    )
    const shown = view.services[0]!.instances.map((i) => `${i.id} ${i.address?.ip}`)
    assert.deepEqual(shown, ['local 127.0.0.1', 'stack_api.1.abc@h1 192.0.2.1'])
  })

  test('a Consul entry for a container already claimed by etcd keeps the etcd match', () => {
    const c = container({labels: {'mcp.service.name': 'api', 'mcp.service.port': '8080'}})
    const etcd = [etcdRegistration('/services/api/x', {address: '10.1.0.9:8080', containerId: c.id})]
    const consul = consulRegistration('y', '10.1.0.9', 8080)
    const [i] = mergeView(viewInput({containers: [c], etcd, consul: [consul]})).services[0]!.instances
    assert.equal(i!.match, 'containerId')
    assert.equal(i!.consul, consul)
  })

  test('hostAddressesOf: IPs, gateways and /16 prefixes', () => {
    const networks = [
      {name: 'a', ip: '172.18.0.2', gateway: '172.18.0.1'},
      {name: 'b', ip: '', gateway: ''},
    ]
    const known = hostAddressesOf([container({networks})])
    assert.deepEqual([...known.containerIps], ['172.18.0.2'])
    assert.deepEqual([...known.gateways], ['172.18.0.1'])
    assert.deepEqual([...known.networkPrefixes], ['172.18.'])
  })
})
