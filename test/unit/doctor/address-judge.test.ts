import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {DockerContainer} from '../../../src/model/types.js'

import {judgeAddress} from '../../../src/doctor/address-judge.js'
import {type CheckContext, isLoopback} from '../../../src/doctor/check.js'
import {labelKeys} from '../../../src/model/labels.js'
import {containerIdOf, dockerContainer, exposed8080, knownHost, onBridge} from '../../helpers/fixtures.js'

/**
 * Unit data only: the addresses below (a Docker host on 192.0.2.10, TEST-NET-1) are never
 * contacted, they are compared as strings.
 */
/** The n-th container on the bridge, port 8080 exposed, no labels. */
const container = (n: number, over: Partial<DockerContainer> = {}): DockerContainer =>
  dockerContainer({
    id: containerIdOf(n),
    name: `c${n}`,
    image: 'svc:1',
    status: 'Up',
    networks: onBridge(n),
    ports: exposed8080(),
    ...over,
  })

type Known = Pick<CheckContext, 'keys' | 'host'>
const known = (containers: DockerContainer[], dockerHostAddress?: string): Known => ({
  keys: labelKeys('mcp'),
  host: knownHost(containers, dockerHostAddress),
})

const entry = (host: string | undefined, port: number | undefined) => ({
  registry: 'etcd' as const,
  key: 'k',
  host,
  port,
})

