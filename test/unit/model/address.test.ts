import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {SwarmService, SwarmTask} from '../../../src/model/types.js'

import {
  addressText,
  chooseAddress,
  chooseSwarmAddress,
  joinHostPort,
  loopbackProbeTarget,
  splitHostPort,
} from '../../../src/model/address.js'
import {dockerContainer, hostPortParts, swarmService, swarmTask} from '../../helpers/fixtures.js'

describe('chooseAddress: the order of preference, each step pinned', () => {
  const twoNets = [
    {name: 'front', ip: '10.1.0.2'},
    {name: 'back', ip: '10.2.0.2'},
  ]
  const published = [{privatePort: 8080, publicPort: 32_768, ip: '0.0.0.0', type: 'tcp' as const}]

  test('the network label wins over a published binding of the service port', () => {
    const c = dockerContainer({networks: twoNets, ports: published})
    const choice = chooseAddress(c, 8080, 'back')
    assert.equal(choice.reason, 'network-label')
    assert.deepEqual(choice.address, {kind: 'network', ip: '10.2.0.2', port: 8080, network: 'back'})
    // The addresses list every way in, the published one included.
    assert.deepEqual(
      choice.addresses.map((a) => a.kind),
      ['network', 'network', 'published'],
    )
  })

  test('a label naming a network the container is not on: no address, even with a published port', () => {
    const choice = chooseAddress(dockerContainer({networks: twoNets, ports: published}), 8080, 'nope')
    assert.equal(choice.reason, 'network-label-unknown')
    assert.equal(choice.address, undefined)
  })

  test('without a label a published binding wins over the only network, and only one of the service port over tcp', () => {
    const c = dockerContainer({
      ports: [
        {privatePort: 9000, publicPort: 32_001, ip: '0.0.0.0', type: 'tcp'},
        {privatePort: 8080, publicPort: 32_002, ip: '0.0.0.0', type: 'udp'},
        {privatePort: 8080, type: 'tcp'},
        {privatePort: 8080, publicPort: 32_003, type: 'tcp'},
      ],
    })
    const choice = chooseAddress(c, 8080, undefined)
    assert.equal(choice.reason, 'published')
    assert.deepEqual(
      choice.address,
      {kind: 'published', ip: '0.0.0.0', port: 32_003, containerPort: 8080},
      'no ip: all interfaces',
    )
    assert.equal(choice.addresses.length, 2)
  })

  test('an IPv6-only binding is used when there is no IPv4 one', () => {
    const c = dockerContainer({ports: [{privatePort: 8080, publicPort: 32_768, ip: '::', type: 'tcp'}]})
    assert.deepEqual(chooseAddress(c, 8080, undefined).address, {
      kind: 'published',
      ip: '::',
      port: 32_768,
      containerPort: 8080,
    })
  })

  test('several networks and no label: ambiguous, shown with the first network by name', () => {
    const networks = [
      {name: 'zeta', ip: '10.9.0.2'},
      {name: 'alpha', ip: '10.8.0.2'},
      {name: 'mid', ip: '10.7.0.2'},
    ]
    const choice = chooseAddress(dockerContainer({networks}), 8080, undefined)
    assert.equal(choice.reason, 'ambiguous')
    assert.equal(choice.address?.network, 'alpha')
  })

  test('a network without an IP is no address; none left is no-address', () => {
    const choice = chooseAddress(dockerContainer({networks: [{name: 'none', ip: ''}]}), 8080, undefined)
    assert.deepEqual(choice, {addresses: [], reason: 'no-address'})
    const oneWithIp = dockerContainer({
      networks: [
        {name: 'a', ip: ''},
        {name: 'b', ip: '10.0.0.2'},
      ],
    })
    assert.equal(chooseAddress(oneWithIp, 8080, undefined).reason, 'only-network')
  })

  test('host networking: the Docker host address with the service port, before any network', () => {
    const c = dockerContainer({networkMode: 'host', networks: []})
    const host = {kind: 'host', ip: '192.0.2.10', port: 9000} as const
    assert.deepEqual(chooseAddress(c, 9000, undefined, '192.0.2.10'), {
      addresses: [host],
      address: host,
      reason: 'host-network',
    })
    assert.equal(chooseAddress(c, 9000, undefined).address?.ip, '127.0.0.1', 'the local daemon by default')
  })

  test('no port label: network IPs with port 0, reason no-port; a stopped container is not-running first', () => {
    const bridge = {kind: 'network', ip: '172.17.0.2', port: 0, network: 'bridge'} as const
    assert.deepEqual(chooseAddress(dockerContainer(), undefined, undefined), {addresses: [bridge], reason: 'no-port'})
    assert.deepEqual(
      chooseAddress(dockerContainer({networks: [{name: 'x', ip: ''}]}), undefined, undefined).addresses,
      [],
    )
    const stopped = chooseAddress(dockerContainer({state: 'exited', ports: published}), undefined, 'back')
    assert.equal(stopped.reason, 'not-running')
    assert.equal(stopped.address, undefined)
    assert.equal(chooseAddress(dockerContainer({state: 'exited'}), 8080, undefined).address, undefined)
  })
})

