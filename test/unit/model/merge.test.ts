import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {chooseAddress, loopbackProbeTarget} from '../../../src/model/address.js'
import {mergeView} from '../../../src/model/merge.js'
import {apiLabels, consulRegistration, containerSequence, etcdRegistration, viewInput} from '../../helpers/fixtures.js'

/** c1, c2, …: instances of service api on port 8080, nothing published. */
const container = containerSequence(() => ({labels: apiLabels()}))

describe('choosing the address a gateway would use', () => {
  test('network label > published port > only network > ambiguous', () => {
    const two = container({
      networks: [
        {name: 'front', ip: '10.1.0.2'},
        {name: 'back', ip: '10.2.0.2'},
      ],
    })
    assert.equal(chooseAddress(two, 8080, 'back').address?.ip, '10.2.0.2')
    assert.equal(chooseAddress(two, 8080, 'back').reason, 'network-label')
    assert.equal(chooseAddress(two, 8080, 'nope').reason, 'network-label-unknown')
    assert.equal(chooseAddress(two, 8080, undefined).reason, 'ambiguous')
    const pub = container({
      ports: [
        {privatePort: 8080, publicPort: 32_768, ip: '::', type: 'tcp'},
        {privatePort: 8080, publicPort: 32_768, ip: '0.0.0.0', type: 'tcp'},
      ],
    })
    const choice = chooseAddress(pub, 8080, undefined)
    assert.equal(choice.reason, 'published')
    assert.deepEqual(
      choice.address,
      {kind: 'published', ip: '0.0.0.0', port: 32_768, containerPort: 8080},
      'IPv4 binding preferred, 0.0.0.0 shown as such',
    )
    assert.equal(chooseAddress(container(), 8080, undefined).reason, 'only-network')
    assert.equal(chooseAddress(container({networkMode: 'host', networks: []}), 9000, undefined).address?.kind, 'host')
    assert.equal(chooseAddress(container(), undefined, undefined).reason, 'no-port')
    assert.equal(chooseAddress(container({state: 'exited'}), 8080, undefined).reason, 'not-running')
  })

  test('probing only ever targets loopback', () => {
    assert.deepEqual(loopbackProbeTarget([{kind: 'published', ip: '0.0.0.0', port: 1}]), {host: '127.0.0.1', port: 1})
    assert.deepEqual(loopbackProbeTarget([{kind: 'published', ip: '::', port: 2}]), {host: '[::1]', port: 2})
    assert.equal(loopbackProbeTarget([{kind: 'network', ip: '172.17.0.2', port: 8080}]), undefined)
    assert.equal(loopbackProbeTarget([{kind: 'published', ip: '192.168.1.4', port: 80}]), undefined)
  })
})

describe('merging Docker and registry entries into instances', () => {
  test('matched by containerId, name, address; unmatched on both sides stay visible', () => {
    const a = container()
    const b = container()
    const c = container()
    const view = mergeView(
      viewInput({
        containers: [a, b, c],
        etcd: [
          etcdRegistration('/services/api/x1', {address: '127.0.0.1:1', containerId: a.id.slice(0, 12)}),
          etcdRegistration('/services/api/' + b.name, '10.9.9.9:8080'),
          etcdRegistration('/services/api/x3', `${c.networks[0]!.ip}:8080`),
          etcdRegistration('/services/api/gone', {address: '172.17.0.99:8080', containerId: 'f'.repeat(64)}),
        ],
      }),
    )
    const api = view.services[0]!
    const by = (id: string) => api.instances.find((i) => i.id === id)!
    assert.equal(by(a.name).match, 'containerId')
    assert.equal(by(b.name).match, 'name')
    assert.equal(by(c.name).match, 'address')
    assert.equal(by('gone').docker, undefined)
    assert.equal(api.instances.length, 4)
  })

  test("an address that looks like another container's never matches by port alone", () => {
    const a = container()
    const view = mergeView(
      viewInput({
        containers: [a],
        etcd: [etcdRegistration('/services/api/old', '172.17.0.250:8080')],
      }),
    )
    assert.equal(view.services[0]!.instances.length, 2, 'stale entry is not glued onto the running container')
    const hostAddr = mergeView(
      viewInput({
        containers: [container()],
        etcd: [etcdRegistration('/services/api/h', '172.17.0.1:8080')],
      }),
    )
    assert.equal(hostAddr.services[0]!.instances.length, 1, 'the bridge gateway (host) address matches by service port')
    assert.equal(hostAddr.services[0]!.instances[0]!.match, 'service-port')
  })

  test('--service filter and unnamed containers', () => {
    const view = mergeView(
      viewInput({
        containers: [
          container(),
          container({labels: {'mcp.service.name': 'other', 'mcp.service.port': '1'}}),
          container({labels: {'mcp.service.port': '1'}}),
        ],
        etcd: [etcdRegistration('/services/other/z', 'h:1')],
        services: ['api'],
      }),
    )
    assert.deepEqual(
      view.services.map((s) => s.name),
      ['api'],
    )
    assert.equal(view.unnamed.length, 1)
  })

  test('Consul entries join the same instances', () => {
    const a = container({ports: [{privatePort: 8080, publicPort: 30_001, ip: '0.0.0.0', type: 'tcp'}]})
    const view = mergeView(
      viewInput({
        containers: [a],
        consul: [
          consulRegistration('api-1', '10.0.0.5', 30_001, {status: 'critical'}),
          consulRegistration('api-2', '172.17.0.77', 8080),
        ],
      }),
    )
    const list = view.services[0]!.instances
    assert.equal(list.find((i) => i.docker)?.consul?.id, 'api-1')
    assert.equal(list.find((i) => !i.docker)?.consul?.id, 'api-2')
  })
})
