import type {AddressInfo, Server, Socket} from 'node:net'

import assert from 'node:assert/strict'
import {once} from 'node:events'
import {rmSync} from 'node:fs'
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http'
import {createServer as createH2Server, type Http2Server, type ServerHttp2Stream} from 'node:http2'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {NetError} from '../../../src/net/errors.js'
import {GrpcChannel, GrpcStatusError} from '../../../src/net/grpc.js'
import {httpRequest} from '../../../src/net/http.js'
import {LIMITS} from '../../../src/net/limits.js'
import {mapLimit} from '../../../src/net/pool.js'
import {startRawServer} from '../../helpers/http-servers.js'

const isNet = (code: string, text: RegExp) => (e: Error) =>
  e instanceof NetError && e.code === code && text.test(e.message)

describe('src/net/http.ts: HTTP/1.1 on node:http, capped and under a deadline', () => {
  const servers: Server[] = []
  after(() => servers.forEach((s) => s.close()))

  test("node's own server on a unix socket: fixed-length and chunked answers come back whole", async () => {
    const path = join(tmpdir(), `mcp-net-${process.pid}.sock`)
    rmSync(path, {force: true})
    const server: HttpServer = createHttpServer((req, res) => {
      if (req.url === '/chunked') {
        res.write('[1,')
        res.end('2]')
      } else res.end(JSON.stringify({path: req.url, host: req.headers.host}))
    })
    server.listen(path)
    await once(server, 'listening')
    try {
      const target = {protocol: 'http:' as const, socketPath: path}
      const a = await httpRequest(target, {
        source: 'Docker',
        path: '/containers/json',
        headers: {host: 'docker'},
        deadline: Date.now() + 5000,
      })
      assert.deepEqual(JSON.parse(a.body.toString()), {path: '/containers/json', host: 'docker'})
      const b = await httpRequest(target, {source: 'Docker', path: '/chunked', deadline: Date.now() + 5000})
      assert.equal(b.body.toString(), '[1,2]')
    } finally {
      server.close()
      rmSync(path, {force: true})
    }
  })

  test('a body over the cap, a header block over 64 KiB, bytes that are not HTTP, a trickle past the deadline', async () => {
    const endless = await startRawServer((s: Socket) => {
      s.on('error', () => undefined)
      s.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n')
      const timer = setInterval(() => s.write(Buffer.alloc(64 * 1024)), 1)
      s.on('close', () => clearInterval(timer))
    }, servers)
    await assert.rejects(
      httpRequest(
        {protocol: 'http:', host: '127.0.0.1', port: endless},
        {source: 'Consul', path: '/', deadline: Date.now() + 10_000, maxBodyBytes: 1024 * 1024},
      ),
      isNet('ELIMIT', /^Consul sent a reply over the 1 MiB limit$/),
    )
    const headers = await startRawServer((s: Socket) => {
      s.on('error', () => undefined)
      s.write(`HTTP/1.1 200 OK\r\n${'X-A: b\r\n'.repeat(LIMITS.headerBytes / 4)}\r\n`)
    }, servers)
    await assert.rejects(
      httpRequest(
        {protocol: 'http:', host: '127.0.0.1', port: headers},
        {source: 'Docker', path: '/', deadline: Date.now() + 10_000},
      ),
      isNet('ELIMIT', /header block over the 64 KiB limit/),
    )
    const garbage = await startRawServer((s: Socket) => {
      s.on('error', () => undefined)
      s.write('SSH-2.0-OpenSSH_9.6\r\n')
    }, servers)
    await assert.rejects(
      httpRequest(
        {protocol: 'http:', host: '127.0.0.1', port: garbage},
        {source: 'Docker', path: '/', deadline: Date.now() + 10_000},
      ),
      isNet('EPROTO', /not HTTP\/1\.1/),
    )
    const trickle = await startRawServer((s: Socket) => {
      s.on('error', () => undefined)
      const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]'
      let i = 0
      const timer = setInterval(() => (i < answer.length ? s.write(answer[i++]!) : clearInterval(timer)), 50)
      s.on('close', () => clearInterval(timer))
    }, servers)
    const started = Date.now()
    await assert.rejects(
      httpRequest(
        {protocol: 'http:', host: '127.0.0.1', port: trickle},
        {source: 'Docker', path: '/', deadline: Date.now() + 300},
      ),
      isNet('ETIMEDOUT', /^Docker did not answer within \d+ ms$/),
    )
    assert.ok(Date.now() - started < 1500)
  })
})

