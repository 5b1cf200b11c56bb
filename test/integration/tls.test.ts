import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpsServer} from 'node:https'
import {createRequire} from 'node:module'
import {createServer as createTcpServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'
import {makeTestCert, type TestCert} from '../helpers/hostile-servers.js'

// Secrets go only to the server they are meant for: certificates are verified, a TLS file makes an
// etcd endpoint TLS, and an ssh:// Docker host must have the key recorded in known_hosts.
const dir = mkdtempSync(join(tmpdir(), 'mcpt-tls-'))
after(() => rmSync(dir, {recursive: true, force: true}))
// A self-signed certificate for 127.0.0.1 (its own CA).
let tls: TestCert
before(() => {
  tls = makeTestCert()
})
after(() => tls.cleanup())

describe('TLS and host keys', () => {
  test('loadtest verifies certificates: a self-signed server gets nothing unless --cacert or -k', async () => {
    const seen: string[] = []
    const server = createHttpsServer({key: tls.key, cert: tls.cert}, (req, res) => {
      seen.push(String(req.headers.authorization))
      res.end('ok')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `https://127.0.0.1:${(server.address() as {port: number}).port}/`
    const load = ['-c', '1', '--requests', '3', '-H', 'Authorization: Bearer planted-token-0001']
    try {
      const refused = await runCli(['loadtest', url, ...load])
      assert.equal(refused.code, 5, refused.stderr)
      assert.deepEqual(seen, [], 'no request reached a server whose certificate was not verified')
      assert.match(
        refused.stderr,
        /^mcp: the TLS certificate of 127\.0\.0\.1:\d+ is not trusted: self[- ]signed certificate\n {2}hint: give the CA .*--cacert FILE.*-k\/--insecure/,
      )
      const trusted = await runCli(['loadtest', url, ...load, '--cacert', tls.certFile])
      assert.equal(trusted.code, 0, trusted.stderr)
      assert.ok(seen.length >= 3)
      const insecure = await runCli(['loadtest', url, ...load, '-k'])
      assert.equal(insecure.code, 0, insecure.stderr)
    } finally {
      server.close()
    }
  })

  test('an etcd endpoint without a scheme is TLS when TLS files are given (as etcdctl): no password in clear', async () => {
    const received: Buffer[] = []
    const listener = createTcpServer((socket) => {
      socket.on('data', (d) => received.push(d))
      setTimeout(() => socket.destroy(), 200)
    })
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    const {port} = listener.address() as {port: number}
    try {
      const r = await runCli([
        'discover',
        '--source',
        'etcd',
        '--etcd-endpoints',
        `127.0.0.1:${port}`,
        '--etcd-cacert',
        tls.certFile,
        '--etcd-user',
        'root:planted-pw-1234',
        '--timeout',
        '1s',
        '--json',
      ])
      assert.equal(JSON.parse(r.stdout).sources[0].endpoint, `https://127.0.0.1:${port}`)
      const bytes = Buffer.concat(received)
      assert.ok(bytes.length > 0, 'it connected')
      assert.equal(bytes[0], 0x16, 'a TLS handshake first')
      assert.ok(!bytes.includes('planted-pw-1234'), 'the password never in clear')
    } finally {
      listener.close()
    }
  })

  test('an ssh:// Docker host is checked against ~/.ssh/known_hosts, failing closed with a hint', async () => {
    const require = createRequire(import.meta.url)
    const {Server, utils} = require('ssh2') as {
      Server: new (
        o: object,
        l: (c: {on: (e: string, f: (x: {reject: () => void}) => void) => void}) => void,
      ) => import('node:net').Server
      utils: {generateKeyPairSync: (t: string) => {private: string; public: string}}
    }
    const keys = utils.generateKeyPairSync('ed25519')
    let authAttempts = 0
    const server = new Server({hostKeys: [keys.private]}, (client) => {
      client.on('authentication', (ctx) => {
        authAttempts++
        ctx.reject()
      })
      client.on('error', () => {})
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as {port: number}
    const home = join(dir, 'home')
    mkdirSync(join(home, '.ssh'), {recursive: true})
    const env = testEnv({HOME: home, DOCKER_HOST: `ssh://ops@127.0.0.1:${port}`})
    try {
      const unknown = await runCli(['discover', '--source', 'docker', '--timeout', '3s'], {env})
      assert.equal(unknown.code, 5, unknown.stderr)
      assert.equal(authAttempts, 0, 'no credentials offered to a host that is not known')
      assert.match(unknown.stderr, /known_hosts/)
      writeFileSync(
        join(home, '.ssh', 'known_hosts'),
        `[127.0.0.1]:${port} ${keys.public.split(' ').slice(0, 2).join(' ')}\n`,
      )
      await runCli(['discover', '--source', 'docker', '--timeout', '3s'], {env})
      assert.ok(authAttempts > 0, 'a known host gets as far as authentication')
    } finally {
      server.close()
    }
  })
})
