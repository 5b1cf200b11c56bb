import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'
import {ConsulFixtureServer, consulHealthEntry} from '../helpers/consul-fixture-server.js'
import {freePort} from '../helpers/daemons.js'
import {cleanupDocker, requireDocker, requireEtcd, runContainer, TEST_ETCD, uniqueName} from '../helpers/services.js'
import {record} from './record.js'

/**
 * A planted secret in every place a secret lives — container environment, CONSUL_HTTP_TOKEN, the etcd
 * password, a TLS key, a loadtest Authorization header — and every output format searched for it,
 * --debug included.
 */
describe('secrets never reach any output', () => {
  const run = uniqueName('secrets')
  const prefix = `s${run.replaceAll(/[^a-z0-9]/g, '').slice(-10)}`
  const SECRETS = {
    env: 'planted-env-Zq81xv0w',
    consul: 'planted-consul-K2mzP9q4',
    etcd: 'planted-etcd-Wv5u7LsB',
    key: 'PLANTEDKEYMATERIALx9b1',
    header: 'planted-header-Hh3kX0',
  }
  const dir = mkdtempSync(join(tmpdir(), 'mcpt-secrets-'))
  const keyFile = join(dir, 'client.key')
  let consul: ConsulFixtureServer
  let consulAddr = ''

  before(async () => {
    await requireDocker()
    await requireEtcd()
    writeFileSync(keyFile, `-----BEGIN PRIVATE KEY-----\n${SECRETS.key}\n-----END PRIVATE KEY-----\n`)
    await runContainer(`${run}-api`, {
      labels: {[`${prefix}.service.name`]: 'api', [`${prefix}.service.port`]: '8080'},
      extra: ['-e', `DB_PASSWORD=${SECRETS.env}`, '-e', `API_TOKEN=${SECRETS.env}`],
    })
    consul = new ConsulFixtureServer({
      token: SECRETS.consul,
      entries: [consulHealthEntry({service: 'api', address: '127.0.0.1', port: 1, checks: [{status: 'critical'}]})],
    })
    consulAddr = await consul.start()
  })
  after(async () => {
    await consul.stop()
    await cleanupDocker(run)
    rmSync(dir, {recursive: true, force: true})
  })

  const check = (command: string, where: string, output: string, code: number | null) => {
    const leaked = Object.entries(SECRETS)
      .filter(([, v]) => output.includes(v))
      .map(([k]) => k)
    record({
      area: 'secret',
      command,
      case: where,
      expected: 'no planted secret in stdout or stderr',
      result: leaked.length > 0 ? `LEAKED: ${leaked.join(', ')}` : 'none found',
      exitCode: code,
      ms: 0,
      pass: leaked.length === 0,
    })
    assert.deepEqual(leaked, [], `${command} ${where} leaked ${leaked.join(', ')}`)
  }

  const env = () =>
    testEnv({CONSUL_HTTP_ADDR: consulAddr, CONSUL_HTTP_TOKEN: SECRETS.consul, ETCDCTL_ENDPOINTS: TEST_ETCD})

  test('discover and doctor, every format, with --debug (container env, Consul token)', async () => {
    const base = ['--label-prefix', prefix]
    const runs: [string, string[]][] = [
      ['mcp discover', ['discover', ...base]],
      ['mcp discover', ['discover', ...base, '--json']],
      ['mcp discover', ['discover', ...base, '--debug', '--probe']],
      ...(['stylish', 'json', 'sarif', 'github', 'junit'] as const).map((f): [string, string[]] => [
        'mcp doctor',
        ['doctor', ...base, '--no-probe', '--format', f, '--debug'],
      ]),
      ...(['stylish', 'json', 'sarif', 'github', 'junit'] as const).map((f): [string, string[]] => [
        'mcp lint-labels',
        ['lint-labels', '--docker', ...base, '--format', f, '--debug'],
      ]),
    ]
    for (const [command, argv] of runs) {
      const r = await runCli(argv, {env: env()})
      check(
        command,
        argv
          .slice(1)
          .filter((a) => a !== prefix && a !== '--label-prefix')
          .join(' '),
        r.stdout + r.stderr,
        r.code,
      )
    }
  })

  test('a wrong Consul token, an etcd password refused, a TLS key that fails: errors keep them out', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const runs: [string, string[], NodeJS.ProcessEnv][] = [
      [
        'mcp discover',
        ['discover', '--source', 'consul', '--consul-addr', consulAddr, '--debug', '--json'],
        testEnv({CONSUL_HTTP_TOKEN: SECRETS.consul + 'x'}),
      ],
      [
        'mcp discover',
        [
          'discover',
          '--source',
          'etcd',
          '--etcd-endpoints',
          TEST_ETCD,
          '--etcd-user',
          `root:${SECRETS.etcd}`,
          '--debug',
        ],
        testEnv(),
      ],
      [
        'mcp discover',
        ['discover', '--source', 'etcd', '--etcd-endpoints', TEST_ETCD, '--debug', '--json'],
        testEnv({ETCDCTL_USER: 'root', ETCDCTL_PASSWORD: SECRETS.etcd}),
      ],
      [
        'mcp discover',
        [
          'discover',
          '--source',
          'etcd',
          '--etcd-endpoints',
          dead.replace('http', 'https'),
          '--etcd-key',
          keyFile,
          '--etcd-cert',
          keyFile,
          '--etcd-cacert',
          keyFile,
          '--timeout',
          '1s',
          '--debug',
        ],
        testEnv(),
      ],
      [
        'mcp doctor',
        [
          'doctor',
          '--source',
          'etcd',
          '--etcd-endpoints',
          TEST_ETCD,
          '--etcd-user',
          `root:${SECRETS.etcd}`,
          '--format',
          'sarif',
          '--debug',
        ],
        testEnv(),
      ],
    ]
    for (const [command, argv, e] of runs) {
      const r = await runCli(argv, {env: e})
      check(
        command,
        argv
          .slice(1)
          .join(' ')
          .replaceAll(new RegExp(Object.values(SECRETS).join('|'), 'g'), '<secret>'),
        r.stdout + r.stderr,
        r.code,
      )
    }
  })

  test('loadtest: header values never printed, in any output', async () => {
    const port = await freePort()
    const server = createServer((_, res) => res.end('ok'))
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    try {
      const out = join(dir, 'run.json')
      for (const argv of [
        [
          'loadtest',
          `http://127.0.0.1:${port}/`,
          '-d',
          '1s',
          '-c',
          '2',
          '-H',
          `Authorization: Bearer ${SECRETS.header}`,
          '--debug',
        ],
        [
          'loadtest',
          `http://127.0.0.1:${port}/`,
          '-d',
          '1s',
          '-c',
          '2',
          '-H',
          `X-Api-Key: ${SECRETS.header}`,
          '--json',
          '--out',
          out,
        ],
      ]) {
        const r = await runCli(argv)
        const saved = argv.includes('--out') ? (await import('node:fs')).readFileSync(out, 'utf8') : ''
        check(
          'mcp loadtest',
          argv.slice(2).join(' ').replace(SECRETS.header, '<secret>'),
          r.stdout + r.stderr + saved,
          r.code,
        )
      }
    } finally {
      server.close()
    }
  })
})