describe('src/net/grpc.ts: unary gRPC on node:http2', () => {
  const servers: Http2Server[] = []
  after(() => servers.forEach((s) => s.close()))

  async function listen(
    onStream: (stream: ServerHttp2Stream, headers: Record<string, unknown>) => void,
  ): Promise<number> {
    const server = createH2Server()
    server.on('stream', (stream, headers) => onStream(stream, headers as Record<string, unknown>))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    servers.push(server)
    return (server.address() as AddressInfo).port
  }

  const framed = (payload: Buffer) => {
    const head = Buffer.alloc(5)
    head.writeUInt32BE(payload.length, 1)
    return Buffer.concat([head, payload])
  }

  test('an answer larger than the default window comes back exactly (20 MB), with the request as sent', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 7)
    let seen: Record<string, unknown> = {}
    const port = await listen((stream, headers) => {
      seen = headers
      stream.respond({':status': 200, 'content-type': 'application/grpc'}, {waitForTrailers: true})
      stream.on('wantTrailers', () => stream.sendTrailers({'grpc-status': '0'}))
      stream.end(framed(big))
    })
    const channel = new GrpcChannel(`http://127.0.0.1:${port}`, {}, 'etcd', Date.now() + 20_000)
    try {
      const answer = await channel.unary('/etcdserverpb.KV/Range', Buffer.from([1, 2, 3]), [['token', 't']])
      assert.ok(answer.equals(big))
      assert.equal(seen[':path'], '/etcdserverpb.KV/Range')
      assert.equal(seen['content-type'], 'application/grpc')
      assert.equal(seen.token, 't')
      assert.match(String(seen['grpc-timeout']), /^\d{1,8}m$/)
    } finally {
      channel.close()
    }
  })

  test('a gRPC status, a length prefix that lies, and an answer past the deadline', async () => {
    const port = await listen((stream, headers) => {
      if (headers[':path'] === '/status')
        return stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': '16',
            'grpc-message': 'invalid%20auth%20token',
          },
          {endStream: true},
        )
      if (headers[':path'] === '/slow') return // never answers
      stream.respond({':status': 200, 'content-type': 'application/grpc'}, {waitForTrailers: true})
      stream.on('wantTrailers', () => stream.sendTrailers({'grpc-status': '0'}))
      stream.end(Buffer.from([0, 0, 0, 0, 9, 1, 2]))
    })
    const channel = new GrpcChannel(`http://127.0.0.1:${port}`, {}, 'etcd', Date.now() + 500)
    try {
      await assert.rejects(
        channel.unary('/status', Buffer.alloc(0)),
        (e: Error) => e instanceof GrpcStatusError && e.grpcStatus === 16 && e.message === 'invalid auth token',
      )
      await assert.rejects(
        channel.unary('/lie', Buffer.alloc(0)),
        isNet('EPROTO', /length \(9\) is not its size \(2\)/),
      )
      await assert.rejects(
        channel.unary('/slow', Buffer.alloc(0)),
        isNet('ETIMEDOUT', /^etcd did not answer within \d+ ms$/),
      )
    } finally {
      channel.close()
    }
  })
})

describe('src/net/pool.ts', () => {
  test('mapLimit keeps order and never runs more than the limit at once', async () => {
    let running = 0
    let most = 0
    const out = await mapLimit(
      Array.from({length: 50}, (_, i) => i),
      8,
      async (n) => {
        most = Math.max(most, ++running)
        await new Promise((r) => setTimeout(r, 1 + (n % 3)))
        running--
        return n * 2
      },
    )
    assert.deepEqual(
      out,
      Array.from({length: 50}, (_, i) => i * 2),
    )
    assert.equal(most, 8)
  })
})
