import assert from 'node:assert/strict'
import {ChildProcess, execFile, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

import {ROOT} from '../helpers/cli.js'
import {freePort, PrivateDockerd} from '../helpers/daemons.js'
import {requireDocker, TEST_IMAGE} from '../helpers/services.js'

const exec = promisify(execFile)

/**
 * The image as a Swarm global service, one agent per node, on a single-node Swarm of the private
 * dockerd (never the shared daemon). The private daemon lives in a network namespace of its own, so
 * its host-networked agent reaches an etcd started in that namespace, on its loopback.
 */
describe('mcp sync as a Swarm global service (private dockerd)', () => {
  const dockerd = new PrivateDockerd()
  const dir = mkdtempSync(join(tmpdir(), 'mcpt-swarm-etcd-'))
  const image = `mcpt-swarm-${process.pid}:test`
  let etcd: ChildProcess | undefined
  let port = 0
  const inNetns = (cmd: string, args: string[]) =>
    exec('nsenter', [`--net=/var/run/netns/${dockerd.netns}`, cmd, ...args], {
      env: {...process.env, ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: undefined},
      timeout: 15_000,
    })
  const etcdctl = async (args: string[]) =>
    (await inNetns('etcdctl', [`--endpoints=http://127.0.0.1:${port}`, '--dial-timeout=2s', ...args])).stdout.trim()

  before(async () => {
    await requireDocker()
    await dockerd.start()
    await dockerd.loadTestImage()
    await dockerd.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'])
    port = await freePort()
    const peer = await freePort()
    etcd = spawn(
      'nsenter',
      [
        `--net=/var/run/netns/${dockerd.netns}`,
        'etcd',
        '--name',
        'swarm',
        '--data-dir',
        join(dir, 'data'),
        '--listen-client-urls',
        `http://127.0.0.1:${port}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${port}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-cluster',
        `swarm=http://127.0.0.1:${peer}`,
      ],
      {stdio: 'ignore'},
    )
    const deadline = Date.now() + 20_000
    while (
      Date.now() < deadline &&
      !(await etcdctl(['endpoint', 'health']).then(
        () => true,
        () => false,
      ))
    )
      await sleep(300)
  })

  after(async () => {
    etcd?.kill('SIGKILL')
    await dockerd.docker(['swarm', 'leave', '--force']).catch(() => undefined)
    await dockerd.destroy()
    rmSync(dir, {recursive: true, force: true})
  })

  test(
    'docker service create --mode global of the image registers the task of a labelled service',
    {timeout: 480_000},
    async () => {
      // scripts/image.sh imports straight into the private daemon.
      await exec('bash', ['scripts/image.sh'], {
        cwd: ROOT,
        env: {...process.env, MCP_IMAGE: image, DOCKER_HOST: dockerd.host},
        timeout: 300_000,
      })
      await dockerd.docker([
        'service',
        'create',
        '-d',
        '--no-resolve-image',
        '--mode',
        'global',
        '--name',
        'mcp-sync',
        '--network',
        'host',
        '--mount',
        `type=bind,src=${dockerd.socket},dst=/var/run/docker.sock`,
        image,
        'sync',
        '--watch',
        '--json',
        '--etcd-endpoints',
        `http://127.0.0.1:${port}`,
        '--owner',
        'swarm-node',
        '--ttl',
        '5s',
      ])
      await dockerd.docker([
        'service',
        'create',
        '-d',
        '--no-resolve-image',
        '--name',
        'api',
        '--network',
        'host',
        '--container-label',
        'mcp.service.name=api',
        '--container-label',
        'mcp.service.port=18080',
        '--health-cmd',
        'true',
        '--health-interval',
        '1s',
        TEST_IMAGE,
        'sleep',
        '600',
      ])
      const deadline = Date.now() + 90_000
      let keys: string[] = []
      while (Date.now() < deadline) {
        keys = (await etcdctl(['get', '--prefix', '/services/api/', '--keys-only']).catch(() => ''))
          .split('\n')
          .filter(Boolean)
        if (keys.length > 0) break
        await sleep(500)
      }

      const logs = await dockerd
        .docker(['service', 'logs', '--raw', 'mcp-sync'], 15_000)
        .catch((error: Error) => error.message)
      assert.equal(keys.length, 1, `one task registered; the agent's log:\n${logs}`)
      assert.match(keys[0]!, /^\/services\/api\/api\.\d+\.\w+$/)
      const value = JSON.parse(await etcdctl(['get', keys[0]!, '--print-value-only']))
      assert.equal(value.registeredBy, 'swarm-node')
      const task = await dockerd.docker([
        'ps',
        '--filter',
        'label=com.docker.swarm.service.name=api',
        '--format',
        '{{.ID}}',
      ])
      assert.ok(value.containerId.startsWith(task.trim()), 'the running task container')
    },
  )
})
