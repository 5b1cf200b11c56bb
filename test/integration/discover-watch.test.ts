import assert from 'node:assert/strict'
import {before, describe, test} from 'node:test'

import {exitWithin, startCli, testEnv} from '../helpers/cli.js'
import {freePort, usePrivateDaemons} from '../helpers/daemons.js'
import {requireEtcd} from '../helpers/services.js'
import {record} from '../reliability/record.js'

/**
 * discover --watch against a private dockerd and a private etcd that the test stops and restarts
 * (never the shared ones): the watch says so, reconnects, resyncs, and reports what changed.
 */
describe('mcp discover --watch survives dockerd and etcd restarts', () => {
  const {dockerd, etcd, sourceFlags} = usePrivateDaemons()
  let port = 0

  before(async () => {
    await requireEtcd()
    port = await freePort()
  })

  test('events, loss, reconnect with backoff, resync, catch-up, Ctrl-C exits 0', {timeout: 120_000}, async () => {
    const run = (name: string, restart = 'no') => dockerd.runApiContainer(name, port, {restart})
    await run('keeper', 'always')
    const {child, out, err, exited} = startCli(['discover', '--watch', '--json', ...sourceFlags()], testEnv())
    const event = (source: string, ev: string, subject: string) => (line: string) => {
      const e = JSON.parse(line) as {source: string; event: string; subject: string}
      return e.source === source && e.event === ev && e.subject.includes(subject)
    }

    try {
      const snapshot = JSON.parse(await out.waitFor((l) => l.includes('"snapshot"'), 20_000, 'the snapshot')) as {
        view: {services: {name: string}[]}
      }
      assert.deepEqual(
        snapshot.view.services.map((s) => s.name),
        ['api'],
      )

      // Live changes, one line each.
      await run('short-lived')
      await out.waitFor(event('docker', 'start', 'short-lived'), 15_000, 'docker start event')
      await etcd.etcdctl(['put', '/services/api/one', `127.0.0.1:${port}`])
      await out.waitFor(event('etcd', 'put', '/services/api/one'), 15_000, 'etcd put event')

      // dockerd crashes (SIGKILL: no last events): said on stderr. On its restart the daemon stops
      // short-lived and restarts keeper before mcp is back, so only the resync can report them.
      await dockerd.stop('SIGKILL')
      await err.waitFor(
        (l) => /docker: connection lost .*reconnecting with backoff/.test(l),
        20_000,
        'docker loss warning',
      )
      await dockerd.start()
      await out.waitFor(event('docker', 'reconnected', dockerd.host), 40_000, 'docker reconnect')
      await out.waitFor(
        event('docker', 'die (resync)', 'short-lived'),
        5000,
        'the container that died while the daemon was gone',
      )
      assert.ok(
        !out.lines.some((l) => l.includes('"die (resync)"') && l.includes('keeper')),
        'keeper is running again, not reported dead',
      )
      await run('after-restart')
      await out.waitFor(event('docker', 'start', 'after-restart'), 15_000, 'events flow again after the restart')

      // etcd killed and restarted on the same data: the watch resumes and catches up.
      await etcd.kill()
      await err.waitFor((l) => /etcd: connection lost/.test(l), 20_000, 'etcd loss warning')
      await etcd.start()
      await etcd.etcdctl(['put', '/services/api/two', `127.0.0.1:${port}`])
      await out.waitFor(event('etcd', 'put', '/services/api/two'), 40_000, 'etcd put after restart')
    } finally {
      child.kill('SIGINT')
    }

    const code = await exitWithin(child, exited, 10_000)
    record({
      area: 'fault',
      command: 'mcp discover --watch',
      case: 'dockerd SIGKILLed and restarted; etcd SIGKILLed and restarted',
      expected: 'says so, reconnects with backoff, resyncs, 0 missed, Ctrl-C exits 0',
      result: `loss said on stderr; die (resync) for the container lost meanwhile; events and etcd puts resume${code === 'killed' ? '; did not exit within 10 s of SIGINT (killed)' : ''}`,
      exitCode: code === 'killed' ? null : code,
      ms: 0,
      pass: code === 0,
    })
    assert.equal(code, 0, 'Ctrl-C exits 0')
  })
})
