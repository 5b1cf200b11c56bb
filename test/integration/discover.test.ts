import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'
import {freePort} from '../helpers/daemons.js'
import {
  cleanupDocker,
  docker,
  etcdctl,
  requireDocker,
  requireEtcd,
  runContainer,
  TEST_ETCD,
  uniqueName,
} from '../helpers/services.js'

interface JsonInstance {
  id: string
  addressReason?: string
  address?: {kind: string; ip: string; port: number; network?: string}
  addresses: {kind: string; ip: string; port: number}[]
  docker?: {state: string; name: string; networkMode: string}
  etcd?: {key: string; lease: {ttl: number; grantedTtl: number} | null; address?: string}
  match?: string
  probe?: {probed: boolean; ok?: boolean; status?: number; reason?: string}
}
interface JsonView {
  services: {name: string; instances: JsonInstance[]}[]
  sources: {name: string; ok: boolean; count: number; error?: string}[]
}

describe('mcp discover on the real engine and etcd', () => {
  const run = uniqueName('disc')
  // A label prefix and registry prefix of this test's own: other tests and the demo stay out of view.
  const prefix = `t${run.replaceAll(/[^a-z0-9]/g, '').slice(-10)}`
  const registry = `/${run}/`
  const L = (k: string) => `${prefix}.${k}`
  let hostPort = 0
  const args = (...extra: string[]) => [
    'discover',
    '--json',
    '--label-prefix',
    prefix,
    '--registry-prefix',
    registry,
    '--etcd-endpoints',
    TEST_ETCD,
    ...extra,
  ]

  before(async () => {
    await requireDocker()
    await requireEtcd()
    hostPort = await freePort()
    await docker(['network', 'create', `${run}-back`])
    await Promise.all([
      runContainer(`${run}-published`, {
        labels: {[L('service.name')]: 'web', [L('service.port')]: '8080'},
        publish: ['127.0.0.1::8080'],
      }),
      runContainer(`${run}-host`, {
        labels: {[L('service.name')]: 'hostnet', [L('service.port')]: String(hostPort)},
        network: 'host',
        cmd: ['busybox', 'httpd', '-f', '-p', `127.0.0.1:${hostPort}`, '-h', '/www'],
      }),
      runContainer(`${run}-twonets`, {labels: {[L('service.name')]: 'twonets', [L('service.port')]: '8080'}}),
      runContainer(`${run}-labelled`, {
        labels: {[L('service.name')]: 'picked', [L('service.port')]: '8080', [L('service.network')]: `${run}-back`},
      }),
      runContainer(`${run}-noport`, {labels: {[L('service.name')]: 'noport'}}),
      runContainer(`${run}-unlabeled`, {}),
    ])
    await docker(['network', 'connect', `${run}-back`, `${run}-twonets`])
    await docker(['network', 'connect', `${run}-back`, `${run}-labelled`])
    const published = (await docker(['port', `${run}-published`, '8080/tcp'])).split('\n')[0]!.replace(/.*:/, '')
    const id = await docker(['inspect', '-f', '{{.Id}}', `${run}-published`])
    const lease = (await etcdctl(['lease', 'grant', '120'])).split(' ')[1]!
    await etcdctl([
      'put',
      `--lease=${lease}`,
      `${registry}web/${run}-published`,
      JSON.stringify({address: `127.0.0.1:${published}`, containerId: id, version: '1.0.0'}),
    ])
    await etcdctl(['put', `${registry}hostnet/h1`, `127.0.0.1:${hostPort}`])
    await etcdctl([
      'put',
      `${registry}web/gone-1`,
      JSON.stringify({address: '172.31.99.99:8080', containerId: 'f'.repeat(64)}),
    ])
  })

  after(async () => {
    await cleanupDocker(run)
    await etcdctl(['del', '--prefix', registry]).catch(() => undefined)
  })

  test('JSON: every container and registration, the address a gateway would use, and why', async () => {
    const r = await runCli(args())
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as JsonView
    assert.deepEqual(
      view.sources.map((s) => [s.name, s.ok]),
      [
        ['docker', true],
        ['etcd', true],
      ],
    )
    const svc = (name: string) => view.services.find((s) => s.name === name)!
    assert.deepEqual(
      view.services.map((s) => s.name),
      ['hostnet', 'noport', 'picked', 'twonets', 'web'],
    )

    const web = svc('web')
    const running = web.instances.find((i) => i.id === `${run}-published`)!
    assert.equal(running.addressReason, 'published')
    assert.equal(running.address?.ip, '127.0.0.1')
    assert.equal(running.match, 'containerId')
    assert.ok(running.etcd?.lease && running.etcd.lease.ttl > 0 && running.etcd.lease.grantedTtl === 120)
    const stale = web.instances.find((i) => i.id === 'gone-1')!
    assert.equal(stale.docker, undefined, 'a registration whose container is gone stays its own instance')
    assert.equal(stale.address?.ip, '172.31.99.99')

    const host = svc('hostnet').instances[0]!
    assert.equal(host.addressReason, 'host-network')
    assert.equal(host.docker?.networkMode, 'host')
    assert.equal(host.etcd?.lease, null, 'no lease is reported as null')

    assert.equal(svc('twonets').instances[0]!.addressReason, 'ambiguous')
    const picked = svc('picked').instances[0]!
    assert.equal(picked.addressReason, 'network-label')
    assert.equal(picked.address?.network, `${run}-back`)
    assert.equal(svc('noport').instances[0]!.addressReason, 'no-port')
  })

  test('a view larger than a pipe holds (64 KiB) arrives whole through a pipe, and leases are read', async () => {
    // 1,500 registrations under a prefix of their own (outside the other tests' view), in
    // transactions of 100 (etcd3, as an agent writes).
    const big = `/${run}-big/`
    const {Etcd3} = await import('etcd3')
    const client = new Etcd3({hosts: TEST_ETCD})
    try {
      const lease = client.lease(300, {autoKeepAlive: false})
      const leaseId = await lease.grant()
      for (let start = 0; start < 1500; start += 100) {
        const ops = Array.from({length: 100}, (_, k) =>
          client
            .put(`${big}svc${(start + k) % 7}/inst-${start + k}`)
            .value(JSON.stringify({address: `10.9.${(start + k) >> 8}.${(start + k) & 255}:8080`}))
            .lease(leaseId),
        )
        await client
          .if(`${big}__never__`, 'Version', '==', 0)
          .then(...ops)
          .commit()
      }
    } finally {
      client.close()
    }

    const r = await runCli([
      'discover',
      '--json',
      '--source',
      'etcd',
      '--etcd-endpoints',
      TEST_ETCD,
      '--registry-prefix',
      big,
    ]).finally(() => etcdctl(['del', '--prefix', big]))
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stdout.length > 200_000, `expected a large document, got ${r.stdout.length} bytes`)
    const view = JSON.parse(r.stdout) as JsonView
    const instances = view.services.flatMap((s) => s.instances)
    assert.equal(instances.length, 1500)
    assert.ok(
      instances.every(
        (i) => i.etcd?.lease && i.etcd.lease.grantedTtl === 300 && i.etcd.lease.ttl > 0 && i.etcd.lease.ttl <= 300,
      ),
    )
  })

  test('table: side by side, with what is missing marked', async () => {
    const r = await runCli(args().filter((a) => a !== '--json'))
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /SERVICE\s+INSTANCE\s+ADDRESS \(why\)\s+DOCKER\s+ETCD/)
    assert.match(r.stdout, new RegExp(`${run}-twonets\\s+\\S+ \\(AMBIGUOUS`))
    assert.match(r.stdout, /gone-1\s+172\.31\.99\.99:8080 \(registered\)\s+✗ no container/)
    assert.match(r.stdout, new RegExp(`${run}-noport\\s+- \\(no port label\\)\\s+running\\s+✗ not registered`))
    assert.match(r.stdout, /ttl (1m\d+s|2m)\/2m/)
    assert.match(r.stdout, /5 services, 6 instances · ✓ docker 5 in \d+ms · ✓ etcd 3 in \d+ms/)
  })

  test('--probe GETs health paths through loopback only', async () => {
    const r = await runCli(args('--probe'))
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as JsonView
    const inst = (name: string) => view.services.find((s) => s.name === name)!.instances.find((i) => i.docker)!
    assert.deepEqual(
      {probed: inst('web').probe?.probed, ok: inst('web').probe?.ok, status: inst('web').probe?.status},
      {probed: true, ok: true, status: 200},
    )
    assert.equal(inst('hostnet').probe?.ok, true)
    assert.equal(inst('twonets').probe?.probed, false)
    assert.match(inst('twonets').probe?.reason ?? '', /no loopback-published port/)
  })

  test('--service and --source narrow the view', async () => {
    const r = await runCli(args('--service', 'web', '--source', 'docker'))
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as JsonView
    assert.deepEqual(
      view.services.map((s) => s.name),
      ['web'],
    )
    assert.deepEqual(
      view.sources.map((s) => s.name),
      ['docker'],
    )
    assert.equal(view.services[0]!.instances.length, 1)
  })

  test('--all includes stopped containers', async () => {
    const name = `${run}-stopped`
    await runContainer(name, {labels: {[L('service.name')]: 'stopped', [L('service.port')]: '8080'}})
    await docker(['stop', '-t', '0', name])
    const without = JSON.parse((await runCli(args())).stdout) as JsonView
    assert.ok(!without.services.some((s) => s.name === 'stopped'))
    const withAll = JSON.parse((await runCli(args('--all'))).stdout) as JsonView
    const inst = withAll.services.find((s) => s.name === 'stopped')!.instances[0]!
    assert.equal(inst.docker?.state, 'exited')
    assert.equal(inst.addressReason, 'not-running')
  })

  test('etcd unreachable: a one-line warning with a hint, the Docker half still shown, exit 4', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const r = await runCli(['discover', '--label-prefix', prefix, '--etcd-endpoints', dead, '--timeout', '1s'])
    assert.equal(r.code, 4)
    assert.match(
      r.stderr,
      new RegExp(
        `warning: etcd \\(${dead.replaceAll(/[.:/]/g, String.raw`\$&`)}\\): .*connection refused.* — is etcd running at`,
      ),
    )
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stdout, /✓ docker 5 .* ✗ etcd unreachable/)
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace')
    // Not "✗ not registered": nobody answered, so the truth is unknown, and the table says so.
    assert.match(
      r.stdout,
      new RegExp(`${run}-noport\\s+- \\(no port label\\)\\s+running\\s+\\? unknown \\(etcd unreachable\\)`),
    )
    assert.doesNotMatch(r.stdout, /not registered/)
    const json = JSON.parse(
      (await runCli(['discover', '--json', '--label-prefix', prefix, '--etcd-endpoints', dead, '--timeout', '1s']))
        .stdout,
    )
    const instances = json.services.flatMap((s: {instances: (JsonInstance & {unknown?: string[]})[]}) => s.instances)
    assert.ok(instances.length >= 5)
    for (const i of instances) assert.deepEqual(i.unknown, ['etcd'], i.id)
  })

  test('Docker unreachable: registrations are "? unknown", not "✗ no container"; known answers carry no unknown', async () => {
    const r = await runCli(
      args('--docker-host', `unix:///tmp/${run}-nope.sock`, '--timeout', '1s').filter((a) => a !== '--json'),
    )
    assert.equal(r.code, 4)
    assert.match(r.stdout, /gone-1\s+172\.31\.99\.99:8080 \(registered\)\s+\? unknown \(Docker unreachable\)/)
    assert.doesNotMatch(r.stdout, /no container/)
    const ok = JSON.parse((await runCli(args())).stdout) as JsonView
    for (const i of ok.services.flatMap((s) => s.instances)) assert.equal((i as {unknown?: unknown}).unknown, undefined)
  })

  test('no source answers: exit 5; JSON still has the sources with errors', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const r = await runCli([
      'discover',
      '--json',
      '--docker-host',
      `unix:///tmp/${run}-nope.sock`,
      '--etcd-endpoints',
      dead,
      '--timeout',
      '1s',
    ])
    assert.equal(r.code, 5)
    const view = JSON.parse(r.stdout) as JsonView
    assert.deepEqual(
      view.sources.map((s) => s.ok),
      [false, false],
    )
    assert.match(view.sources[0]!.error ?? '', /socket not found/)
  })

  test('-o wide adds columns; --format takes docker-style templates; a bad field is a usage error with did-you-mean', async () => {
    const base = args('--service', 'web').filter((a) => a !== '--json')
    const wide = await runCli([...base, '-o', 'wide'])
    assert.equal(wide.code, 0, wide.stderr)
    assert.match(wide.stdout, /SERVICE\s+INSTANCE\s+ADDRESS \(why\)\s+DOCKER\s+ETCD\s+IMAGE\s+NETWORKS\s+ETCD KEY\n/)
    assert.match(
      wide.stdout,
      new RegExp(`${run}-published .*mcp-test/busybox:latest\\s+\\S+\\s+${registry}web/${run}-published`),
    )
    const table = await runCli([...base, '--format', String.raw`table {{.Instance}}\t{{.Address}}\t{{.Key}}`])
    assert.equal(table.code, 0, table.stderr)
    const lines = table.stdout.trimEnd().split('\n')
    assert.match(lines[0]!, /^INSTANCE +ADDRESS +KEY$/)
    assert.match(
      table.stdout,
      new RegExp(`\\n${run}-published +127\\.0\\.0\\.1:\\d+ +${registry}web/${run}-published\\n`),
    )
    const published = lines.find((l) => l.startsWith(`${run}-published`))!
    assert.equal(published.indexOf('127.0.0.1'), lines[0]!.indexOf('ADDRESS'), 'columns aligned')
    const plain = await runCli([...base, '--format', '{{.Instance}} {{json .State}}'])
    assert.match(plain.stdout, new RegExp(`^${run}-published "running"\\n`, 'm'))
    const bad = await runCli([...base, '--format', '{{.Adress}}'])
    assert.equal(bad.code, 2)
    assert.match(
      bad.stderr,
      /^mcp: --format: "\{\{\.Adress\}\}" is not a field\n {2}hint: did you mean \{\{\.Address\}\}\?/,
    )
  })

  test('bad flags: one line, exit 2, no stack', async () => {
    for (const bad of [
      ['--timeout', '-3s'],
      ['--source', 'zookeeper'],
      ['--docker-host', 'ftp://x'],
      ['--context', `nope-${run}`],
      ['--label-prefix', 'Bad Prefix'],
    ]) {
      const r = await runCli(['discover', ...bad], {env: testEnv()})
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /^mcp: .+\n {2}hint: .+\n$/, `${bad.join(' ')}: ${r.stderr}`)
    }
  })

  test('DOCKER_HOST and DOCKER_CONTEXT are honoured', async () => {
    const r = await runCli(args(), {env: testEnv({DOCKER_HOST: 'unix:///var/run/docker.sock'})})
    assert.equal(r.code, 0)
    const bad = await runCli(args('--timeout', '1s'), {env: testEnv({DOCKER_HOST: `unix:///tmp/${run}.sock`})})
    assert.equal(bad.code, 4)
    assert.match(bad.stderr, /is dockerd running\?/)
  })
})