describe('judgeAddress: every verdict and the boundary of each', () => {
  test("the Docker host's own (non-loopback) address with a port the host does not publish", () => {
    const d = container(1)
    const v = judgeAddress(entry('192.0.2.10', 8080), d, 8080, known([d], '192.0.2.10'))
    assert.equal(v?.kind, 'host-address')
    assert.equal(v?.detail, "192.0.2.10 is the Docker host's address, and the host publishes no port 8080")
    // Another address than the Docker host's is not the host's.
    assert.equal(judgeAddress(entry('192.0.2.11', 8080), d, 8080, known([d], '192.0.2.10'))?.kind, 'not-its-address')
    // With no Docker host address known, the same entry is none of the container's addresses.
    assert.equal(judgeAddress(entry('192.0.2.10', 8080), d, 8080, known([d]))?.kind, 'not-its-address')
  })

  test("the Docker host's address with a port it does publish for the service port is reachable", () => {
    const d = container(1, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'tcp'}]})
    assert.equal(judgeAddress(entry('192.0.2.10', 32_000), d, 8080, known([d], '192.0.2.10')), undefined)
  })

  test('a bridge gateway names its network', () => {
    const d = container(1)
    const v = judgeAddress(entry('172.17.0.1', 8080), d, 8080, known([d], '192.0.2.10'))
    assert.equal(v?.kind, 'host-address')
    assert.match(v!.detail, /gateway of Docker network bridge/)
  })

  test('published on loopback only: every binding loopback is unreachable from a host address, one on all interfaces is not', () => {
    const loop4 = {privatePort: 8080, publicPort: 32_000, ip: '127.0.0.1', type: 'tcp' as const}
    const loop6 = {privatePort: 8080, publicPort: 32_000, ip: '::1', type: 'tcp' as const}
    const all = {privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'tcp' as const}
    const only = container(1, {ports: [loop4, loop6]})
    const v = judgeAddress(entry('192.0.2.10', 32_000), only, 8080, known([only], '192.0.2.10'))
    assert.equal(v?.kind, 'loopback-only-binding')
    assert.equal(v?.detail, 'port 32000 is published on 127.0.0.1 only: not reachable at 192.0.2.10')
    // One loopback binding beside an all-interfaces one: reachable.
    const mixed = container(1, {ports: [loop4, all]})
    assert.equal(judgeAddress(entry('192.0.2.10', 32_000), mixed, 8080, known([mixed], '192.0.2.10')), undefined)
    const mixedOtherOrder = container(1, {ports: [all, loop4]})
    assert.equal(
      judgeAddress(entry('192.0.2.10', 32_000), mixedOtherOrder, 8080, known([mixedOtherOrder], '192.0.2.10')),
      undefined,
    )
    // A binding with no IP listens everywhere.
    const noIp = container(1, {ports: [loop4, {privatePort: 8080, publicPort: 32_000, type: 'tcp'}]})
    assert.equal(judgeAddress(entry('192.0.2.10', 32_000), noIp, 8080, known([noIp], '192.0.2.10')), undefined)
    // From loopback itself every one of those bindings is reachable.
    assert.equal(judgeAddress(entry('127.0.0.1', 32_000), only, 8080, known([only])), undefined)
    assert.equal(judgeAddress(entry('[::1]', 32_000), only, 8080, known([only])), undefined)
  })

  test('a udp binding of the port is no binding', () => {
    const d = container(1, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'udp'}]})
    assert.equal(judgeAddress(entry('127.0.0.1', 32_000), d, 8080, known([d]))?.kind, 'loopback-unpublished')
  })

  test('loopback-unpublished says whether the service port is published elsewhere', () => {
    const elsewhere = container(1, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'tcp'}]})
    assert.equal(
      judgeAddress(entry('localhost', 8080), elsewhere, 8080, known([elsewhere]))?.detail,
      "nothing publishes port 8080 on this host's loopback (the service port 8080 is published on another port)",
    )
    const none = container(1)
    const detail = (servicePort: number | undefined) =>
      judgeAddress(entry('127.0.0.1', 8080), none, servicePort, known([none]))?.detail
    assert.equal(
      detail(8080),
      "nothing publishes port 8080 on this host's loopback (the service port 8080 is not published)",
    )
    assert.equal(detail(undefined), "nothing publishes port 8080 on this host's loopback")
  })

  test('a published port forwarding elsewhere; another container behind a published port', () => {
    const d = container(1, {ports: [{privatePort: 9000, publicPort: 32_001, ip: '0.0.0.0', type: 'tcp'}]})
    const v = judgeAddress(entry('127.0.0.1', 32_001), d, 8080, known([d]))
    assert.equal(v?.kind, 'published-port-not-service-port')
    assert.equal(v?.detail, 'host port 32001 forwards to container port 9000, not the service port 8080')
    assert.equal(
      judgeAddress(entry('127.0.0.1', 32_001), d, undefined, known([d])),
      undefined,
      'no service port: nothing to compare',
    )
    const other = container(2)
    const pub = container(1, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'tcp'}]})
    assert.equal(judgeAddress(entry('172.17.0.3', 32_000), pub, 8080, known([pub, other]))?.kind, 'another-container')
  })

  test('its own IP: the service port, the network label, IPv6', () => {
    const networks = [
      {name: 'bridge', ip: '172.17.0.2'},
      {name: 'back', ip: '172.20.0.2', ipv6: 'fd00::2'},
    ]
    const d = container(1, {labels: {'mcp.service.network': 'back'}, networks})
    const ctx = known([d])
    assert.equal(judgeAddress(entry('172.20.0.2', 8080), d, 8080, ctx), undefined)
    assert.equal(judgeAddress(entry('[fd00::2]', 8080), d, 8080, ctx), undefined)
    const wrongPort = judgeAddress(entry('172.20.0.2', 8081), d, 8080, ctx)
    assert.deepEqual(wrongPort, {
      kind: 'wrong-port',
      detail: '172.20.0.2 is its IP on back, but the service port is 8080, not 8081',
    })
    assert.equal(judgeAddress(entry('172.20.0.2', 8081), d, undefined, ctx), undefined)
    const other = judgeAddress(entry('172.17.0.2', 8080), d, 8080, ctx)
    assert.equal(other?.kind, 'other-network')
    assert.equal(other?.detail, '172.17.0.2 is its IP on bridge; mcp.service.network=back where its IP is 172.20.0.2')
    const lost = container(1, {labels: {'mcp.service.network': 'gone'}})
    const lostDetail = judgeAddress(entry('172.17.0.2', 8080), lost, 8080, known([lost]))?.detail
    assert.equal(lostDetail, '172.17.0.2 is its IP on bridge; mcp.service.network=gone names a network it is not on')
  })

  test('host networking: the service port on any host address, never another container', () => {
    const h = container(1, {networkMode: 'host', networks: [], ports: []})
    const other = container(2)
    const ctx = known([h, other], '192.0.2.10')
    assert.equal(judgeAddress(entry('192.0.2.10', 8080), h, 8080, ctx), undefined)
    const hostPort = judgeAddress(entry('192.0.2.10', 8081), h, 8080, ctx)
    assert.deepEqual(hostPort, {
      kind: 'wrong-port',
      detail: 'the container uses host networking and listens on 8080, not 8081',
    })
    assert.equal(judgeAddress(entry('192.0.2.10', 8081), h, undefined, ctx), undefined)
    assert.equal(judgeAddress(entry('172.17.0.3', 8080), h, 8080, ctx)?.kind, 'another-container')
  })

  test('no host or no port: no-address, with the value error when there is one', () => {
    const d = container(1)
    const none = {kind: 'no-address', detail: 'the entry holds no host:port'}
    assert.deepEqual(judgeAddress(entry(undefined, 8080), d, 8080, known([d])), none)
    assert.deepEqual(judgeAddress(entry('127.0.0.1', undefined), d, 8080, known([d])), none)
    assert.equal(judgeAddress({...entry('', 1), valueError: 'not JSON'}, d, 8080, known([d]))?.detail, 'not JSON')
  })

  test('the evidence names the other container, the published ports, the IPv6 address', () => {
    const other = container(2)
    const h = container(1, {networkMode: 'host', networks: [], ports: []})
    const onHost = judgeAddress(entry('172.17.0.3', 8080), h, 8080, known([h, other]))?.detail
    assert.equal(onHost, "172.17.0.3 is another container's IP; the container uses host networking")
    const pub = container(1, {ports: [{privatePort: 8080, publicPort: 32_000, ip: '0.0.0.0', type: 'tcp'}]})
    const behindPort = judgeAddress(entry('172.17.0.3', 32_000), pub, 8080, known([pub, other]))?.detail
    assert.equal(behindPort, "172.17.0.3 is another container's IP, not the Docker host's")
    // Another port published, the service port not: "not published".
    const side = container(1, {
      ports: [
        {privatePort: 8080, type: 'tcp'},
        {privatePort: 9000, publicPort: 32_009, ip: '0.0.0.0', type: 'tcp'},
      ],
    })
    const sideDetail = judgeAddress(entry('127.0.0.1', 8080), side, 8080, known([side]))?.detail ?? ''
    assert.match(sideDetail, /the service port 8080 is not published\)$/)
    // The service port published beside an unpublished one: "published on another port".
    const both = container(1, {
      ports: [
        {privatePort: 9000, type: 'tcp'},
        {privatePort: 8080, publicPort: 32_008, ip: '0.0.0.0', type: 'tcp'},
      ],
    })
    assert.match(
      judgeAddress(entry('127.0.0.1', 8080), both, 8080, known([both]))?.detail ?? '',
      /is published on another port\)$/,
    )
    // A network with an IPv6 address is not every address's network.
    const v6 = container(1, {networks: [{name: 'bridge', ip: '172.17.0.2', ipv6: 'fd00::2'}]})
    assert.equal(judgeAddress(entry('172.17.0.9', 8080), v6, 8080, known([v6]))?.kind, 'not-its-address')
  })

  test('isLoopback: all of 127/8, ::1 and localhost; nothing else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.ok(isLoopback(h), h)
    for (const h of ['128.0.0.1', '10.127.0.1', '::', '0.0.0.0', 'localhost.example']) assert.ok(!isLoopback(h), h)
  })
})
