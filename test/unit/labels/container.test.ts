import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {DockerContainer} from '../../../src/model/types.js'

import {checkContainerLabels, checkLabelSets, containerLabelSet} from '../../../src/labels/index.js'
import {ids} from './helpers.js'

function container(
  name: string,
  labels: Record<string, string>,
  extra: Partial<DockerContainer> = {},
): DockerContainer {
  return {
    id: `${name}-id`,
    name,
    image: 'example/api',
    state: 'running',
    status: 'Up 1 minute',
    health: 'none',
    created: 0,
    labels,
    networkMode: 'shop_back',
    networks: [{name: 'shop_back', ip: '172.18.0.2'}],
    ports: [{privatePort: 8080, type: 'tcp'}],
    ...extra,
  }
}

test('checkContainerLabels: a good container has nothing to say', () => {
  const c = container('api-1', {
    'mcp.service.name': 'api',
    'mcp.service.port': '8080',
    'mcp.health.path': '/h',
    'mcp.service.network': 'shop_back',
    'com.docker.compose.project': 'shop',
    Vendor: 'ACME',
  })
  assert.deepEqual(checkContainerLabels(c), [])
})

test('checkContainerLabels: findings name the container and service; overrides apply', () => {
  const c = container('api-1', {
    'mcp.service.name': 'api',
    'mcp.service.port': '9090',
    'mcp.service.network': 'front',
    'mcp.servcie.weight': '5',
  })
  const findings = checkContainerLabels(c)
  assert.deepEqual(ids(findings).sort(), [
    'health-path-missing',
    'service-network-unknown',
    'service-port-not-exposed',
    'unknown-key',
  ])
  for (const f of findings) {
    assert.deepEqual(f.location, {kind: 'container', container: 'api-1', id: 'api-1-id'})
    assert.equal(f.service, 'api')
    assert.equal(f.instance, 'api-1')
  }

  const tuned = checkContainerLabels(c, {overrides: [{'health-path-missing': 'off'}, {'unknown-key': 'error'}]})
  assert.equal(tuned.find((f) => f.ruleId === 'unknown-key')?.severity, 'error')
  assert.ok(!tuned.some((f) => f.ruleId === 'health-path-missing'))
})

test('checkContainerLabels: no gateway labels, no findings; host networking skips the port check', () => {
  assert.deepEqual(checkContainerLabels(container('db', {Maintainer: 'x'})), [])
  const host = container(
    'api-2',
    {'mcp.service.name': 'api', 'mcp.service.port': '9090', 'mcp.health.path': '/h'},
    {networkMode: 'host', ports: []},
  )
  assert.deepEqual(checkContainerLabels(host), [])
})

test('a custom prefix', () => {
  const c = container('api-1', {'gw.service.name': 'API', 'gw.service.port': '8080', 'gw.health.path': '/h'})
  assert.deepEqual(ids(checkContainerLabels(c, {labelPrefix: 'gw'})), ['service-name-format'])
})

test('two containers of one service that disagree on the port', () => {
  const a = container('api-1', {'mcp.service.name': 'api', 'mcp.service.port': '8080', 'mcp.health.path': '/h'})
  const b = container(
    'api-2',
    {'mcp.service.name': 'api', 'mcp.service.port': '9090', 'mcp.health.path': '/h'},
    {ports: [{privatePort: 9090, type: 'tcp'}]},
  )
  const findings = checkLabelSets([containerLabelSet(a), containerLabelSet(b)])
  assert.deepEqual(ids(findings), ['service-conflict'])
  assert.match(findings[0]!.message, /service api has port 9090 here but 8080 in container api-1/)
})
