import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {runCli, startCli, testEnv} from '../helpers/cli.js'
import {freePort, PrivateEtcdCluster} from '../helpers/daemons.js'
import {requireEtcd} from '../helpers/services.js'

interface View {
  services: {name: string; instances: {id: string}[]}[]
  sources: {name: string; ok: boolean; members?: {endpoint: string; ok: boolean}[]}[]
}

describe('mcp discover against a three-member etcd cluster', () => {
  const cluster = new PrivateEtcdCluster()

  before(async () => {
    await requireEtcd()
    await cluster.start(3)
    for (let i = 0; i < 5; i++) await cluster.etcdctl(['put', `/services/api/i${i}`, `10.0.0.${i + 1}:8080`])
  })

  after(() => cluster.destroy())

  const args = (endpoints: string[], ...extra: string[]) => ['discover', '--json', '--source', 'etcd', '--etcd-endpoints', endpoints.join(','), '--timeout', '2s', ...extra]

  test('the first endpoint dead: the next one answers; the dead one is named, not fatal', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const r = await runCli(args([dead, ...cluster.endpoints]))
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as View
    assert.equal(view.services[0]!.instances.length, 5)
    assert.deepEqual(view.sources[0]!.members!.map((m) => m.ok), [false, true, true, true])
    assert.match(r.stderr, new RegExp(`etcd member ${dead.replace(/[.:/]/g, '\\$&')} is down \\(connection refused\\)`))
  })

  test('killing the leader during --watch loses no event', {timeout: 90_000}, async () => {
    const {child, out, err, exited} = startCli(['discover', '--watch', '--json', '--source', 'etcd', '--etcd-endpoints', cluster.endpoints.join(','), '--timeout', '2s'], testEnv())
    try {
      await out.waitFor((l) => l.includes('"snapshot"'), 20_000, 'snapshot')
      const leader = await cluster.leader()
      await cluster.kill(leader)
      const live = cluster.endpoints.filter((_, i) => i !== leader)
      // Written while the watch may still be moving to another member: none may be lost.
      for (let i = 0; i < 10; i++) {
        // Until a new leader is elected a write may time out: retry it, as an agent would.
        for (let attempt = 0; ; attempt++) {
          try {
            await cluster.etcdctl(['put', `/services/api/after-${i}`, `10.1.0.${i + 1}:8080`], live)
            break
          } catch (error) {
            if (attempt >= 20) throw error
            await new Promise((r) => setTimeout(r, 500))
          }
        }
      }
      for (let i = 0; i < 10; i++) {
        await out.waitFor((l) => l.includes(`"/services/api/after-${i}"`) && l.includes('"put"'), 45_000, `put after-${i}`)
      }
      const view = JSON.parse((await runCli(args(cluster.endpoints))).stdout) as View
      assert.equal(view.services[0]!.instances.length, 15)
      assert.equal(view.sources[0]!.members!.filter((m) => !m.ok).length, 1)
    } finally {
      child.kill('SIGINT')
    }
    assert.equal(await exited, 0)
  })
})
