import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'
import {ConsulFixtureServer, consulHealthEntry} from '../helpers/consul-fixture-server.js'
import {cleanupDocker, docker, requireDocker, runContainer, uniqueName} from '../helpers/services.js'

interface View {
  services: {
    name: string
    instances: {
      id: string
      docker?: unknown
      consul?: {status: string; id: string; checks: {status: string}[]}
      match?: string
    }[]
  }[]
  sources: {name: string; ok: boolean; error?: string; hint?: string}[]
}

/**
 * Consul through its documented HTTP API. No Consul package exists here: the server is the RECORDED
 * FIXTURE server (test/helpers/consul-fixture-server.ts) replaying Consul's documented responses.
 */
describe('mcp discover with Consul (recorded fixture server)', () => {
  const run = uniqueName('consul')
  const prefix = `c${run.replaceAll(/[^a-z0-9]/g, '').slice(-10)}`
  const token = 'consul-token-for-discover-test'
  let consul: ConsulFixtureServer
  let addr = ''

  before(async () => {
    await requireDocker()
    await runContainer(`${run}-api`, {
      labels: {[`${prefix}.service.name`]: 'api', [`${prefix}.service.port`]: '8080'},
      publish: ['127.0.0.1::8080'],
    })
    const hostPort = Number((await docker(['port', `${run}-api`, '8080/tcp'])).split('\n')[0]!.replace(/.*:/, ''))
    consul = new ConsulFixtureServer({
      token,
      entries: [
        consulHealthEntry({
          service: 'api',
          id: `${run}-api`,
          address: '127.0.0.1',
          port: hostPort,
          checks: [{status: 'passing'}],
        }),
        consulHealthEntry({
          service: 'api',
          id: 'api-old',
          address: '172.30.9.9',
          port: 8080,
          checks: [{status: 'critical', output: 'connection refused'}],
        }),
      ],
    })
    addr = await consul.start()
  })
  after(async () => {
    await consul.stop()
    await cleanupDocker(run)
  })

  test('catalog services and checks beside Docker; etcd not asked when only Consul is configured', async () => {
    const r = await runCli(['discover', '--json', '--label-prefix', prefix], {
      env: testEnv({CONSUL_HTTP_ADDR: addr, CONSUL_HTTP_TOKEN: token, ETCDCTL_ENDPOINTS: undefined}),
    })
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as View
    assert.deepEqual(
      view.sources.map((s) => s.name),
      ['docker', 'consul'],
    )
    const api = view.services.find((s) => s.name === 'api')!
    const live = api.instances.find((i) => i.docker)!
    assert.equal(live.consul?.status, 'passing')
    assert.equal(live.match, 'name')
    const old = api.instances.find((i) => i.id === 'api-old')!
    assert.equal(old.docker, undefined)
    assert.equal(old.consul?.status, 'critical')
    const table = await runCli(
      ['discover', '--label-prefix', prefix, '--source', 'docker,consul', '--consul-addr', addr],
      {env: testEnv({CONSUL_HTTP_TOKEN: token})},
    )
    assert.match(table.stdout, /CONSUL/)
    assert.match(table.stdout, /api-old\s+172\.30\.9\.9:8080 \(registered\)\s+✗ no container\s+critical/)
  })

  test('a refused token: Consul is named with a hint, the token never printed, exit 4', async () => {
    const r = await runCli(
      ['discover', '--label-prefix', prefix, '--source', 'docker,consul', '--consul-addr', addr, '--debug'],
      {env: testEnv({CONSUL_HTTP_TOKEN: 'wrong-token-value-123'})},
    )
    assert.equal(r.code, 4)
    assert.match(r.stderr, /consul .*HTTP 403.*the Consul token was refused: check CONSUL_HTTP_TOKEN/)
    assert.doesNotMatch(r.stdout + r.stderr, /wrong-token-value-123/)
  })
})
