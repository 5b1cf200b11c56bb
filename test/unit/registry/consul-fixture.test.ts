import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {readConsulServices} from '../../../src/registry/consul.js'
import {
  ConsulFixtureServer,
  consulHealthEntry,
  ConsulHealthEntry,
  loadConsulFixture,
} from '../../helpers/consul-fixture-server.js'

// The recorded fixture server (test/helpers/consul-fixture-server.ts) read by mcp's Consul source.
describe('Consul source against the recorded fixture server', () => {
  const recorded = loadConsulFixture<ConsulHealthEntry[]>('health-service-redis.json')
  const server = new ConsulFixtureServer({
    token: 'secret-token',
    entries: [
      ...recorded,
      consulHealthEntry({
        service: 'api',
        id: 'api-1',
        address: '10.0.0.7',
        port: 8080,
        meta: {version: '1.2'},
        checks: [{status: 'critical', output: '503'}],
      }),
    ],
  })
  let addr = ''
  before(async () => {
    addr = await server.start()
  })
  after(() => server.stop())

  test('the recorded entry and a built one come back as registrations with their check status', async () => {
    const regs = await readConsulServices({addr, token: 'secret-token'}, 2000)
    const byId = Object.fromEntries(regs.map((r) => [r.id, r]))
    assert.deepEqual(Object.keys(byId).sort(), ['api-1', 'redis'])
    assert.equal(byId.redis!.address, '10.1.10.12')
    assert.equal(byId.redis!.port, 8000)
    assert.equal(byId.redis!.status, 'passing')
    assert.equal(byId['api-1']!.status, 'critical')
    assert.deepEqual(byId['api-1']!.meta, {version: '1.2'})
    // The node's serfHealth check (no ServiceID) counts for every service on the node.
    assert.ok(byId['api-1']!.checks.some((c) => c.name === 'Serf Health Status'))
    assert.ok(server.requests.includes('/v1/catalog/services'))
  })

  test('a wrong token is refused with 403, as Consul does', async () => {
    await assert.rejects(readConsulServices({addr, token: 'nope'}, 2000), (e: {status?: number}) => e.status === 403)
  })

  test('only the services asked for are read', async () => {
    server.requests.length = 0
    const regs = await readConsulServices({addr, token: 'secret-token'}, 2000, ['api'])
    assert.deepEqual(
      regs.map((r) => r.id),
      ['api-1'],
    )
    assert.ok(!server.requests.some((p) => p.endsWith('/redis')))
  })
})
