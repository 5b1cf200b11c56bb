import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import {type AddressInfo, connect, createServer, Server, Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {exitWithin, runCli, startCli, testEnv} from '../helpers/cli.js'
import {freePort, PrivateEtcd, usePrivateDaemons} from '../helpers/daemons.js'
import {
  cleanupDocker,
  etcdctl,
  requireDocker,
  requireEtcd,
  runContainer,
  TEST_ETCD,
  uniqueName,
} from '../helpers/services.js'
import {firstLine, hasStackTrace, record} from './record.js'

/** A Docker socket that accepts connections and never answers (a wedged daemon). */
function hungSocket(path: string): Promise<{server: Server; close: () => void}> {
  const sockets: Socket[] = []
  const server = createServer((s) => sockets.push(s))
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve({
        server,
        close() {
          for (const s of sockets) s.destroy()
          server.close()
        },
      }),
    ),
  )
}

describe('faults: the command says what failed, within the timeout, and still shows what it has', () => {
  const run = uniqueName('faults')
  const prefix = `f${run.replaceAll(/[^a-z0-9]/g, '').slice(-10)}`

  before(async () => {
    await requireDocker()
    await requireEtcd()
    await runContainer(`${run}-web`, {labels: {[`${prefix}.service.name`]: 'web', [`${prefix}.service.port`]: '8080'}})
  })
  after(() => cleanupDocker(run))

  test('a hung Docker socket: the timeout fires (discover, doctor, lint-labels --docker)', async () => {
    const path = join(tmpdir(), `${run}-hung.sock`)
    const hung = await hungSocket(path)
    try {
      for (const argv of [
        ['discover', '--source', 'docker'],
        ['doctor', '--source', 'docker'],
        ['lint-labels', '--docker'],
      ]) {
        const t0 = Date.now()
        const r = await runCli([...argv, '--docker-host', `unix://${path}`, '--timeout', '1s'], {timeoutMs: 20_000})
        const ms = Date.now() - t0
        // The line names what was left of the 1 s deadline when the call began (999 ms on a busy machine).
        const pass =
          r.code === 5 &&
          ms < 6000 &&
          /did not answer within (9\d\d|1000) ms/.test(r.stderr + r.stdout) &&
          !hasStackTrace(r.stderr)
        record({
          area: 'fault',
          command: `mcp ${argv[0]}`,
          case: 'Docker socket accepts and never answers (--timeout 1s)',
          expected: 'timeout fires, exit 5',
          result: firstLine(r.stderr || r.stdout),
          exitCode: r.code,
          ms,
          pass,
        })
        assert.ok(pass, `${argv.join(' ')}: exit ${r.code} after ${ms} ms\n${r.stderr}\n${r.stdout.slice(0, 500)}`)
      }
    } finally {
      hung.close()
      rmSync(path, {force: true})
    }
  })

  test('etcd hung (SIGSTOP) and etcd killed during discover: a clear line within the timeout, the Docker half printed, exit 4', async () => {
    const etcd = new PrivateEtcd()
    await etcd.start()
    try {
      for (const [how, act] of [
        ['hung (SIGSTOP)', () => process.kill(etcdPid(etcd), 'SIGSTOP')],
        ['killed', () => etcd.kill()],
      ] as const) {
        await act()
        const t0 = Date.now()
        const r = await runCli(
          ['discover', '--label-prefix', prefix, '--etcd-endpoints', etcd.endpoint, '--timeout', '1s'],
          {timeoutMs: 20_000},
        )
        const ms = Date.now() - t0
        const pass =
          r.code === 4 &&
          ms < 5000 &&
          /warning: etcd \(/.test(r.stderr) &&
          r.stderr.trim().split('\n').length === 1 &&
          /✓ docker 1 .* ✗ etcd unreachable/.test(r.stdout) &&
          r.stdout.includes(`${run}-web`)
        record({
          area: 'fault',
          command: 'mcp discover',
          case: `etcd ${how} (--timeout 1s)`,
          expected: 'one line, Docker half shown, exit 4',
          result: firstLine(r.stderr),
          exitCode: r.code,
          ms,
          pass,
        })
        assert.ok(pass, `${how}: exit ${r.code} after ${ms} ms\n${r.stderr}\n${r.stdout}`)
        if (how.startsWith('hung')) process.kill(etcdPid(etcd), 'SIGCONT')
      }
    } finally {
      await etcd.destroy()
    }
  })

  test('etcd stops answering after the Range, before the lease TTLs: the etcd source fails within the timeout, the Docker half is shown, exit 4', async () => {
    const registry = `/${prefix}-ttl/`
    const lease = (await etcdctl(['lease', 'grant', '300'])).match(/lease ([0-9a-f]+) granted/)![1]!
    await etcdctl(['put', `--lease=${lease}`, `${registry}web/web-1`, '127.0.0.1:8080'])
    const proxy = await freezeAfterFirstData(new URL(TEST_ETCD))
    try {
      const t0 = Date.now()
      const r = await runCli(
        [
          'discover',
          '--json',
          '--label-prefix',
          prefix,
          '--etcd-endpoints',
          proxy.endpoint,
          '--registry-prefix',
          registry,
          '--timeout',
          '1s',
        ],
        {timeoutMs: 20_000},
      )
      const ms = Date.now() - t0
      const view = JSON.parse(r.stdout) as {
        sources: {name: string; ok: boolean; error?: string}[]
        services: {instances: {etcd?: unknown; docker?: unknown}[]}[]
      }
      const etcdSource = view.sources.find((s) => s.name === 'etcd')
      const instances = view.services.flatMap((s) => s.instances)
      const pass =
        r.code === 4 &&
        ms < 6000 &&
        etcdSource?.ok === false &&
        instances.some((i) => i.docker) &&
        !instances.some((i) => i.etcd) &&
        !hasStackTrace(r.stderr)
      record({
        area: 'fault',
        command: 'mcp discover',
        case: 'etcd answers the Range, then no lease TTL (--timeout 1s)',
        expected: 'etcd source failed, Docker half shown, exit 4',
        result: etcdSource?.error ?? firstLine(r.stderr),
        exitCode: r.code,
        ms,
        pass,
      })
      assert.ok(pass, `exit ${r.code} after ${ms} ms\n${r.stderr}\n${r.stdout.slice(0, 600)}`)
    } finally {
      proxy.close()
      await etcdctl(['lease', 'revoke', lease])
    }
  })

  test('a multi-endpoint etcd list whose first endpoint is dead: the next one is used', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const t0 = Date.now()
    const r = await runCli([
      'discover',
      '--json',
      '--source',
      'etcd',
      '--etcd-endpoints',
      `${dead},${TEST_ETCD}`,
      '--timeout',
      '2s',
    ])
    const ms = Date.now() - t0
    const view = JSON.parse(r.stdout) as {sources: {ok: boolean}[]}
    const pass = r.code === 0 && view.sources[0]!.ok
    record({
      area: 'fault',
      command: 'mcp discover',
      case: 'first etcd endpoint dead, second alive',
      expected: 'read through the second, exit 0, dead one named',
      result: firstLine(r.stderr) || 'ok',
      exitCode: r.code,
      ms,
      pass,
    })
    assert.ok(pass, r.stderr)
  })
})

