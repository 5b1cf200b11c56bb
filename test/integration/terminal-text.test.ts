import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import http2 from 'node:http2'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'

// Nothing from outside reaches the terminal raw: labels, server error messages, HTTP/2 GOAWAY text.
const RAW = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/
const noRaw = (text: string) => assert.doesNotMatch(text, RAW, JSON.stringify(text))
const dir = mkdtempSync(join(tmpdir(), 'mcpt-escape-'))
after(() => rmSync(dir, {recursive: true, force: true}))

/** A local HTTP/2 server answering every stream as `answer` says. */
async function h2Server(answer: (stream: http2.ServerHttp2Stream) => void): Promise<{port: number; close: () => void}> {
  const server = http2.createServer()
  server.on('stream', answer)
  server.on('session', (s) => s.on('error', () => {}))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {port: (server.address() as {port: number}).port, close: () => server.close()}
}

describe('hostile text from outside is shown escaped', () => {
  test('lint-labels stylish: a label value cannot print a forged GitHub workflow command or an escape sequence', async () => {
    const compose = join(dir, 'compose.yaml')
    writeFileSync(
      compose,
      'services:\n  web:\n    image: nginx\n    labels:\n      mcp.service.name: web\n      mcp.service.port: "80"\n' +
        '      mcp.health.path: "health\\e]0;pwned\\a\\n::error file=x.yaml,line=1::forged"\n',
    )
    const r = await runCli(['lint-labels', '-f', compose, '--format', 'stylish'], {env: testEnv()})
    assert.equal(r.code, 1, r.stderr)
    noRaw(r.stdout)
    assert.ok(
      r.stdout.split('\n').every((line) => !line.startsWith('::')),
      r.stdout,
    )
    assert.match(r.stdout, /↳ write \/health\\x1b\]0;pwned\\x07\\n::error/)
  })

  test("etcd's grpc-message and HTTP/2 GOAWAY debug data in a warning", async () => {
    const denied = await h2Server((stream) =>
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '7',
          'grpc-message': 'denied%1B]0;pwned%07%1B[2J',
        },
        {endStream: true},
      ),
    )
    const goaway = await h2Server((stream) =>
      stream.session!.goaway(0, 0, Buffer.from('bye\u001B]0;pwned\u0007\u001B[2J')),
    )
    try {
      for (const port of [denied.port, goaway.port]) {
        const r = await runCli(
          ['discover', '--source', 'etcd', '--etcd-endpoints', `http://127.0.0.1:${port}`, '--timeout', '2s'],
          {env: testEnv()},
        )
        assert.equal(r.code, 5, r.stderr)
        noRaw(r.stderr)
        assert.match(r.stderr, /\\x1b\]0;pwned\\x07/)
      }
    } finally {
      denied.close()
      goaway.close()
    }
  })

  test("a Docker daemon's error message in a warning and an error line", async () => {
    const socket = join(dir, 'docker.sock')
    const server = createHttpServer((req, res) => {
      res.writeHead(500, {'content-type': 'application/json'})
      res.end(JSON.stringify({message: 'boom\u001B]0;pwned\u0007\nline two\u001B[2J'}))
    })
    await new Promise<void>((resolve) => server.listen(socket, resolve))
    try {
      const env = testEnv({DOCKER_HOST: `unix://${socket}`})
      const discover = await runCli(['discover', '--source', 'docker', '--timeout', '2s'], {env})
      assert.notEqual(discover.code, 0)
      noRaw(discover.stderr)
      noRaw(discover.stdout)
      assert.match(discover.stderr, /\\x1b\]0;pwned\\x07/)
      const lint = await runCli(['lint-labels', '--docker', '--timeout', '2s'], {env})
      noRaw(lint.stderr)
      noRaw(lint.stdout)
    } finally {
      server.close()
    }
  })

  test("oclif's usage errors quote the flag as typed: shown escaped, no line of its own", async () => {
    const r = await runCli(['discover', '--x\u001B]0;pwned\u0007\n::error::forged'])
    assert.equal(r.code, 2)
    noRaw(r.stderr)
    assert.ok(
      r.stderr.split('\n').every((line) => !line.startsWith('::')),
      r.stderr,
    )
    assert.match(r.stderr, /--x\\x1b\]0;pwned\\x07/)
  })
})
