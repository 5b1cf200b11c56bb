import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {runCli, startCli, testEnv} from '../helpers/cli.js'
import {freePort, PrivateEtcd, PrivateEtcdCluster} from '../helpers/daemons.js'
import {requireEtcd} from '../helpers/services.js'

interface View {
  services: {name: string; instances: {id: string}[]}[]
  sources: {name: string; ok: boolean; members?: {endpoint: string; ok: boolean}[]}[]
}

/** discover --json reading etcd alone at these endpoints, each request bounded by `timeout`. */
const discoverEtcd = (endpoints: string, timeout: string, ...extra: string[]) => [
  'discover',
  '--json',
  '--source',
  'etcd',
  '--etcd-endpoints',
  endpoints,
  '--timeout',
  timeout,
  ...extra,
]

describe('mcp discover against a three-member etcd cluster', () => {
  const cluster = new PrivateEtcdCluster()

  before(async () => {
    await requireEtcd()
    await cluster.start(3)
    for (let i = 0; i < 5; i++) await cluster.etcdctl(['put', `/services/api/i${i}`, `10.0.0.${i + 1}:8080`])
  })

  after(() => cluster.destroy())

  const args = (endpoints: string[], ...extra: string[]) => discoverEtcd(endpoints.join(','), '2s', ...extra)

  test('the first endpoint dead: the next one answers; the dead one is named, not fatal', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const r = await runCli(args([dead, ...cluster.endpoints]))
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as View
    assert.equal(view.services[0]!.instances.length, 5)
    assert.deepEqual(
      view.sources[0]!.members!.map((m) => m.ok),
      [false, true, true, true],
    )
    assert.match(
      r.stderr,
      new RegExp(`etcd member ${dead.replaceAll(/[.:/]/g, String.raw`\$&`)} is down \\(connection refused\\)`),
    )
  })

  test('killing the leader during --watch loses no event', {timeout: 90_000}, async () => {
    const {child, out, exited} = startCli(
      [
        'discover',
        '--watch',
        '--json',
        '--source',
        'etcd',
        '--etcd-endpoints',
        cluster.endpoints.join(','),
        '--timeout',
        '2s',
      ],
      testEnv(),
    )
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
        await out.waitFor(
          (l) => l.includes(`"/services/api/after-${i}"`) && l.includes('"put"'),
          45_000,
          `put after-${i}`,
        )
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

describe('mcp discover against an etcd with authentication on', () => {
  const etcd = new PrivateEtcd()
  const password = 'correct-horse-battery'

  before(async () => {
    await requireEtcd()
    await etcd.start()
    await etcd.etcdctl(['put', '/services/api/a1', JSON.stringify({address: '10.0.0.1:8080'})])
    const lease = (await etcd.etcdctl(['lease', 'grant', '300'])).split(' ')[1]!
    await etcd.etcdctl(['put', `--lease=${lease}`, '/services/api/a2', '10.0.0.2:8080'])
    await etcd.etcdctl(['user', 'add', `root:${password}`])
    await etcd.etcdctl(['auth', 'enable'])
  })

  after(() => etcd.destroy())

  const args = (...extra: string[]) => discoverEtcd(etcd.endpoint, '3s', ...extra)

  test('with the right password: the token is used for the range read and the lease lookup', async () => {
    const r = await runCli(args('--etcd-user', `root:${password}`))
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as {
      services: {instances: {id: string; etcd?: {lease: {ttl: number; grantedTtl: number} | null}}[]}[]
    }
    const instances = view.services.flatMap((s) => s.instances)
    assert.deepEqual(instances.map((i) => i.id).sort(), ['a1', 'a2'])
    const leased = instances.find((i) => i.id === 'a2')!
    assert.ok(leased.etcd?.lease && leased.etcd.lease.grantedTtl === 300 && leased.etcd.lease.ttl > 0)
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password))
  })

  test('without credentials, and with a wrong password: the source fails with one line, no secret', async () => {
    for (const extra of [[], ['--etcd-user', 'root:wrong-password']]) {
      const r = await runCli(args(...extra))
      assert.equal(r.code, 5, r.stdout + r.stderr)
      const view = JSON.parse(r.stdout) as {sources: {name: string; ok: boolean; error?: string}[]}
      const source = view.sources.find((s) => s.name === 'etcd')!
      assert.equal(source.ok, false)
      assert.match(source.error ?? '', /user name is empty|authentication failed|invalid user|permission denied/i)
      assert.ok(!r.stdout.includes('wrong-password') && !r.stderr.includes('wrong-password'))
    }
  })
})

describe('mcp discover against an etcd that speaks TLS', () => {
  const etcd = new PrivateEtcd({tls: true})

  before(async () => {
    await requireEtcd()
    await etcd.start()
    const lease = (await etcd.etcdctl(['lease', 'grant', '300'])).split(' ')[1]!
    await etcd.etcdctl(['put', `--lease=${lease}`, '/services/api/t1', '10.0.0.9:8080'])
  })

  after(() => etcd.destroy())

  const args = (...extra: string[]) => discoverEtcd(etcd.endpoint, '3s', ...extra)

  test('with the CA: the range read and the lease lookup over HTTPS (HTTP/2 by ALPN)', async () => {
    const r = await runCli(args('--etcd-cacert', etcd.caFile))
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as {
      services: {instances: {id: string; etcd?: {lease: {grantedTtl: number} | null}}[]}[]
    }
    const [instance] = view.services.flatMap((s) => s.instances)
    assert.equal(instance?.id, 't1')
    assert.equal(instance?.etcd?.lease?.grantedTtl, 300)
  })

  test('without the CA: the certificate is refused, said in one line with what to check', async () => {
    const r = await runCli(args().filter((a) => a !== '--json'))
    assert.equal(r.code, 5, r.stdout + r.stderr)
    assert.match(r.stderr, /etcd .*(unable to verify|self.signed|certificate)/i)
    assert.match(r.stderr, /--etcd-cacert/)
    assert.equal(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('warning:')).length,
      1,
    )
    assert.doesNotMatch(r.stderr, /ERR_HTTP2|\n\s+at /)
  })
})
