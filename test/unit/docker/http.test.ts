import assert from 'node:assert/strict'
import {once} from 'node:events'
import {rmSync} from 'node:fs'
import {createServer} from 'node:http'
import type {Server, Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import fc from 'fast-check'

import {plainGet, ResponseReader} from '../../../src/docker/http.js'
import {startRawServer} from '../../helpers/http-servers.js'

/** Feed a response to a reader in the given pieces; what it made of it. */
function read(bytes: Buffer, cuts: number[]): {status: number; body: string; complete: boolean; closeEnds: boolean} {
  const reader = new ResponseReader()
  let complete = false
  let at = 0
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (cut <= at) continue
    complete = reader.push(bytes.subarray(at, cut)) || complete
    at = cut
  }
  const {status, body} = reader.answer()
  return {status, body: body.toString('latin1'), complete, closeEnds: reader.endsAtClose()}
}

function chunked(body: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (const size of sizes) {
    if (at >= body.length) break
    const piece = body.subarray(at, at + Math.max(1, size))
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'))
    at += piece.length
  }
  if (at < body.length) parts.push(Buffer.from(`${(body.length - at).toString(16)};ext=1\r\n`), body.subarray(at), Buffer.from('\r\n'))
  parts.push(Buffer.from('0\r\nX-Trailer: t\r\n\r\n'))
  return Buffer.concat(parts)
}

describe('ResponseReader (HTTP/1.1 answers as the Engine API sends them)', () => {
  const body = fc.uint8Array({maxLength: 3000}).map((b) => Buffer.from(b))
  const cuts = fc.array(fc.nat(4000), {maxLength: 12})

  test('Content-Length, chunked and close-delimited bodies, however the bytes are split', () => {
    fc.assert(
      fc.property(body, cuts, fc.array(fc.integer({min: 1, max: 700}), {maxLength: 8}), (b, c, sizes) => {
        const withLength = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n`), b])
        assert.deepEqual(read(withLength, c), {status: 200, body: b.toString('latin1'), complete: true, closeEnds: true})
        const withChunks = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked(b, sizes)])
        assert.deepEqual(read(withChunks, c), {status: 200, body: b.toString('latin1'), complete: true, closeEnds: true})
        const toClose = Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\n\r\n'), b])
        const r = read(toClose, c)
        assert.equal(r.body, b.toString('latin1'))
        assert.ok(r.closeEnds && !r.complete)
      }),
      {numRuns: 500},
    )
  })

  test('a 204 has no body; a 404 keeps its status and message', () => {
    assert.deepEqual(read(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), []), {status: 204, body: '', complete: true, closeEnds: true})
    const message = '{"message":"page not found"}'
    assert.equal(read(Buffer.from(`HTTP/1.1 404 Not Found\r\nContent-Length: ${message.length}\r\n\r\n${message}`), [3, 30]).body, message)
  })

  test('what is not an HTTP/1.x answer, or is malformed, is refused', () => {
    assert.throws(() => read(Buffer.from('\x00\x00\x12\x04\x00\x00\x00\x00\x00garbage\r\n\r\n'), []), /not HTTP/)
    assert.throws(() => read(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n'), []), /Content-Length/)
    assert.throws(() => read(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), []), /malformed chunked/)
    assert.throws(() => read(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n'), []), /malformed chunked/)
  })
})

describe('plainGet', () => {
  const servers: Server[] = []
  const sockets: string[] = []
  after(() => {
    for (const s of servers) s.close()
    for (const path of sockets) rmSync(path, {force: true})
  })

  test("node's own HTTP server on a unix socket: a fixed-length and a chunked answer, and the request as sent", async () => {
    const path = join(tmpdir(), `mcp-http-test-${process.pid}.sock`)
    sockets.push(path)
    const seen: string[] = []
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.host} ${req.headers.connection}`)
      if (req.url === '/fixed') res.end(JSON.stringify({ok: 1}))
      else {
        res.write('[')
        for (let i = 0; i < 2000; i++) res.write(`${i ? ',' : ''}{"n":${i}}`)
        res.end(']')
      }
    })
    servers.push(server as unknown as Server)
    server.listen(path)
    await once(server, 'listening')
    const fixed = await plainGet({path}, '/fixed', 2000)
    assert.deepEqual({status: fixed.status, body: JSON.parse(fixed.body.toString())}, {status: 200, body: {ok: 1}})
    const streamed = await plainGet({path}, '/chunked?x=%7B%7D', 2000)
    assert.equal((JSON.parse(streamed.body.toString()) as unknown[]).length, 2000)
    assert.deepEqual(seen, ['GET /fixed docker close', 'GET /chunked?x=%7B%7D docker close'])
  })

  const tcp = (onConnection: (socket: Socket) => void) => startRawServer(onConnection, servers)

  test('a server that accepts and never answers: the timeout fires', async () => {
    const port = await tcp(() => undefined)
    await assert.rejects(plainGet({host: '127.0.0.1', port}, '/', 200), (error: Error & {code?: string}) => error.code === 'ETIMEDOUT' && /did not answer within 200 ms/.test(error.message))
  })

  test('a server that closes mid-answer, and a refused connection', async () => {
    const port = await tcp((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial"'))
    await assert.rejects(plainGet({host: '127.0.0.1', port}, '/', 2000), /before its answer was complete/)
    await assert.rejects(plainGet({path: join(tmpdir(), `mcp-no-such-${process.pid}.sock`)}, '/', 2000), (error: Error & {code?: string}) => error.code === 'ENOENT')
  })
})
