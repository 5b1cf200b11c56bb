import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {DockerContainer, Instance} from '../../../src/model/types.js'

import {chooseAddress} from '../../../src/model/address.js'
import {labelKeys} from '../../../src/model/labels.js'
import {hostAddressesOf, matchContainer, mergeView} from '../../../src/model/merge.js'
import {
  apiLabels,
  consulRegistration,
  dockerContainer,
  etcdRegistration,
  onBridge,
  viewInput,
} from '../../helpers/fixtures.js'

/** api-1, api-2, …: instances of service api on port 8080 on the bridge, nothing published. */
const container = (n: number, over: Partial<DockerContainer> = {}): DockerContainer =>
  dockerContainer({
    id: String.fromCodePoint(96 + n).repeat(64),
    name: `api-${n}`,
    status: 'Up',
    labels: apiLabels(),
    networks: onBridge(n),
    ...over,
  })

/** An instance as mergeView builds it from a container. */
function instanceOf(c: DockerContainer): Instance {
  const choice = chooseAddress(c, 8080, undefined)
  const {addresses, address, reason: addressReason} = choice
  return {id: c.name, service: 'api', docker: c, addresses, address, addressReason, port: 8080, healthPath: '/health'}
}

const entry = (instance: string, host: string | undefined, port: number | undefined, containerId?: string) => ({
  service: 'api',
  instance,
  host,
  port,
  ...(containerId ? {containerId} : {}),
})

describe('matchContainer: an entry goes to the right container or to none', () => {
  test('two containers publish the same port on different host IPs: the entry goes to the one at its IP', () => {
    const a = container(1, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '127.0.0.2', type: 'tcp'}]})
    const b = container(2, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '127.0.0.3', type: 'tcp'}]})
    const [ia, ib] = [instanceOf(a), instanceOf(b)]
    const hit = matchContainer(entry('x', '127.0.0.3', 32_000), [ia, ib], hostAddressesOf([a, b]))
    assert.equal(hit?.instance, ib)
    assert.equal(hit?.match, 'address')
    assert.equal(matchContainer(entry('x', '127.0.0.2', 32_000), [ia, ib], hostAddressesOf([a, b]))?.instance, ia)
  })

  test('two containers publish the same port on all interfaces (two daemons): a loopback entry is ambiguous, claimed by none', () => {
    const a = container(1, {host: 'one', ports: [{privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'tcp'}]})
    const b = container(2, {host: 'two', ports: [{privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'tcp'}]})
    const known = hostAddressesOf([a, b])
    assert.equal(matchContainer(entry('x', '127.0.0.1', 32_000), [instanceOf(a), instanceOf(b)], known), undefined)
    // With only one of them, the published port ties it.
    assert.equal(matchContainer(entry('x', '127.0.0.1', 32_000), [instanceOf(a)], known)?.match, 'published-port')
  })

  test('a stale entry at a container IP is not claimed by IP alone: the port must match too', () => {
    const a = container(1)
    const stale = entry('old', '172.17.0.2', 9000)
    assert.equal(matchContainer(stale, [instanceOf(a)], hostAddressesOf([a])), undefined)
    assert.equal(
      matchContainer(entry('old', '172.17.0.2', 8080), [instanceOf(a)], hostAddressesOf([a]))?.match,
      'address',
    )
  })

  test('an entry at an IP inside a container network (a removed container) is not claimed by the service port', () => {
    const a = container(1)
    const known = hostAddressesOf([a])
    assert.equal(matchContainer(entry('gone', '172.17.0.99', 8080), [instanceOf(a)], known), undefined)
    // Nor at another running container's IP (of another service): that entry is that container's, or stale.
    const other = container(2, {labels: {'mcp.service.name': 'web', 'mcp.service.port': '8080'}})
    assert.equal(
      matchContainer(entry('web-1', '172.17.0.3', 8080), [instanceOf(a)], hostAddressesOf([a, other])),
      undefined,
    )
    // The Docker host's side (loopback, a gateway, an address outside every container network) may be.
    for (const host of ['127.0.0.1', 'localhost', '::1', '0.0.0.0', '172.17.0.1', '192.0.2.10']) {
      assert.equal(matchContainer(entry('h', host, 8080), [instanceOf(a)], known)?.match, 'service-port', host)
    }

    const unknownHost = matchContainer(entry('h', '172.17.0.99', 8080), [instanceOf(a)])
    assert.equal(unknownHost?.match, 'service-port', 'nothing known: any host may be the host')
    assert.equal(matchContainer(entry('h', undefined, 8080), [instanceOf(a)], known), undefined)
  })

  test('an entry whose containerId matches nothing is stale, whatever its address', () => {
    const a = container(1)
    assert.equal(
      matchContainer(entry('x', '127.0.0.1', 8080, 'f'.repeat(64)), [instanceOf(a)], hostAddressesOf([a])),
      undefined,
    )
    assert.equal(
      matchContainer(entry('x', '127.0.0.1', 8080, a.id.slice(0, 12).toUpperCase()), [instanceOf(a)])?.match,
      'containerId',
    )
    // Fewer than 12 characters of an id are not an id.
    assert.equal(matchContainer(entry('x', '127.0.0.1', 1, a.id.slice(0, 11)), [instanceOf(a)]), undefined)
  })

  test('the service port ties only when one container has it', () => {
    const a = container(1)
    const b = container(2)
    assert.equal(
      matchContainer(entry('h', '127.0.0.1', 8080), [instanceOf(a), instanceOf(b)], hostAddressesOf([a, b])),
      undefined,
    )
    assert.equal(matchContainer(entry('h', '127.0.0.1', 8081), [instanceOf(a)], hostAddressesOf([a])), undefined)
  })

  test('by name: the container name or an id prefix given as the instance', () => {
    const a = container(1)
    const b = container(2)
    assert.equal(matchContainer(entry('api-2', '10.9.9.9', 1), [instanceOf(a), instanceOf(b)])?.instance.docker, b)
    assert.equal(matchContainer(entry(b.id.slice(0, 12), '10.9.9.9', 1), [instanceOf(a), instanceOf(b)])?.match, 'name')
    const registryOnly: Instance = {id: 'api-1', service: 'api', addresses: [], healthPath: '/health'}
    assert.equal(
      matchContainer(entry('api-1', '127.0.0.1', 8080), [registryOnly]),
      undefined,
      'only running instances are candidates',
    )
  })
})

