import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {killLeftovers, runCli, RunningCli, startCli, stopCli, testEnv} from '../helpers/cli.js'
import {
  cleanupDocker,
  docker,
  etcdctl,
  requireDocker,
  requireEtcd,
  runContainer,
  uniqueName,
} from '../helpers/services.js'

/** Keys under a prefix, from etcdctl (not from mcp: the test must not trust what it tests). */
async function keys(prefix: string): Promise<string[]> {
  const out = await etcdctl(['get', '--prefix', prefix, '--keys-only'])
  return out.split('\n').filter(Boolean).sort()
}

async function waitUntil(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now()
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start
    await sleep(100)
  }

  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}

/** A labelled busybox httpd on a 127.0.0.1-published port, ready when /tmp/ready exists (or always). */
function serviceContainer(
  name: string,
  service: string,
  options: {health?: 'always' | 'file' | 'never'; labels?: Record<string, string>} = {},
) {
  const health = options.health ?? 'always'
  const cmd = health === 'always' ? 'true' : health === 'never' ? 'false' : '/bin/busybox test -f /tmp/ready'
  return runContainer(name, {
    labels: {'mcp.service.name': service, 'mcp.service.port': '8080', ...options.labels},
    publish: ['127.0.0.1::8080'],
    extra: ['--health-cmd', cmd, '--health-interval', '1s', '--health-retries', '1', '--stop-timeout', '1'],
  })
}

function startAgent(prefix: string, service: string, extra: string[] = []): RunningCli {
  return startCli(
    [
      'sync',
      '--watch',
      '--json',
      '--registry-prefix',
      prefix,
      '--service',
      service,
      '--ttl',
      '3s',
      '--owner',
      'mcpt-agent',
      '--resync',
      '5s',
      ...extra,
    ],
    testEnv(),
  )
}

const events = (agent: RunningCli, event: string) =>
  agent.out.lines.filter((l) => l.startsWith('{') && JSON.parse(l).event === event).map((l) => JSON.parse(l))