/**
 * A TCP proxy to etcd that stops passing the client's bytes once the first DATA frame of stream 1
 * (the Range answer) has gone back: the calls that follow it never reach etcd.
 */
async function freezeAfterFirstData(target: URL): Promise<{endpoint: string; close: () => void}> {
  const sockets: Socket[] = []
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname)
    sockets.push(client, upstream)
    let frozen = false
    let pending = Buffer.alloc(0)
    upstream.on('data', (chunk: Buffer) => {
      // Read the server's frame headers (9 bytes: length, type, flags, stream id) as they pass.
      pending = Buffer.concat([pending, chunk])
      while (!frozen && pending.length >= 9) {
        const length = pending.readUIntBE(0, 3)
        if (pending[3] === 0 && (pending.readUInt32BE(5) & 0x7f_ff_ff_ff) === 1) frozen = true
        if (pending.length < 9 + length) break
        pending = pending.subarray(9 + length)
      }

      client.write(chunk)
    })
    client.on('data', (chunk: Buffer) => {
      if (!frozen) upstream.write(chunk)
    })
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy())
      a.on('close', () => b.destroy())
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}

function etcdPid(etcd: PrivateEtcd): number {
  return (etcd as unknown as {child: {pid: number}}).child.pid
}

describe('faults: loadtest against a server that dies mid-run and one that never accepts', () => {
  test('dies mid-run: bounded, errors counted by kind, a result, no hang', async () => {
    const port = await freePort()
    const server = createHttpServer((_, res) => res.end('ok'))
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    setTimeout(() => {
      server.closeAllConnections()
      server.close()
    }, 1000)
    const t0 = Date.now()
    const r = await runCli(['loadtest', `http://127.0.0.1:${port}/`, '-c', '4', '-d', '3s', '--json'], {
      timeoutMs: 30_000,
    })
    const ms = Date.now() - t0
    const out = JSON.parse(r.stdout) as {requests: {total: number}; errors: Record<string, number>}
    const errorKinds = Object.entries(out.errors)
      .filter(([, n]) => typeof n === 'number' && n > 0)
      .map(([k, n]) => `${k}=${n}`)
    const pass = ms < 10_000 && out.requests.total > 0 && errorKinds.length > 0 && !hasStackTrace(r.stderr)
    record({
      area: 'fault',
      command: 'mcp loadtest',
      case: 'server closes every connection after 1 s of a 3 s run',
      expected: 'bounded, a result, errors by kind',
      result: `${out.requests.total} requests; errors ${errorKinds.join(', ')}`,
      exitCode: r.code,
      ms,
      pass,
    })
    assert.ok(pass, `${ms} ms exit ${r.code}\n${r.stdout.slice(0, 800)}\n${r.stderr}`)
  })

  test('never accepts (nothing listens): fails fast with one line', async () => {
    const port = await freePort()
    const t0 = Date.now()
    const r = await runCli(['loadtest', `http://127.0.0.1:${port}/`, '-d', '3s'], {timeoutMs: 30_000})
    const ms = Date.now() - t0
    const pass = r.code === 5 && ms < 5000 && r.stderr.trim().split('\n').length <= 2 && !hasStackTrace(r.stderr)
    record({
      area: 'fault',
      command: 'mcp loadtest',
      case: 'nothing listens on the target port',
      expected: 'one line, exit 5, fast',
      result: firstLine(r.stderr),
      exitCode: r.code,
      ms,
      pass,
    })
    assert.ok(pass, `exit ${r.code} after ${ms} ms: ${r.stderr}`)
  })
})

