import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'
import {freePort} from '../helpers/daemons.js'

/**
 * A secret planted in every argument and variable that can come back in an error or warning line
 * (Docker host, etcd endpoints and user, Consul address, a loadtest URL) — through the human line,
 * --json and --debug — never comes back. Every address is on 127.0.0.1: a bad port, or a free one
 * nothing listens on.
 */
describe('secrets in arguments never come back in error lines', () => {
  const SECRET = 'Pl4ntedPw0rd9x'
  const leaks = (r: {stdout: string; stderr: string}) => (r.stdout + r.stderr).includes(SECRET)

  test('a Docker host that is not a URL: the one line names it, password redacted, in every form', async () => {
    const host = `tcp://u:${SECRET}@127.0.0.1:bad`
    for (const argv of [
      ['discover', '--docker-host', host],
      ['discover', '--docker-host', host, '--debug'],
      ['doctor', '--docker-host', host],
      ['lint-labels', '--docker', '--docker-host', host],
    ]) {
      const r = await runCli(argv)
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`)
      assert.ok(!leaks(r), `${argv.join(' ')} printed the password:\n${r.stdout}${r.stderr}`)
      assert.match(r.stderr, /tcp:\/\/u:\[redacted\]@127\.0\.0\.1:bad/, argv.join(' '))
    }

    const json = await runCli(['discover', '--docker-host', host, '--json'])
    assert.equal(json.code, 2)
    assert.ok(!leaks(json), json.stdout)
    assert.match(JSON.parse(json.stdout).error.message, /u:\[redacted\]@/)
    const env = await runCli(['discover'], {env: testEnv({DOCKER_HOST: host})})
    assert.equal(env.code, 2)
    assert.ok(!leaks(env), `DOCKER_HOST printed:\n${env.stderr}`)
  })

  test('unreachable or malformed sources: the warning lines keep the password out', async () => {
    const free = await freePort()
    const runs: [string[], NodeJS.ProcessEnv?][] = [
      [['discover', '--source', 'docker', '--docker-host', `tcp://u:${SECRET}@127.0.0.1:${free}`, '--timeout', '1s']],
      [['discover', '--source', 'etcd', '--etcd-endpoints', `http://u:${SECRET}@127.0.0.1:bad`]],
      [
        [
          'discover',
          '--source',
          'etcd',
          '--etcd-endpoints',
          `http://u:${SECRET}@127.0.0.1:${free}`,
          '--timeout',
          '1s',
          '--debug',
        ],
      ],
      [
        [
          'discover',
          '--source',
          'etcd',
          '--etcd-endpoints',
          `http://u:${SECRET}@127.0.0.1:${free}`,
          '--timeout',
          '1s',
          '--json',
        ],
      ],
      [
        [
          'discover',
          '--source',
          'etcd',
          '--etcd-endpoints',
          `http://127.0.0.1:${free}`,
          '--etcd-user',
          `root:${SECRET}`,
          '--timeout',
          '1s',
          '--json',
        ],
      ],
      [['discover', '--source', 'consul', '--consul-addr', `http://u:${SECRET}@127.0.0.1:${free}`, '--timeout', '1s']],
      [['discover', '--source', 'consul', '--consul-addr', `http://u:${SECRET}@127.0.0.1:bad`, '--json']],
      [
        [
          'doctor',
          '--source',
          'etcd',
          '--etcd-endpoints',
          `http://u:${SECRET}@127.0.0.1:${free}`,
          '--timeout',
          '1s',
          '--format',
          'sarif',
        ],
      ],
      [
        ['discover', '--source', 'etcd', '--timeout', '1s'],
        testEnv({ETCDCTL_ENDPOINTS: `http://u:${SECRET}@127.0.0.1:${free}`}),
      ],
      [
        ['discover', '--source', 'consul', '--timeout', '1s'],
        testEnv({CONSUL_HTTP_ADDR: `http://u:${SECRET}@127.0.0.1:${free}`}),
      ],
    ]
    for (const [argv, env] of runs) {
      const r = await runCli(argv, env ? {env} : {})
      assert.equal(r.code, 5, `${argv.join(' ')} (exit ${r.code}): ${r.stderr}`)
      assert.ok(!leaks(r), `${argv.join(' ')} printed the password:\n${r.stdout}${r.stderr}`)
    }
  })

  test('loadtest: a URL with userinfo, malformed or refused', async () => {
    const free = await freePort()
    const bad = await runCli(['loadtest', `http://u:${SECRET}@127.0.0.1:bad/`])
    assert.equal(bad.code, 2)
    assert.ok(!leaks(bad), bad.stderr)
    assert.match(bad.stderr, /u:\[redacted\]@/)
    const refused = await runCli([
      'loadtest',
      `http://u:${SECRET}@127.0.0.1:${free}/`,
      '-d',
      '1s',
      '-c',
      '1',
      '--debug',
    ])
    assert.equal(refused.code, 5, refused.stderr)
    assert.ok(!leaks(refused), refused.stderr)
  })

  test('config show names where each setting comes from, never a password inside a URL', async () => {
    const argv = [
      'config',
      'show',
      '--docker-host',
      `tcp://u:${SECRET}@127.0.0.1:1`,
      '--etcd-endpoints',
      `http://u:${SECRET}@127.0.0.1:1`,
      '--etcd-user',
      `root:${SECRET}`,
      '--consul-addr',
      `http://u:${SECRET}@127.0.0.1:1`,
    ]
    for (const extra of [[], ['--json']]) {
      const r = await runCli([...argv, ...extra])
      assert.equal(r.code, 0, r.stderr)
      assert.ok(!leaks(r), `config show ${extra.join(' ')} printed the password:\n${r.stdout}`)
      assert.match(r.stdout, /tcp:\/\/u:\[redacted\]@127\.0\.0\.1:1/)
    }
  })
})