describe('mergeView: registrations claim containers', () => {
  test('the label keys under a prefix; the health path label, else /health', () => {
    assert.deepEqual(labelKeys('gw'), {
      serviceName: 'gw.service.name',
      servicePort: 'gw.service.port',
      serviceVersion: 'gw.service.version',
      serviceWeight: 'gw.service.weight',
      serviceNetwork: 'gw.service.network',
      healthPath: 'gw.health.path',
      healthInterval: 'gw.health.interval',
      healthTimeout: 'gw.health.timeout',
    })
    const labels = {'mcp.service.name': 'api', 'mcp.service.port': '8080'}
    const view = mergeView(
      viewInput({
        containers: [
          container(1, {labels: {...labels, 'mcp.health.path': '/ready'}}),
          container(2, {labels: {...labels, 'mcp.health.path': ''}}),
        ],
      }),
    )
    assert.deepEqual(
      view.services[0]!.instances.map((i) => i.healthPath),
      ['/ready', '/health'],
    )
  })

  test('two registrations for one container: the first claims it, the second stays its own instance', () => {
    const a = container(1)
    const view = mergeView(
      viewInput({
        containers: [a],
        etcd: [
          etcdRegistration('/services/api/r1', '172.17.0.2:8080'),
          etcdRegistration('/services/api/r2', '172.17.0.2:8080'),
        ],
      }),
    )
    const ids = view.services[0]!.instances.map((i) => [i.id, i.etcd?.key, i.match])
    assert.deepEqual(ids, [
      ['api-1', '/services/api/r1', 'address'],
      ['r2', '/services/api/r2', undefined],
    ])
  })

  test('etcd and Consul both registering one unmatched instance become one instance; --service filters', () => {
    const consul = consulRegistration('w1', '10.9.9.9', 80, {service: 'web'})
    const etcd = [etcdRegistration('/services/web/w1', '10.9.9.9:80')]
    const view = mergeView(
      viewInput({
        containers: [container(1)],
        etcd,
        consul: [consul],
        services: ['web'],
      }),
    )
    assert.deepEqual(
      view.services.map((s) => s.name),
      ['web'],
    )
    const [only, ...rest] = view.services[0]!.instances
    assert.equal(rest.length, 0)
    assert.equal(only!.consul, consul)
    assert.deepEqual(only!.address, {kind: 'registered', ip: '10.9.9.9', port: 80})
  })

  test('ports 1 and 65535 are ports; 0 and 65536 are not', () => {
    const view = mergeView(
      viewInput({
        containers: [
          container(1, {labels: {'mcp.service.name': 'p', 'mcp.service.port': '1'}}),
          container(2, {labels: {'mcp.service.name': 'p', 'mcp.service.port': '65535'}}),
          container(3, {labels: {'mcp.service.name': 'p', 'mcp.service.port': '0'}}),
          container(4, {labels: {'mcp.service.name': 'p', 'mcp.service.port': '65536'}}),
          container(5, {labels: {'mcp.service.name': 'p', 'mcp.service.port': ' 80 '}}),
        ],
      }),
    )
    assert.deepEqual(
      view.services[0]!.instances.map((i) => i.port),
      [1, 65_535, undefined, undefined, 80],
    )
  })
})