describe('signals: SIGINT and SIGTERM during long commands end cleanly', () => {
  let port = 0
  let server: ReturnType<typeof createHttpServer>
  let followLog = ''
  before(async () => {
    await requireDocker()
    followLog = join(mkdtempSync(join(tmpdir(), 'mcpt-follow-')), 'app.log')
    writeFileSync(followLog, '2026-11-22T00:00:00Z INFO request trace_id=4bf92f3577b34da6a3ce929d0e0e4736 started\n')
    port = await freePort()
    server = createHttpServer((_, res) => res.end('ok'))
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  })
  after(() => server.close())

  const LONG: {name: string; argv: () => string[]; ready: RegExp; exit: Record<string, number[]>}[] = [
    {
      name: 'discover --watch',
      argv: () => ['discover', '--watch', '--source', 'docker'],
      ready: /watching for changes/,
      exit: {SIGINT: [0], SIGTERM: [0, 143]},
    },
    {
      name: 'doctor --watch',
      argv: () => ['doctor', '--watch', '--source', 'docker', '--no-probe'],
      ready: /./,
      exit: {SIGINT: [0, 1], SIGTERM: [0, 1, 143]},
    },
    {
      name: 'loadtest',
      argv: () => ['loadtest', `http://127.0.0.1:${port}/`, '-c', '2', '-d', '30s'],
      ready: /./,
      exit: {SIGINT: [130], SIGTERM: [130, 143]},
    },
    // In --follow, Ctrl-C is how the command ends: grep's 0 (found) or 1 (not found).
    {
      name: 'trace --follow',
      argv: () => ['trace', '4bf92f3577b34da6a3ce929d0e0e4736', followLog, '--follow'],
      ready: /./,
      exit: {SIGINT: [0, 1], SIGTERM: [0, 1, 143]},
    },
  ]
  for (const cmd of LONG) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      test(`${cmd.name}: ${sig}`, {timeout: 60_000}, async () => {
        // A temp dir of its own: whatever the command leaves behind there is its own.
        const tmp = mkdtempSync(join(tmpdir(), 'mcpt-sig-'))
        const {child, out, err, exited} = startCli(cmd.argv(), testEnv({TMPDIR: tmp}))
        await Promise.race(
          [out, err].map((c) => c.waitFor((l) => cmd.ready.test(l), 20_000, `${cmd.name} running`)),
        ).catch(() => undefined)
        await sleep(1500)
        const t0 = Date.now()
        child.kill(sig)
        const code = await Promise.race([exited, sleep(10_000).then(() => 'hung' as const)])
        const ms = Date.now() - t0
        if (code === 'hung') child.kill('SIGKILL')
        const leftovers = readdirSync(tmp)
        rmSync(tmp, {recursive: true, force: true})
        const pass =
          code !== 'hung' &&
          cmd.exit[sig]!.includes(code as number) &&
          leftovers.length === 0 &&
          !hasStackTrace([...out.lines, ...err.lines].join('\n'))
        record({
          area: 'fault',
          command: `mcp ${cmd.name}`,
          case: `${sig} while running`,
          expected: `clean exit ${cmd.exit[sig]!.join('/')} within 10 s, no temp files`,
          result:
            code === 'hung'
              ? 'did not exit'
              : `exited ${code} in ${ms} ms${leftovers.length > 0 ? `, left ${leftovers.join(' ')}` : ''}`,
          exitCode: code === 'hung' ? null : code,
          ms,
          pass,
        })
        assert.ok(
          pass,
          `${cmd.name} ${sig}: ${code} ${leftovers}\n${[...out.lines, ...err.lines].slice(-10).join('\n')}`,
        )
      })
    }
  }
})

