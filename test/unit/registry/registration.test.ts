import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {joinHostPort, splitHostPort} from '../../../src/model/address.js'
import {registrationFromKv} from '../../../src/registry/etcd.js'
import {parseRegistrationValue, parseRegistryKey} from '../../../src/registry/registration.js'
import {hostPortParts} from '../../helpers/fixtures.js'

describe('registry values as agents write them', () => {
  test('plain host:port, IPv6 in brackets, a URL', () => {
    assert.deepEqual(parseRegistrationValue('10.0.0.5:8080'), {
      valueFormat: 'plain',
      host: '10.0.0.5',
      port: 8080,
      address: '10.0.0.5:8080',
    })
    assert.deepEqual(parseRegistrationValue('[::1]:80'), {
      valueFormat: 'plain',
      host: '::1',
      port: 80,
      address: '[::1]:80',
    })
    assert.equal(parseRegistrationValue('http://h:81/x').address, 'h:81')
  })

  test('JSON with address or addr, separate port, metadata fields', () => {
    const v = parseRegistrationValue(
      JSON.stringify({
        addr: '172.18.0.4',
        port: 8080,
        containerId: 'abc',
        version: '1.2.3',
        weight: 50,
        metadata: {health_path: '/ready'},
      }),
    )
    assert.equal(v.valueFormat, 'json')
    assert.equal(v.address, '172.18.0.4:8080')
    assert.equal(v.containerId, 'abc')
    assert.equal(v.version, '1.2.3')
    assert.equal(v.weight, 50)
    assert.equal(v.healthPath, '/ready')
    assert.equal(parseRegistrationValue('{"address":"a:1","metadata":{"version":"2"}}').version, '2')
  })

  test('bad values say why', () => {
    assert.match(parseRegistrationValue('{not json').valueError!, /not valid JSON/)
    assert.match(parseRegistrationValue('[1,2]').valueError!, /neither host:port nor JSON/)
    assert.match(parseRegistrationValue('{"address":"h"}').valueError!, /no port/)
    assert.match(parseRegistrationValue('{}').valueError!, /no address/)
    assert.equal(parseRegistrationValue(':8080').valueFormat, 'invalid')
    assert.equal(parseRegistrationValue('just-a-host').valueFormat, 'invalid')
  })

  test('keys: /services/<service>/<instance>, instance may contain slashes', () => {
    assert.deepEqual(parseRegistryKey('/services/api/i-1', '/services/'), {service: 'api', instance: 'i-1'})
    assert.deepEqual(parseRegistryKey('/services/api/host-a/i-1', '/services/'), {
      service: 'api',
      instance: 'host-a/i-1',
    })
    assert.equal(parseRegistryKey('/services/api', '/services/'), undefined)
    assert.equal(parseRegistryKey('/services/api/', '/services/'), undefined)
    const r = registrationFromKv('/services/api', '1.2.3.4:5', '0', '/services/')
    assert.equal(r.valueFormat, 'invalid')
    assert.equal(r.lease, null)
    assert.deepEqual(registrationFromKv('/services/a/b', 'h:1', '7587', '/services/').lease, {
      id: '7587',
      ttl: -1,
      grantedTtl: -1,
    })
  })

  test('keys: a registration names the service and instance parseRegistryKey reads, for any key', () => {
    const part = fc.stringMatching(/^[a-z/]{0,6}$/)
    fc.assert(
      fc.property(fc.constantFrom('/services/', '/svc/', '/'), part, part, (prefix, a, b) => {
        for (const key of [`${prefix}${a}/${b}`, `${prefix}${a}`, `/other/${a}/${b}`, `${a}/${b}`]) {
          const parsed = parseRegistryKey(key, prefix)
          const reg = registrationFromKv(key, 'h:1', '0', prefix)
          if (parsed) {
            assert.equal(reg.service, parsed.service)
            assert.equal(reg.instance, parsed.instance)
            assert.equal(reg.valueFormat, 'plain')
          } else {
            assert.equal(reg.instance, '')
            assert.equal(reg.valueFormat, 'invalid')
            assert.match(reg.valueError!, /key is not/)
          }
        }
      }),
      {numRuns: 500},
    )
  })

  test('JSON values: white space around them is no error', () => {
    assert.equal(parseRegistrationValue('  {"address":"h:1"}\n').address, 'h:1')
    assert.equal(parseRegistrationValue('{"address":"h:1"}\n').address, 'h:1')
    assert.equal(parseRegistrationValue('{"address":"h:1"} x').valueFormat, 'invalid')
  })

  test('JSON values: the fields read pick what a lookup of each name in the documented order picks', () => {
    // The rule as it reads in the docs: the first of these names that holds a usable value wins.
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined)
    const num = (v: unknown) =>
      typeof v === 'number'
        ? Number.isFinite(v)
          ? v
          : undefined
        : typeof v === 'string' && /^\d{1,15}$/.test(v)
          ? Number(v)
          : undefined
    const expected = (obj: Record<string, unknown>) => {
      const meta =
        obj.metadata && typeof obj.metadata === 'object' && !Array.isArray(obj.metadata)
          ? (obj.metadata as Record<string, unknown>)
          : undefined
      return {
        rawAddress: str(obj.address) ?? str(obj.addr) ?? str(obj.host) ?? str(obj.ip),
        containerId: str(obj.containerId) ?? str(obj.container_id) ?? str(obj.containerID),
        servicePort:
          num(obj.servicePort) ?? num(obj.service_port) ?? num(obj.port) ?? num(meta?.port) ?? num(meta?.servicePort),
        version: str(obj.version) ?? str(meta?.version),
        weight: num(obj.weight) ?? num(meta?.weight),
        healthPath: str(obj.healthPath) ?? str(obj.health_path) ?? str(meta?.healthPath) ?? str(meta?.health_path),
      }
    }

    const names = [
      'address',
      'addr',
      'host',
      'ip',
      'port',
      'containerId',
      'container_id',
      'containerID',
      'servicePort',
      'service_port',
      'version',
      'weight',
      'healthPath',
      'health_path',
      'other',
    ]
    const value = fc.oneof(
      fc.constantFrom('10.0.0.1:80', '10.0.0.2', 'api:8080', '', '8080', '/ready', 'v1'),
      fc.integer({min: -1, max: 70_000}),
      fc.constant(null),
      fc.boolean(),
    )
    const flat = fc.dictionary(fc.constantFrom(...names), value, {maxKeys: 8})
    fc.assert(
      fc.property(flat, fc.option(flat, {nil: undefined}), (obj, metadata) => {
        const doc: Record<string, unknown> = metadata === undefined ? obj : {...obj, metadata}
        const got = parseRegistrationValue(JSON.stringify(doc))
        const want = expected(doc)
        assert.equal(got.valueFormat, 'json')
        assert.equal(got.containerId, want.containerId)
        assert.equal(got.servicePort, want.servicePort)
        assert.equal(got.version, want.version)
        assert.equal(got.weight, want.weight)
        assert.equal(got.healthPath, want.healthPath)
        assert.deepEqual(got.metadata, metadata === undefined ? undefined : {...metadata})
        const split = want.rawAddress ? splitHostPort(want.rawAddress) : undefined
        assert.equal(got.host, split?.host)
        assert.equal(got.port, split?.port ?? num(doc.port))
        assert.equal(got.address, split && got.port !== undefined ? joinHostPort(split.host, got.port) : undefined)
      }),
      {numRuns: 2000},
    )
  })

  test('address: the text as written when it is already host:port, else joined anew (the same either way)', () => {
    fc.assert(
      fc.property(...hostPortParts(), fc.constantFrom('', ' ', '\t'), (host, port, zeros, space) => {
        const h = host.join('')
        const text = `${space}${h}:${zeros}${port}${space}`
        assert.equal(parseRegistrationValue(text).address, `${h}:${port}`)
        assert.equal(parseRegistrationValue(JSON.stringify({address: text})).address, `${h}:${port}`)
        assert.equal(parseRegistrationValue(JSON.stringify({host: h, port})).address, `${h}:${port}`)
      }),
    )
    assert.equal(parseRegistrationValue('[::1]:8080').address, '[::1]:8080')
    assert.equal(parseRegistrationValue(JSON.stringify({address: '::1', port: 80})).address, '[::1]:80')
    assert.equal(parseRegistrationValue('http://api:80/health').address, 'api:80')
  })
})
