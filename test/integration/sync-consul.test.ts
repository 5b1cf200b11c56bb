import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {exitWithin, runCli, startCli, testEnv} from '../helpers/cli.js'
import {ConsulFixtureServer} from '../helpers/consul-fixture-server.js'
import {cleanupDocker, docker, requireDocker, runContainer, uniqueName} from '../helpers/services.js'

/** `mcp sync --registry consul` against the recorded Consul fixture server (not Consul: no check is run). */
describe('mcp sync --registry consul (recorded Consul fixture server)', () => {
  const base = uniqueName('sync-consul')
  const svc = `${base}-api`
  const name = `${base}-a`
  const fixture = new ConsulFixtureServer({entries: []})
  let addr = ''

  before(async () => {
    await requireDocker()
    addr = await fixture.start()
    await runContainer(name, {
      labels: {'mcp.service.name': svc, 'mcp.service.port': '8080', 'mcp.service.version': '1.0'},
      publish: ['127.0.0.1::8080'],
      extra: ['--health-cmd', 'true', '--health-interval', '1s', '--stop-timeout', '1'],
    })
    const deadline = Date.now() + 20_000
    while (
      !(await docker(['ps', '--filter', `name=${name}`, '--format', '{{.Status}}'])).includes('(healthy)') &&
      Date.now() < deadline
    )
      await sleep(200)
  })

  /** sync --json of this test's service into the fixture server, as owner mcpt-consul. */
  const syncArgs = (...extra: string[]) => [
    'sync',
    ...extra,
    '--json',
    '--registry',
    'consul',
    '--consul-addr',
    addr,
    '--service',
    svc,
    '--owner',
    'mcpt-consul',
  ]

  after(async () => {
    await fixture.stop()
    await cleanupDocker(base)
  })

  test(
    'one-shot: registered through the agent API with an HTTP check and DeregisterCriticalServiceAfter; doctor agrees',
    {timeout: 60_000},
    async () => {
      const args = syncArgs()
      const r = await runCli(args, {env: testEnv()})
      assert.equal(r.code, 0, r.stderr)
      assert.deepEqual(
        JSON.parse(r.stdout).actions.map((a: {kind: string; key: string; status: string}) => [a.kind, a.key, a.status]),
        [['add', name, 'done']],
      )
      const reg = fixture.registrations.at(-1) as {
        ID: string
        Name: string
        Address: string
        Port: number
        Meta: Record<string, string>
        Check: Record<string, string>
      }
      const port = (await docker(['port', name, '8080'])).split('\n')[0]!.split(':').at(-1)
      assert.equal(reg.ID, name)
      assert.equal(reg.Name, svc)
      assert.equal(`${reg.Address}:${reg.Port}`, `127.0.0.1:${port}`)
      assert.equal(reg.Check.HTTP, `http://127.0.0.1:${port}/health`)
      assert.equal(reg.Check.DeregisterCriticalServiceAfter, '1m')
      assert.equal(reg.Meta.registeredBy, 'mcpt-consul')
      assert.equal(reg.Meta.version, '1.0')

      const again = await runCli(args, {env: testEnv()})
      assert.deepEqual(JSON.parse(again.stdout).actions, [], 'read back from /v1/agent/services: nothing to do')

      const doctor = await runCli(
        [
          'doctor',
          '--json',
          '--source',
          'docker,consul',
          '--consul-addr',
          addr,
          '--service',
          svc,
          '--grace',
          '0s',
          '--no-probe',
          '--only',
          'UNREGISTERED,STALE_REGISTRATION,WRONG_ADDRESS,LABEL_DRIFT,CONSUL_CRITICAL',
        ],
        {env: testEnv()},
      )
      assert.deepEqual(JSON.parse(doctor.stdout).findings, [], doctor.stdout)
    },
  )

  test('--watch: deregistered on stop (SIGTERM)', {timeout: 60_000}, async () => {
    const agent = startCli(syncArgs('--watch'), testEnv())
    try {
      await agent.out.waitFor((l) => l.includes('"event":"resync"'), 20_000, 'first resync')
    } finally {
      agent.child.kill('SIGTERM')
    }

    assert.equal(await exitWithin(agent.child, agent.exited, 10_000), 0)
    assert.ok(fixture.deregistrations.includes(name), 'deregistered on stop')
    const left = await (await fetch(`${addr}/v1/agent/services`)).json()
    assert.deepEqual(left, {})
  })
})