describe('doctor --watch across a dockerd crash and restart', () => {
  const {dockerd, etcd, sourceFlags} = usePrivateDaemons()

  test('says so, reconnects, resyncs, and reports what changed while it was gone', {timeout: 150_000}, async (t) => {
    const port = await freePort()
    const id = await dockerd.runApiContainer('api-1', port)
    await etcd.etcdctl(['put', '/services/api/api-1', JSON.stringify({address: `127.0.0.1:${port}`, containerId: id})])
    const {child, out, err, exited} = startCli([
      'doctor',
      '--watch',
      '--json',
      '--no-probe',
      ...sourceFlags(),
      '--grace',
      '0s',
    ])
    const t0 = Date.now()
    // Each step's time goes into the failure message and the diagnostics, so a slow step is named.
    const steps: string[] = []
    const step = async <T>(name: string, p: Promise<T>): Promise<T> => {
      const at = Date.now()
      try {
        return await p
      } finally {
        steps.push(`${name} ${Date.now() - at} ms`)
      }
    }

    let pass = false
    let result = ''
    try {
      await step(
        'snapshot',
        out.waitFor((l) => l.includes('"snapshot"'), 20_000, 'snapshot'),
      )
      await step('kill dockerd', dockerd.stop('SIGKILL'))
      await step(
        'loss said',
        err.waitFor((l) => /docker: connection lost/.test(l), 20_000, 'the loss, on stderr'),
      )
      await step('restart dockerd', dockerd.start())
      // api-1 had no restart policy: the restarted daemon leaves it exited. Nothing saw it die.
      const stale = await step(
        'stale found',
        out.waitFor(
          (l) => l.includes('"finding"') && l.includes('STALE_REGISTRATION') && l.includes('api-1'),
          40_000,
          'the registration left behind by the crash',
        ),
      )
      pass = Boolean(stale)
      result = 'connection lost said; after restart STALE_REGISTRATION for the container that died meanwhile'
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\nsteps: ${steps.join(', ')}\nmcp stderr:\n${err.lines.join('\n')}\ndockerd.log: ${dockerd.logTail()}`,
      )
    } finally {
      child.kill('SIGINT')
      const code = await step('exit on SIGINT', exitWithin(child, exited, 10_000))
      if (code === 'killed') {
        pass = false
        result = `${result || 'not seen'}; did not exit within 10 s of SIGINT (killed)`
      }

      t.diagnostic(`steps: ${steps.join(', ')}`)
      record({
        area: 'fault',
        command: 'mcp doctor --watch',
        case: 'dockerd SIGKILLed and restarted',
        expected: 'says so, reconnects, reports what changed (0 missed)',
        result: result || 'not seen',
        exitCode: null,
        ms: Date.now() - t0,
        pass,
      })
    }

    assert.ok(pass)
  })
})
