import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'
import {PrivateDockerd} from '../helpers/daemons.js'
import {cleanupDocker, docker, requireDocker, runContainer, TEST_IMAGE, uniqueName} from '../helpers/services.js'

interface TraceJson {
  found: boolean
  lines: {source: string; host?: string; task?: string; node?: string; match: boolean}[]
  sources: {name: string; matches: number}[]
  problems: {source: string; kind: string}[]
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

/** trace across the shared daemon and a private second one (in single-node Swarm mode). */
describe('mcp trace across Docker hosts and Swarm service logs', () => {
  const run = uniqueName('thosts')
  const prefix = `t${run.replaceAll(/[^a-z0-9]/g, '').slice(-10)}`
  const second = new PrivateDockerd()
  const dockerConfig = mkdtempSync(join(tmpdir(), 'mcpt-dockercfg-'))
  const env = testEnv({DOCKER_CONFIG: dockerConfig})
  const labels = {[`${prefix}.service.name`]: 'api'}
  const say = `echo "GET /orders trace_id=${TRACE} status=200"; sleep 600`

  before(async () => {
    await requireDocker()
    await second.start()
    await second.loadTestImage()
    await runContainer(`${run}-main`, {labels, network: 'none', cmd: ['sh', '-c', say]})
    await second.runContainer(`${run}-second`, {labels, network: 'none', cmd: ['sh', '-c', say]})
    await second.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'])
    await second.docker([
      'service',
      'create',
      '-d',
      '--no-resolve-image',
      '--name',
      'orders',
      '--replicas',
      '3',
      '--network',
      'host',
      TEST_IMAGE,
      'sh',
      '-c',
      `echo "task trace_id=${TRACE}"; sleep 600`,
    ])
    for (let i = 0; i < 80; i++) {
      if (/orders 3\/3/.test(await second.docker(['service', 'ls', '--format', '{{.Name}} {{.Replicas}}']))) break
      await new Promise((r) => setTimeout(r, 500))
    }

    await docker(['--config', dockerConfig, 'context', 'create', 'second', '--docker', `host=${second.host}`])
    await new Promise((r) => setTimeout(r, 1000))
  })

  after(async () => {
    await cleanupDocker(run)
    await second.destroy()
    rmSync(dockerConfig, {recursive: true, force: true})
  })

  test('repeated --docker-host: the id is found in a container on each host, each line names its host', async () => {
    const hostFlags = ['--docker-host', 'unix:///var/run/docker.sock', '--docker-host', second.host]
    const r = await runCli(['trace', TRACE, '--service', 'api', '--label-prefix', prefix, '--json', ...hostFlags], {
      env,
    })
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as TraceJson
    const hosts = out.lines
      .filter((l) => l.match)
      .map((l) => l.host)
      .sort()
    assert.deepEqual(hosts, [second.host, 'unix:///var/run/docker.sock'].sort())
    const names = [`api/${run}-main@unix:///var/run/docker.sock`, `api/${run}-second@${second.host}`]
    assert.deepEqual(out.sources.map((s) => s.name).sort(), names.sort())
  })

  test('--docker-context repeated and --all-contexts: both hosts, lines tagged with the context', async () => {
    for (const flags of [['--docker-context', 'default', '--docker-context', 'second'], ['--all-contexts']]) {
      const r = await runCli(['trace', TRACE, '--service', 'api', '--label-prefix', prefix, '--json', ...flags], {env})
      assert.equal(r.code, 0, r.stderr)
      const out = JSON.parse(r.stdout) as TraceJson
      assert.deepEqual(
        out.lines
          .filter((l) => l.match)
          .map((l) => l.host)
          .sort(),
        ['default', 'second'],
        flags.join(' '),
      )
    }
  })

  test('one host down: named, the other searched, exit 4', async () => {
    const down = `unix:///tmp/${run}-down.sock`
    const hosts = ['--docker-host', second.host, '--docker-host', down]
    const r = await runCli(
      ['trace', TRACE, '--service', 'api', '--label-prefix', prefix, '--json', '--timeout', '1s', ...hosts],
      {env},
    )
    assert.equal(r.code, 4, r.stderr)
    const out = JSON.parse(r.stdout) as TraceJson
    assert.equal(out.found, true)
    assert.deepEqual(
      out.problems.map((p) => `${p.source}:${p.kind}`),
      [`docker@${down}:unreachable`],
    )
  })

  test('Swarm --service reads the service logs through the manager: every task found, task and node named', async () => {
    const r = await runCli(['trace', TRACE, '--service', 'orders', '--json', '--docker-host', second.host], {env})
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as TraceJson
    const matches = out.lines.filter((l) => l.match)
    assert.deepEqual(matches.map((l) => l.task).sort(), ['orders.1', 'orders.2', 'orders.3'])
    assert.ok(
      matches.every((l) => l.node && l.source === `orders/${l.task}@${l.node}`),
      JSON.stringify(matches),
    )
    const human = await runCli(['trace', TRACE, '--service', 'orders', '--docker-host', second.host], {env})
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /orders\/orders\.1@/)
  })
})