describe('chooseSwarmAddress', () => {
  const svc = (over: Partial<SwarmService> = {}): SwarmService =>
    swarmService({
      name: 'api',
      labels: {},
      vips: [
        {network: 'ingress', ip: '10.0.0.5'},
        {network: 'app', ip: '10.1.0.5'},
      ],
      ...over,
    })
  const task = (over: Partial<SwarmTask> = {}): SwarmTask =>
    swarmTask('t1', {
      networks: [
        {name: 'ingress', ip: '10.0.0.9'},
        {name: 'app', ip: '10.1.0.9'},
      ],
      ...over,
    })

  test('a published port wins without a label; a label picks the VIP on that network', () => {
    const port = (targetPort: number, publishedPort: number, protocol: string) => ({
      targetPort,
      publishedPort,
      protocol,
      publishMode: 'ingress',
    })
    const s = svc({ports: [port(8080, 30_080, 'tcp'), port(8080, 30_081, 'udp'), port(9000, 30_090, 'tcp')]})
    const plain = chooseSwarmAddress(s, task(), 8080, undefined)
    assert.equal(plain.reason, 'published')
    assert.deepEqual(plain.address, {kind: 'published', ip: '0.0.0.0', port: 30_080, containerPort: 8080})
    const listed = plain.addresses.map((a) => `${a.kind}:${a.ip}:${a.port}`)
    assert.deepEqual(
      listed,
      ['published:0.0.0.0:30080', 'vip:10.1.0.5:8080', 'network:10.1.0.9:8080'],
      'nothing on ingress',
    )
    const labelled = chooseSwarmAddress(s, task(), 8080, 'app')
    assert.equal(labelled.reason, 'swarm-vip')
    assert.equal(labelled.address?.ip, '10.1.0.5')
  })

  test('dnsrr: the task IP; a label naming no network: no address; not running: not-running', () => {
    assert.equal(
      chooseSwarmAddress(svc({endpointMode: 'dnsrr', vips: []}), task(), 8080, undefined).address?.ip,
      '10.1.0.9',
    )
    assert.equal(chooseSwarmAddress(svc({endpointMode: 'dnsrr', vips: []}), task(), 8080, undefined).reason, 'task-ip')
    assert.deepEqual(chooseSwarmAddress(svc(), task(), 8080, 'other').reason, 'network-label-unknown')
    assert.equal(chooseSwarmAddress(svc(), task({state: 'failed'}), 8080, undefined).reason, 'not-running')
    assert.equal(chooseSwarmAddress(svc(), task({state: 'failed'}), 8080, undefined).address, undefined)
  })

  test('two VIPs, no label: ambiguous with the first; none: the published port, else no address', () => {
    const two = svc({
      vips: [
        {network: 'a', ip: '10.2.0.5'},
        {network: 'b', ip: '10.3.0.5'},
      ],
    })
    const amb = chooseSwarmAddress(two, task({networks: []}), 8080, undefined)
    assert.equal(amb.reason, 'ambiguous')
    assert.equal(amb.address?.ip, '10.2.0.5')
    assert.equal(chooseSwarmAddress(svc({vips: []}), task({networks: []}), 8080, undefined).reason, 'no-address')
    const pub = svc({
      vips: [],
      ports: [{targetPort: 8080, publishedPort: 30_080, protocol: 'tcp', publishMode: 'ingress'}],
    })
    assert.equal(chooseSwarmAddress(pub, task({networks: []}), 8080, 'gone').reason, 'network-label-unknown')
  })

  test('VIP mode without a VIP and two task networks: no address, not ambiguous', () => {
    const two = task({
      networks: [
        {name: 'a', ip: '10.2.0.9'},
        {name: 'b', ip: '10.3.0.9'},
      ],
    })
    assert.equal(chooseSwarmAddress(svc({vips: []}), two, 8080, undefined).reason, 'no-address')
  })

  test('no port: the task IPs with port 0', () => {
    const networks = [
      {name: 'app', ip: '10.1.0.9'},
      {name: 'x', ip: ''},
    ]
    assert.deepEqual(chooseSwarmAddress(svc(), task({networks}), undefined, undefined), {
      addresses: [{kind: 'network', ip: '10.1.0.9', port: 0, network: 'app'}],
      reason: 'no-port',
    })
  })
})

