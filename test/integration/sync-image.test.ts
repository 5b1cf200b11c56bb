import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

import {ROOT} from '../helpers/cli.js'
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

const exec = promisify(execFile)

/** scripts/image.sh builds an image by `docker import` (no registry, no base image); the agent runs from it. */
describe('the mcp image (scripts/image.sh)', () => {
  const base = uniqueName('image')
  const image = `${base}:test`
  const prefix = `/${base}/`
  const svc = `${base}-api`

  before(async () => {
    await requireDocker()
    await requireEtcd()
  })

  after(async () => {
    await cleanupDocker(base)
    await docker(['rmi', '-f', image]).catch(() => undefined)
    await etcdctl(['del', '--prefix', prefix]).catch(() => undefined)
  })

  test(
    'built by the script; `sync --watch` from it, with the socket mounted, registers a container; docker stop revokes',
    {timeout: 400_000},
    async () => {
      await exec('bash', ['scripts/image.sh'], {cwd: ROOT, env: {...process.env, MCP_IMAGE: image}, timeout: 300_000})
      const version = await docker(['run', '--rm', image, '--version'])
      assert.match(version, /^@mcp-control-plane\/cli\/\d+\.\d+\.\d+ linux-x64 node-v/)

      await runContainer(`${base}-a`, {
        labels: {'mcp.service.name': svc, 'mcp.service.port': '8080'},
        publish: ['127.0.0.1::8080'],
        extra: ['--health-cmd', 'true', '--health-interval', '1s', '--stop-timeout', '1'],
      })
      await docker([
        'run',
        '-d',
        '--name',
        `${base}-agent`,
        '-v',
        '/var/run/docker.sock:/var/run/docker.sock',
        '--network',
        'host',
        image,
        'sync',
        '--watch',
        '--json',
        '--etcd-endpoints',
        TEST_ETCD,
        '--registry-prefix',
        prefix,
        '--service',
        svc,
        '--owner',
        'mcpt-image',
        '--ttl',
        '5s',
      ])
      const key = `${prefix}${svc}/${base}-a`
      const deadline = Date.now() + 60_000
      let value = ''
      while (!value && Date.now() < deadline) {
        value = await etcdctl(['get', key, '--print-value-only'])
        if (!value) await sleep(300)
      }

      const logs = async () =>
        (await exec('docker', ['logs', `${base}-agent`]).catch((error) => error)).stdout as string
      assert.ok(value, `registered by the agent in the image; its log:\n${await logs()}`)
      assert.equal(JSON.parse(value).registeredBy, 'mcpt-image')
      await docker(['stop', '-t', '10', `${base}-agent`])
      assert.equal(
        await etcdctl(['get', '--prefix', prefix, '--keys-only']),
        '',
        'docker stop (SIGTERM) revoked the lease',
      )
      assert.match(await logs(), /"event":"stop"/)
    },
  )
})
