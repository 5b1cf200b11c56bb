import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {runCli, startCli, testEnv} from '../helpers/cli.js'
import {PrivateDockerd} from '../helpers/daemons.js'
import {requireDocker, TEST_IMAGE} from '../helpers/services.js'

interface View {
  services: {
    name: string
    swarm?: {replicas?: number; running: number; endpointMode: string; vips: {network: string; ip: string}[]}
    instances: {id: string; addressReason?: string; address?: {kind: string; port: number}; swarm?: {state: string}}[]
  }[]
}
interface DoctorJson {
  findings: {code: string; service?: string; evidence?: Record<string, unknown>}[]
}

/** Single-node Swarm in a private daemon (services need --no-resolve-image: no registry here). */
describe('Swarm services and tasks', () => {
  const daemon = new PrivateDockerd()
  const env = testEnv({DOCKER_HOST: daemon.host})
  const service = (name: string, ...args: string[]) =>
    daemon.docker([
      'service',
      'create',
      '-d',
      '--no-resolve-image',
      '--name',
      name,
      ...args,
      TEST_IMAGE,
      'sleep',
      '600',
    ])

  before(async () => {
    await requireDocker()
    await daemon.start()
    await daemon.loadTestImage()
    await daemon.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'])
    await daemon.docker(['network', 'create', '-d', 'overlay', 'backend'])
    // Healthy: 2/2, labels on the service and its containers alike, a VIP on "backend".
    await service(
      'web',
      '--replicas',
      '2',
      '--network',
      'backend',
      '--label',
      'mcp.service.name=web',
      '--label',
      'mcp.service.port=8080',
      '--container-label',
      'mcp.service.name=web',
      '--container-label',
      'mcp.service.port=8080',
    )
    // Published through the routing mesh; labels only on the service (deploy.labels).
    await service(
      'edge',
      '--replicas',
      '1',
      '--publish',
      '18080:8080',
      '--label',
      'mcp.service.name=edge',
      '--label',
      'mcp.service.port=8080',
    )
    // dnsrr: the task IPs are the addresses.
    await service(
      'dns',
      '--replicas',
      '1',
      '--network',
      'backend',
      '--endpoint-mode',
      'dnsrr',
      '--label',
      'mcp.service.name=dns',
      '--label',
      'mcp.service.port=8080',
      '--container-label',
      'mcp.service.name=dns',
      '--container-label',
      'mcp.service.port=8080',
    )
    // Short: a constraint no node meets.
    await service(
      'stuck',
      '--replicas',
      '2',
      '--constraint',
      'node.labels.mcpt==nowhere',
      '--label',
      'mcp.service.name=stuck',
      '--label',
      'mcp.service.port=8080',
      '--container-label',
      'mcp.service.name=stuck',
      '--container-label',
      'mcp.service.port=8080',
    )
    // Wait until the schedulable tasks run.
    for (let i = 0; i < 60; i++) {
      const states = await daemon.docker(['service', 'ls', '--format', '{{.Name}} {{.Replicas}}'])
      if (/web 2\/2/.test(states) && /edge 1\/1/.test(states) && /dns 1\/1/.test(states)) break
      await new Promise((r) => setTimeout(r, 500))
    }
  })

  after(() => daemon.destroy())

  test('discover lists services, their tasks, and the address a gateway would use', async () => {
    const r = await runCli(['discover', '--json', '--source', 'docker'], {env})
    assert.equal(r.code, 0, r.stderr)
    const view = JSON.parse(r.stdout) as View
    const svc = (n: string) => view.services.find((s) => s.name === n)!
    assert.deepEqual(
      view.services.map((s) => s.name),
      ['dns', 'edge', 'stuck', 'web'],
    )
    assert.equal(svc('web').swarm?.replicas, 2)
    assert.equal(svc('web').swarm?.running, 2)
    assert.equal(svc('web').instances.length, 2)
    assert.ok(svc('web').instances.every((i) => i.addressReason === 'swarm-vip' && i.address?.kind === 'vip'))
    assert.equal(svc('edge').instances[0]!.addressReason, 'published')
    assert.equal(svc('edge').instances[0]!.address?.port, 18_080)
    assert.equal(svc('dns').instances[0]!.addressReason, 'task-ip')
    assert.equal(svc('stuck').swarm?.running, 0)
    const table = await runCli(['discover', '--source', 'docker'], {env})
    assert.match(table.stdout, /web \(swarm 2\/2\)/)
    assert.match(table.stdout, /stuck \(swarm 0\/2\)/)
    assert.match(table.stdout, /\(service VIP\)/)
  })

  test('doctor: REPLICAS_SHORT and SWARM_LABEL_MISMATCH, and nothing for the healthy service', async () => {
    const r = await runCli(
      ['doctor', '--json', '--source', 'docker', '--only', 'REPLICAS_SHORT,SWARM_LABEL_MISMATCH'],
      {env},
    )
    const out = JSON.parse(r.stdout) as DoctorJson
    assert.equal(r.code, 1, r.stderr)
    const codes = out.findings.map((f) => `${f.code}:${f.service}`).sort()
    assert.deepEqual(codes, ['REPLICAS_SHORT:stuck', 'SWARM_LABEL_MISMATCH:edge'])
    const short = out.findings.find((f) => f.code === 'REPLICAS_SHORT')!
    assert.deepEqual([short.evidence!.desired, short.evidence!.running], [2, 0])
  })
  test('--watch reports service events as well as container events', {timeout: 60_000}, async () => {
    const {child, out, exited} = startCli(['discover', '--watch', '--json', '--source', 'docker'], env)
    try {
      await out.waitFor((l) => l.includes('"snapshot"'), 20_000, 'snapshot')
      await daemon.docker(['service', 'scale', '-d', 'web=3'])
      await out.waitFor(
        (l) => l.includes('"swarm"') && l.includes('"service update"') && l.includes('"web"'),
        20_000,
        'service update event',
      )
      await out.waitFor(
        (l) => l.includes('"docker"') && l.includes('"start"') && l.includes('"web"'),
        20_000,
        'the new task container starting',
      )
    } finally {
      child.kill('SIGINT')
    }

    assert.equal(await exited, 0)
  })
})