describe('mcp sync (real dockerd and etcd)', () => {
  const base = uniqueName('sync')
  const agents: RunningCli[] = []

  before(async () => {
    await requireDocker()
    await requireEtcd()
  })

  after(async () => {
    killLeftovers(agents)
    await cleanupDocker(base)
    await etcdctl(['del', '--prefix', `/${base}`]).catch(() => undefined)
  })

  test(
    'one-shot: --dry-run plans and writes nothing; a run writes what doctor accepts; invalid and unhealthy are skipped',
    {timeout: 120_000},
    async () => {
      const prefix = `/${base}-once/`
      const svc = `${base}-once`
      await serviceContainer(`${base}-once-ok`, svc)
      await serviceContainer(`${base}-once-sick`, svc, {health: 'never'})
      await runContainer(`${base}-once-bad`, {labels: {'mcp.service.name': svc, 'mcp.service.port': 'http'}})
      await waitUntil('health checks to settle', 20_000, async () =>
        (await docker(['ps', '--filter', `name=${base}-once`, '--format', '{{.Status}}']))
          .split('\n')
          .every((s) => !s.includes('starting')),
      )

      const plan = await runCli([
        'sync',
        '--dry-run',
        '--json',
        '--registry-prefix',
        prefix,
        '--service',
        svc,
        '--owner',
        'mcpt-agent',
      ])
      assert.equal(plan.code, 0, plan.stderr)
      const report = JSON.parse(plan.stdout)
      assert.deepEqual(
        report.actions.map((a: {kind: string; key: string; status: string}) => [a.kind, a.key, a.status]),
        [['add', `${prefix}${svc}/${base}-once-ok`, 'planned']],
      )
      assert.deepEqual(report.skipped.map((s: {container: string; reason: string}) => [s.container, s.reason]).sort(), [
        [`${base}-once-bad`, 'invalid-labels'],
        [`${base}-once-sick`, 'not-ready'],
      ])
      assert.deepEqual(await keys(prefix), [], '--dry-run wrote nothing')

      const human = await runCli([
        'sync',
        '--dry-run',
        '--registry-prefix',
        prefix,
        '--service',
        svc,
        '--owner',
        'mcpt-agent',
      ])
      assert.match(human.stdout, /\+ add +\/.*-once-ok +127\.0\.0\.1:\d+/)
      assert.match(human.stdout, /Plan: 1 to add, 0 to change, 0 to remove; 0 unchanged\./)

      const run = await runCli([
        'sync',
        '--json',
        '--registry-prefix',
        prefix,
        '--service',
        svc,
        '--owner',
        'mcpt-agent',
      ])
      assert.equal(run.code, 0, run.stderr)
      assert.equal(JSON.parse(run.stdout).actions[0].status, 'done')
      assert.deepEqual(await keys(prefix), [`${prefix}${svc}/${base}-once-ok`])
      const value = JSON.parse(await etcdctl(['get', `${prefix}${svc}/${base}-once-ok`, '--print-value-only']))
      assert.equal(value.registeredBy, 'mcpt-agent')
      assert.match(value.address, /^127\.0\.0\.1:\d+$/)

      const doctor = await runCli([
        'doctor',
        '--json',
        '--registry-prefix',
        prefix,
        '--service',
        svc,
        '--grace',
        '0s',
        '--only',
        'STALE_REGISTRATION,WRONG_ADDRESS,LABEL_DRIFT,NOT_READY',
      ])
      assert.deepEqual(JSON.parse(doctor.stdout).findings, [], doctor.stdout)

      const again = await runCli([
        'sync',
        '--json',
        '--registry-prefix',
        prefix,
        '--service',
        svc,
        '--owner',
        'mcpt-agent',
      ])
      assert.deepEqual(JSON.parse(again.stdout).actions, [], 'a second run has nothing to do')
    },
  )

  test(
    '--watch: a failing health check is never registered; one that turns unhealthy is removed; ready again, put back',
    {timeout: 120_000},
    async () => {
      const prefix = `/${base}-health/`
      const svc = `${base}-health`
      const agent = startAgent(prefix, svc)
      agents.push(agent)
      try {
        await agent.out.waitFor((l) => l.includes('"start"'), 20_000, 'agent start')
        const never = `${base}-health-never`
        const flip = `${base}-health-flip`
        await serviceContainer(never, svc, {health: 'never'})
        await serviceContainer(flip, svc, {health: 'file'})
        await sleep(3000)
        assert.deepEqual(await keys(prefix), [], 'nothing ready yet: nothing registered')
        await docker(['exec', flip, '/bin/busybox', 'touch', '/tmp/ready'])
        await waitUntil('flip registered', 15_000, async () => (await keys(prefix)).length === 1)
        assert.deepEqual(await keys(prefix), [`${prefix}${svc}/${flip}`])
        await docker(['exec', flip, '/bin/busybox', 'rm', '/tmp/ready'])
        await waitUntil('flip removed once unhealthy', 15_000, async () => (await keys(prefix)).length === 0)
        // The agent logs an action once its write is answered: the key can be gone before the line is read.
        await agent.out.waitFor((l) => l.includes('"remove"') && l.includes(flip), 10_000, 'the removal logged')
        const removal = events(agent, 'remove').find((e) => e.key.endsWith(flip))
        assert.match(removal.reason, /not ready: health: unhealthy/)
        await docker(['exec', flip, '/bin/busybox', 'touch', '/tmp/ready'])
        await waitUntil('flip put back', 15_000, async () => (await keys(prefix)).length === 1)
        assert.ok(
          !agent.out.lines.some((l) => l.includes('"add"') && l.includes(never)),
          'the never-healthy container was never added',
        )
      } finally {
        await stopCli(agent)
      }
    },
  )

  test(
    '--watch --ready http: registered once the health path answers 2xx (through the 127.0.0.1 port); removed after --unhealthy-threshold failures',
    {timeout: 120_000},
    async () => {
      const prefix = `/${base}-http/`
      const svc = `${base}-http`
      const name = `${base}-http-a`
      // No HEALTHCHECK: readiness is the health path, GET through the 127.0.0.1-published port.
      await runContainer(name, {
        labels: {'mcp.service.name': svc, 'mcp.service.port': '8080'},
        publish: ['127.0.0.1::8080'],
        extra: ['--stop-timeout', '1'],
      })
      await docker(['exec', name, '/bin/busybox', 'mv', '/www/health', '/www/health.off'])
      const agent = startAgent(prefix, svc, ['--ready', 'http', '--check-interval', '1s', '--unhealthy-threshold', '2'])
      agents.push(agent)
      try {
        await agent.out.waitFor((l) => l.includes('"skip"') && /→ 404/.test(l), 20_000, 'not ready: 404')
        assert.deepEqual(await keys(prefix), [])
        await docker(['exec', name, '/bin/busybox', 'mv', '/www/health.off', '/www/health'])
        await waitUntil('registered once /health answers', 15_000, async () => (await keys(prefix)).length === 1)
        const seen = agent.out.lines.length
        await docker(['exec', name, '/bin/busybox', 'mv', '/www/health', '/www/health.off'])
        await waitUntil('the first failed check', 15_000, async () =>
          agent.out.lines.slice(seen).some((l) => l.includes('"skip"') && l.includes('check 1 of 2')),
        )
        assert.equal((await keys(prefix)).length, 1, 'still registered after one failed check')
        await waitUntil('removed after the second failure', 15_000, async () => (await keys(prefix)).length === 0)
        // As above: the key can be gone before the agent's line about it is read.
        await agent.out.waitFor((l) => l.includes('"remove"') && l.includes(name), 10_000, 'the removal logged')
        assert.match(events(agent, 'remove')[0].reason, /not ready: GET http:\/\/127\.0\.0\.1:\d+\/health → 404/)
      } finally {
        await stopCli(agent)
      }
    },
  )

  test(
    '--watch: SIGTERM revokes the lease (entries gone at once); kill -9 lets them expire within the TTL; /metrics',
    {timeout: 120_000},
    async () => {
      const prefix = `/${base}-lease/`
      const svc = `${base}-lease`
      await serviceContainer(`${base}-lease-a`, svc)
      await serviceContainer(`${base}-lease-b`, svc)
      const {freePort} = await import('../helpers/daemons.js')
      const port = await freePort()
      const first = startAgent(prefix, svc, ['--listen', `127.0.0.1:${port}`])
      agents.push(first)
      await waitUntil('both registered', 30_000, async () => (await keys(prefix)).length === 2)
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      assert.match(metrics, /^mcp_sync_registrations 2$/m)
      assert.match(metrics, /^mcp_sync_actions_total\{kind="add"\} 2$/m)
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200)
      const lease = await etcdctl(['get', '--prefix', prefix, '-w', 'json'])
      assert.equal(
        new Set((JSON.parse(lease).kvs as {lease: number}[]).map((kv) => kv.lease)).size,
        1,
        'all entries on one lease',
      )
      const code = await stopCli(first)
      assert.equal(code, 0)
      assert.deepEqual(await keys(prefix), [], 'SIGTERM: gone at once')

      const second = startAgent(prefix, svc)
      agents.push(second)
      await waitUntil('registered again', 30_000, async () => (await keys(prefix)).length === 2)
      second.child.kill('SIGKILL')
      await second.exited
      const gone = await waitUntil('entries expired', 10_000, async () => (await keys(prefix)).length === 0)
      assert.ok(gone <= 3000 + 1500, `gone within the 3 s TTL (took ${gone} ms)`)
    },
  )

  test("--watch: another owner's entries are never touched without --prune-foreign", {timeout: 120_000}, async () => {
    const prefix = `/${base}-foreign/`
    const svc = `${base}-foreign`
    const ok = `${base}-foreign-ok`
    await serviceContainer(ok, svc)
    const stale = `${prefix}${svc}/elsewhere`
    const taken = `${prefix}${svc}/${ok}`
    await etcdctl(['put', stale, JSON.stringify({address: '127.0.0.1:1', registeredBy: 'host-b'})])
    await etcdctl(['put', taken, JSON.stringify({address: '127.0.0.1:2', registeredBy: 'host-b'})])
    const agent = startAgent(prefix, svc)
    agents.push(agent)
    try {
      await agent.out.waitFor(
        (l) => l.includes('"foreign"') && l.includes('elsewhere'),
        20_000,
        'the stale foreign entry reported',
      )
      await agent.out.waitFor(
        (l) => l.includes('"foreign"') && l.includes(taken),
        20_000,
        'the conflicting foreign entry reported',
      )
      await sleep(6000) // past a resync
      assert.deepEqual(JSON.parse(await etcdctl(['get', stale, '--print-value-only'])).registeredBy, 'host-b')
      assert.deepEqual(JSON.parse(await etcdctl(['get', taken, '--print-value-only'])).address, '127.0.0.1:2')
    } finally {
      await stopCli(agent)
    }

    assert.deepEqual(await keys(prefix), [stale, taken].sort(), "SIGTERM revoked only the agent's own lease")
    const pruned = await runCli([
      'sync',
      '--json',
      '--prune-foreign',
      '--registry-prefix',
      prefix,
      '--service',
      svc,
      '--owner',
      'mcpt-agent',
    ])
    assert.deepEqual(
      JSON.parse(pruned.stdout).actions.map((a: {kind: string; key: string}) => [a.kind, a.key]),
      [['remove', stale]],
    )
    assert.deepEqual(await keys(prefix), [taken])
  })
})
