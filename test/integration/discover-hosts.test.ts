import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli, startCli, testEnv} from '../helpers/cli.js'
import {PrivateDockerd} from '../helpers/daemons.js'
import {cleanupDocker, docker, requireDocker, runContainer, uniqueName} from '../helpers/services.js'

interface View {
  services: {name: string; instances: {id: string; docker?: {host?: string; name: string}}[]}[]
  sources: {name: string; ok: boolean; error?: string}[]
}

/** Several Docker hosts: the shared daemon and a private second one, through flags and contexts. */
describe('mcp discover across several Docker hosts', () => {
  const run = uniqueName('hosts')
  const prefix = `h${run.replaceAll(/[^a-z0-9]/g, '').slice(-10)}`
  const second = new PrivateDockerd()
  const dockerConfig = mkdtempSync(join(tmpdir(), 'mcpt-dockercfg-'))
  const env = testEnv({DOCKER_CONFIG: dockerConfig})
  const apiLabels = {[`${prefix}.service.name`]: 'api', [`${prefix}.service.port`]: '8080'}

  before(async () => {
    await requireDocker()
    await second.start()
    await second.loadTestImage()
    await runContainer(`${run}-main`, {labels: apiLabels})
    await second.runContainer(`${run}-second`, {network: 'none', labels: apiLabels, cmd: ['sleep', '600']})
    await docker(['--config', dockerConfig, 'context', 'create', 'second', '--docker', `host=${second.host}`])
  })

  after(async () => {
    await cleanupDocker(run)
    await second.destroy()
    rmSync(dockerConfig, {recursive: true, force: true})
  })

  const args = (...extra: string[]) => ['discover', '--json', '--source', 'docker', '--label-prefix', prefix, ...extra]

  test('repeated --docker-host: both hosts, in parallel, every instance tagged with its host', async () => {
    const r = await runCli(args('--docker-host', 'unix:///var/run/docker.sock', '--docker-host', second.host), {env})
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as View
    assert.deepEqual(
      view.sources.map((s) => s.name),
      ['docker@unix:///var/run/docker.sock', `docker@${second.host}`],
    )
    const ids = view.services[0]!.instances.map((i) => i.id).sort()
    assert.deepEqual(ids, [`${run}-main@unix:///var/run/docker.sock`, `${run}-second@${second.host}`].sort())
  })

  test('--context repeated and --all-contexts read the context store', async () => {
    const r = await runCli(args('--context', 'default', '--context', 'second'), {env})
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as View
    assert.deepEqual(
      view.sources.map((s) => s.name),
      ['docker@default', 'docker@second'],
    )
    assert.deepEqual(view.services[0]!.instances.map((i) => i.docker?.host).sort(), ['default', 'second'])
    const all = await runCli(args('--all-contexts'), {env})
    assert.equal(all.code, 0, all.stderr)
    assert.deepEqual(
      (JSON.parse(all.stdout) as View).sources.map((s) => s.name),
      ['docker@default', 'docker@second'],
    )
  })

  test('one host down: named, the others still shown, exit 4', async () => {
    const down = `unix:///tmp/${run}-down.sock`
    const oneDown = ['--docker-host', 'unix:///var/run/docker.sock', '--docker-host', down, '--timeout', '1s']
    const r = await runCli(args(...oneDown), {env})
    assert.equal(r.code, 4)
    const view = JSON.parse(r.stdout) as View
    assert.deepEqual(
      view.sources.map((s) => s.ok),
      [true, false],
    )
    assert.equal(view.services[0]!.instances.length, 1)
    assert.match(r.stderr, new RegExp(`warning: docker@unix:///tmp/${run}-down.sock .*socket not found`))
    const table = await runCli(
      args(...oneDown).filter((a) => a !== '--json'),
      {env},
    )
    assert.match(table.stdout, /✗ docker@unix:\/\/\/tmp\/.*unreachable/)
  })

  test('--watch follows every host; each line names its host', {timeout: 60_000}, async () => {
    const {child, out, exited} = startCli(
      [...args('--docker-host', 'unix:///var/run/docker.sock', '--docker-host', second.host, '--watch')],
      env,
    )
    try {
      await out.waitFor((l) => l.includes('"snapshot"'), 20_000, 'snapshot')
      await second.runContainer(`${run}-late`, {network: 'none', labels: apiLabels, cmd: ['sleep', '600']})
      await out.waitFor(
        (l) => l.includes(`"source":"docker@${second.host}"`) && l.includes('"start"') && l.includes(`${run}-late`),
        20_000,
        'start on the second host',
      )
    } finally {
      child.kill('SIGINT')
    }

    assert.equal(await exited, 0)
  })

  test('doctor checks containers on every host', async () => {
    const r = await runCli(
      [
        'doctor',
        '--json',
        '--source',
        'docker',
        '--label-prefix',
        prefix,
        '--docker-host',
        'unix:///var/run/docker.sock',
        '--docker-host',
        second.host,
        '--only',
        'PORT_NOT_EXPOSED',
      ],
      {env},
    )
    const out = JSON.parse(r.stdout) as {findings: {code: string; instance?: string}[]; summary: {skipped: unknown[]}}
    assert.deepEqual(out.summary.skipped, [], r.stderr)
    // The image EXPOSEs 8080; containers with --network none list no exposed ports: only those on the second host.
    assert.deepEqual(
      out.findings.map((f) => f.instance).sort(),
      [`${run}-late@${second.host}`, `${run}-second@${second.host}`].sort(),
    )
  })
})
