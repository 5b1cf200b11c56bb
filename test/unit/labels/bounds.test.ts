import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {DockerContainer} from '../../../src/model/types.js'
import type {Finding} from '../../../src/report/findings/index.js'

import {checkContainerLabels} from '../../../src/labels/index.js'

/** lint-labels on one live container's labels: every rule that judges one label set. */
function lintLabels(labels: Record<string, string>, over: Partial<DockerContainer> = {}): Finding[] {
  const c: DockerContainer = {
    id: 'a'.repeat(64),
    name: 'api-1',
    image: 'img',
    state: 'running',
    status: 'Up',
    health: 'none',
    created: 0,
    labels: {'mcp.service.name': 'api', 'mcp.service.port': '8080', 'mcp.health.path': '/health', ...labels},
    networkMode: 'bridge',
    networks: [{name: 'bridge', ip: '172.17.0.2'}],
    ports: [{privatePort: 8080, type: 'tcp'}],
    ...over,
  }
  return checkContainerLabels(c)
}

const ruleIds = (f: Finding[]) => f.map((x) => x.ruleId)
const only = (rule: string, f: Finding[]) => f.filter((x) => x.ruleId === rule)

describe('label values at their bounds', () => {
  test('service port: 1 and 65535 are ports; 0, 65536, signs and units are not', () => {
    for (const ok of ['1', '65535']) {
      const findings = lintLabels({'mcp.service.port': ok}, {ports: [{privatePort: Number(ok), type: 'tcp'}]})
      assert.deepEqual(only('service-port-invalid', findings), [], ok)
    }

    const msg = (v: string) => only('service-port-invalid', lintLabels({'mcp.service.port': v}))[0]
    assert.equal(msg('0')?.message, 'mcp.service.port "0" is out of range 1-65535')
    assert.equal(msg('65536')?.message, 'mcp.service.port "65536" is out of range 1-65535')
    assert.equal(msg('http')?.message, 'mcp.service.port "http" is not an integer 1-65535')
    assert.equal(msg('+80')?.message, 'mcp.service.port "+80" is not an integer 1-65535')
    assert.equal(msg('8080/tcp')?.hint, 'write the container port alone: 8080')
    assert.equal(msg('8080/UDP')?.hint, 'write the container port alone: 8080')
    assert.equal(msg('127.0.0.1:8080')?.hint, 'write the container port alone: 8080')
    assert.equal(msg('80a')?.hint, 'write the port the service listens on inside the container, e.g. 8080')
    assert.equal(msg('x8080/tcp')?.hint, 'write the port the service listens on inside the container, e.g. 8080')
  })

  test('service weight: 0 and 100 are weights; 101 is out of range', () => {
    assert.deepEqual(only('service-weight-range', lintLabels({'mcp.service.weight': '0'})), [])
    assert.deepEqual(only('service-weight-range', lintLabels({'mcp.service.weight': '100'})), [])
    const [over] = only('service-weight-range', lintLabels({'mcp.service.weight': '101'}))
    assert.equal(over?.message, 'mcp.service.weight "101" is out of range 0-100')
    assert.equal(over?.hint, 'use 0 (no traffic) to 100')
    const [negative] = only('service-weight-range', lintLabels({'mcp.service.weight': '-1'}))
    assert.equal(negative?.message, 'mcp.service.weight "-1" is not an integer 0-100')
    assert.equal(only('service-weight-range', lintLabels({'mcp.service.weight': '5%'})).length, 1)
  })

  test('service name: 63 characters is a DNS label, 64 is not; the hint gives a label close to it', () => {
    const max = 'a' + 'b'.repeat(61) + 'c'
    assert.deepEqual(only('service-name-format', lintLabels({'mcp.service.name': max})), [])
    assert.deepEqual(only('service-name-format', lintLabels({'mcp.service.name': 'a'})), [])
    const [long] = only('service-name-format', lintLabels({'mcp.service.name': max + 'd'}))
    assert.equal(long?.message, `mcp.service.name "${max}d" is not a DNS label (longer than 63 characters)`)
    const [bad] = only('service-name-format', lintLabels({'mcp.service.name': '--User__API--'}))
    assert.equal(bad?.message, 'mcp.service.name "--User__API--" is not a DNS label')
    assert.equal(bad?.hint, 'use lowercase letters, digits and dashes, e.g. user-api')
    const name = (v: string) => only('service-name-format', lintLabels({'mcp.service.name': v}))
    for (const v of ['-api', 'api-', 'a_b', 'API']) assert.equal(name(v).length, 1, v)
    assert.equal(name('__')[0]?.hint, 'use lowercase letters, digits and dashes, e.g. user-api')
  })

  test('a label key in mixed case gets the key it meant as a suggestion', () => {
    const [f] = only('unknown-key', lintLabels({'mcp.Service.Name': 'api'}))
    assert.equal(f?.message, 'unknown label mcp.Service.Name; did you mean mcp.service.name?')
    assert.equal(f?.hint, 'rename it to mcp.service.name')
    assert.equal(f?.evidence?.suggestion, 'mcp.service.name')
    const [far] = only('unknown-key', lintLabels({'mcp.owner': 'team'}))
    assert.equal(far?.message, 'unknown label mcp.owner')
    assert.equal(
      far?.hint,
      'the gateway reads mcp.service.{name,port,version,weight,network} and mcp.health.{path,interval,timeout}',
    )
    assert.equal(far?.evidence?.suggestion, undefined)
  })

  test('health timeout equal to the interval is too long; shorter is fine', () => {
    const [f] = only(
      'health-timeout-too-long',
      lintLabels({'mcp.health.interval': '5s', 'mcp.health.timeout': '5000ms'}),
    )
    assert.equal(f?.message, 'mcp.health.timeout "5000ms" is not shorter than mcp.health.interval "5s"')
    assert.deepEqual(
      only('health-timeout-too-long', lintLabels({'mcp.health.interval': '5s', 'mcp.health.timeout': '4999ms'})),
      [],
    )
    assert.deepEqual(only('health-timeout-too-long', lintLabels({'mcp.health.timeout': '5s'})), [])
    assert.deepEqual(
      only('health-timeout-too-long', lintLabels({'mcp.health.interval': 'soon', 'mcp.health.timeout': '5s'})),
      [],
    )
  })

  test('health durations: zero, no unit, not a duration', () => {
    const f = (v: string) => only('health-interval-format', lintLabels({'mcp.health.interval': v}))[0]
    assert.equal(f('0s')?.message, 'mcp.health.interval "0s" is zero')
    assert.equal(f('5')?.hint, 'add a unit: 5s or 5ms')
    assert.equal(f('1.5')?.hint, 'add a unit: 1.5s or 1.5ms')
    assert.equal(f('soon')?.message, 'mcp.health.interval "soon" is not a duration')
    assert.equal(f('soon')?.hint, 'use a number with a unit: 500ms, 5s, 1m')
    assert.equal(f('1ms'), undefined)
    assert.equal(only('health-timeout-format', lintLabels({'mcp.health.timeout': 'x'})).length, 1)
  })

  test('health path and version', () => {
    const path = (v: string) => only('health-path-invalid', lintLabels({'mcp.health.path': v}))[0]
    assert.equal(path('/ready?full=1'), undefined)
    assert.equal(path('/a%20b'), undefined)
    assert.equal(path('health')?.hint, 'write /health')
    assert.equal(path('http://127.0.0.1:8080/ready')?.hint, 'write only the path: /ready')
    assert.equal(path('http://127.0.0.1:8080')?.hint, 'write only the path: /')
    assert.equal(path('/a b')?.message, 'mcp.health.path "/a b" is not a valid URL path')
    assert.equal(path('/a%zz')?.message, 'mcp.health.path "/a%zz" is not a valid URL path')
    const version = (v: string) => only('service-version-format', lintLabels({'mcp.service.version': v}))[0]
    assert.equal(version('1.4.2'), undefined)
    assert.equal(version('2.0.0-rc.1+build.5'), undefined)
    assert.equal(version('v1.4.2')?.hint, 'drop the leading v: 1.4.2')
    assert.equal(version('1.4')?.hint, 'write MAJOR.MINOR.PATCH, e.g. 1.4.2')
    assert.equal(version('01.4.2')?.message, 'mcp.service.version "01.4.2" is not a semantic version')
  })

  test('an empty value and a clean container', () => {
    assert.deepEqual(ruleIds(lintLabels({})), [])
    const [e] = only('empty-value', lintLabels({'mcp.service.version': ''}))
    assert.equal(e?.message, 'mcp.service.version has an empty value')
    assert.equal(e?.instance, 'api-1')
    assert.equal(e?.service, 'api')
  })
})