describe('addressText and loopbackProbeTarget', () => {
  test('IPv6 in brackets; none is a dash', () => {
    assert.equal(addressText({kind: 'published', ip: '::', port: 1}), '[::]:1')
    assert.equal(addressText({kind: 'network', ip: '172.17.0.2', port: 65_535}), '172.17.0.2:65535')
    assert.equal(addressText(undefined), '-')
  })
  test('loopback and all-interfaces bindings, host networking on the local daemon only', () => {
    assert.deepEqual(loopbackProbeTarget([{kind: 'published', ip: '127.0.0.1', port: 3}]), {host: '127.0.0.1', port: 3})
    assert.deepEqual(loopbackProbeTarget([{kind: 'published', ip: '::1', port: 4}]), {host: '[::1]', port: 4})
    assert.deepEqual(loopbackProbeTarget([{kind: 'host', ip: '127.0.0.1', port: 5}]), {host: '127.0.0.1', port: 5})
    assert.equal(loopbackProbeTarget([{kind: 'host', ip: '192.0.2.10', port: 5}]), undefined)
    assert.equal(loopbackProbeTarget([{kind: 'registered', ip: '127.0.0.1', port: 5}]), undefined)
    const both = loopbackProbeTarget([
      {kind: 'network', ip: '172.17.0.2', port: 8080},
      {kind: 'published', ip: '0.0.0.0', port: 6},
    ])
    assert.deepEqual(both, {host: '127.0.0.1', port: 6}, 'the first usable one')
  })
})

describe('host:port text', () => {
  test('joinHostPort brackets IPv6 hosts once', () => {
    assert.equal(joinHostPort('10.0.0.1', 80), '10.0.0.1:80')
    assert.equal(joinHostPort('fe80::1', 80), '[fe80::1]:80')
    assert.equal(joinHostPort('[fe80::1]', 80), '[fe80::1]:80')
  })

  test('splitHostPort', () => {
    assert.deepEqual(splitHostPort('fe80::1'), {host: 'fe80::1'})
    assert.deepEqual(splitHostPort('[fe80::1]'), {host: 'fe80::1', port: undefined})
    assert.deepEqual(splitHostPort(' 10.0.0.1:80 '), {host: '10.0.0.1', port: 80})
    assert.equal(splitHostPort('10.0.0.1:8o'), undefined)
    assert.deepEqual(splitHostPort('http://api:8080/health'), {host: 'api', port: 8080})
  })

  test('splitHostPort: the fast path for host:port agrees with the general one', () => {
    fc.assert(
      fc.property(...hostPortParts(), (host, port, zeros) => {
        const h = host.join('')
        assert.deepEqual(splitHostPort(`${h}:${zeros}${port}`), {host: h, port})
        // With a scheme or surrounding spaces the general path answers the same.
        assert.deepEqual(splitHostPort(`http://${h}:${zeros}${port}/x`), {host: h, port})
        assert.deepEqual(splitHostPort(`  ${h}:${zeros}${port}\t`), {host: h, port})
      }),
    )
  })

  test('splitHostPort answers as the regular expressions it replaced (issue 18), on any mix of its delimiters', () => {
    // The implementation before issue 18's speed pass, kept as the reference for what each text means.
    const reference = (text: string): {host: string; port?: number} | undefined => {
      let s = text.trim()
      const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(s)
      if (scheme) s = s.slice(scheme[0].length).replace(/\/[^]*$/, '')
      const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s)
      if (v6) return {host: v6[1]!, port: v6[2] ? Number(v6[2]) : undefined}
      const parts = s.split(':')
      if (parts.length === 2 && /^\d+$/.test(parts[1]!))
        return parts[0] ? {host: parts[0], port: Number(parts[1])} : undefined
      if (parts.length === 1 && parts[0]) return {host: parts[0]}
      if (parts.length > 2) return {host: s}
      return undefined
    }

    const pieces = ['a', 'Z', '1', '0', ':', '::', '[', ']', '/', '//', '.', '-', '+', ' ', '\t', '٣', 'é']
    const piece = fc.constantFrom(...pieces, 'http://', 'x-1.y+z://', '1a://', '://')
    fc.assert(
      fc.property(fc.array(piece, {maxLength: 12}), (pieces) => {
        const text = pieces.join('')
        assert.deepEqual(splitHostPort(text), reference(text), JSON.stringify(text))
      }),
      {numRuns: 5000},
    )
  })
})
