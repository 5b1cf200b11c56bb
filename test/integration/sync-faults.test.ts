import assert from 'node:assert/strict'
import {before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {exitWithin, startCli, testEnv} from '../helpers/cli.js'
import {usePrivateDaemons} from '../helpers/daemons.js'
import {requireEtcd} from '../helpers/services.js'
import {record} from '../reliability/record.js'

/**
 * The agent against a private dockerd and a private etcd that the test kills and restarts (never
 * the shared ones): after each restart, a resync leaves nothing lost and nothing stale.
 */
describe('mcp sync --watch survives dockerd and etcd restarts', () => {
  const {dockerd, etcd, sourceFlags} = usePrivateDaemons()
  before(requireEtcd)

  test(
    'dockerd SIGKILL and restart, etcd SIGKILL and restart: nothing lost, nothing stale',
    {timeout: 240_000},
    async () => {
      const keys = async () =>
        (await etcd.etcdctl(['get', '--prefix', '/services/', '--keys-only'])).split('\n').filter(Boolean).sort()
      const waitKeys = async (want: string[], ms: number, what: string) => {
        const deadline = Date.now() + ms
        let have: string[] = []
        while (Date.now() < deadline) {
          have = await keys().catch(() => have)
          if (JSON.stringify(have) === JSON.stringify([...want].sort())) return
          await sleep(200)
        }

        assert.deepEqual(have, [...want].sort(), `${what} (after ${ms} ms)`)
      }

      // Host networking (the private daemon has no bridge); readiness from Docker's health check.
      const run = (name: string, restart = 'no') => dockerd.runApiContainer(name, 18_080, {healthy: true, restart})
      await run('keeper', 'always')
      await run('short-lived')
      const agent = startCli(
        ['sync', '--watch', '--json', ...sourceFlags(), '--ttl', '5s', '--resync', '3s', '--owner', 'mcpt-faults'],
        testEnv(),
      )
      try {
        await waitKeys(['/services/api/keeper', '/services/api/short-lived'], 30_000, 'both registered')

        // dockerd crashes; on its restart it stops short-lived and restarts keeper before the agent is back.
        await dockerd.stop('SIGKILL')
        await agent.out.waitFor((l) => l.includes('"event":"error"'), 20_000, 'the agent notices')
        await dockerd.start()
        await agent.out.waitFor(
          (l) => l.includes('"trigger":"Docker reconnected"') || l.includes('"recovered"'),
          60_000,
          'the agent reconnects and resyncs',
        )
        await waitKeys(
          ['/services/api/keeper'],
          30_000,
          'after the dockerd restart: keeper registered, short-lived gone',
        )
        const keeper = JSON.parse(await etcd.etcdctl(['get', '/services/api/keeper', '--print-value-only']))
        assert.equal(keeper.containerId, (await dockerd.docker(['inspect', '-f', '{{.Id}}', 'keeper'])).trim())

        // etcd killed and restarted on its data; a container started meanwhile is registered once it is back.
        const errorsBefore = agent.out.lines.filter((l) => l.includes('"event":"error"')).length
        await etcd.kill()
        await run('during-outage')
        const deadline = Date.now() + 20_000
        while (
          agent.out.lines.filter((l) => l.includes('"event":"error"')).length === errorsBefore &&
          Date.now() < deadline
        )
          await sleep(100)
        assert.ok(
          agent.out.lines.filter((l) => l.includes('"event":"error"')).length > errorsBefore,
          'the agent notices etcd is gone',
        )
        await sleep(1000)
        await etcd.start()
        await waitKeys(
          ['/services/api/keeper', '/services/api/during-outage'],
          60_000,
          'after the etcd restart: nothing lost, the new one registered',
        )
        // Everything on one live lease of this agent.
        const kvs = JSON.parse(await etcd.etcdctl(['get', '--prefix', '/services/', '-w', 'json'])).kvs as {
          lease?: number
        }[]
        assert.equal(new Set(kvs.map((kv) => kv.lease)).size, 1)
        assert.ok(kvs[0]!.lease, 'on a lease')

        // An outage longer than twice the TTL: the agent counts its lease lost, and once etcd is back
        // it grants a new one and writes every entry again onto it.
        await etcd.kill()
        await sleep(12_000)
        await etcd.start()
        await agent.out.waitFor((l) => l.includes('"event":"lease"'), 30_000, 'the lost lease said')
        await waitKeys(['/services/api/keeper', '/services/api/during-outage'], 60_000, 'after the long outage')
        const until = Date.now() + 30_000
        let leases: (number | undefined)[] = []
        while (Date.now() < until) {
          leases = (
            JSON.parse(await etcd.etcdctl(['get', '--prefix', '/services/', '-w', 'json'])).kvs as {lease?: number}[]
          ).map((kv) => kv.lease)
          if (leases.length === 2 && new Set(leases).size === 1 && leases[0] !== kvs[0]!.lease) break
          await sleep(300)
        }

        assert.ok(
          leases.length === 2 && new Set(leases).size === 1 && leases[0] !== kvs[0]!.lease,
          `both on one new lease (${leases.join(', ')})`,
        )
      } finally {
        agent.child.kill('SIGTERM')
      }

      const code = await exitWithin(agent.child, agent.exited, 15_000)
      await waitKeys([], 5000, 'SIGTERM revoked the lease')
      record({
        area: 'fault',
        command: 'mcp sync --watch',
        case: 'dockerd SIGKILLed and restarted; etcd SIGKILLed and restarted, once for longer than 2 × the lease TTL',
        expected: 'reconnects with backoff, resyncs: nothing lost, nothing stale; SIGTERM revokes',
        result: `keeper re-registered with its container, the dead one removed, the one started during the etcd outage registered; a new lease after the long outage${code === 'killed' ? '; did not exit within 15 s of SIGTERM' : ''}`,
        exitCode: code === 'killed' ? null : code,
        ms: 0,
        pass: code === 0,
      })
      assert.equal(code, 0)
    },
  )
})
