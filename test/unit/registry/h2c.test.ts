import assert from 'node:assert/strict'
import {once} from 'node:events'
import {constants, createServer, Http2Server, ServerHttp2Stream} from 'node:http2'
import type {AddressInfo, Server, Socket} from 'node:net'
import {after, before, describe, test} from 'node:test'

import fc from 'fast-check'

import {H2cConnection, HpackDecoder, huffmanCode, huffmanDecode} from '../../../src/registry/h2c.js'
import {startRawServer} from '../../helpers/http-servers.js'

const WINDOW = 16 * 1024 * 1024

/** An HTTP/2 server of node's own (nghttp2: Huffman coding, dynamic table): an independent peer. */
async function listen(onStream: (stream: ServerHttp2Stream, headers: Record<string, unknown>) => void, options: Parameters<typeof createServer>[0] = {}): Promise<{server: Http2Server; port: number}> {
  const server = createServer(options)
  server.on('stream', (stream, headers) => onStream(stream, headers as Record<string, unknown>))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {server, port: (server.address() as AddressInfo).port}
}

async function readBody(stream: ServerHttp2Stream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

describe('HPACK Huffman code (RFC 7541 Appendix B)', () => {
  test('the lengths make a complete prefix code, with the codes the RFC lists', () => {
    let kraft = 0
    for (let symbol = 0; symbol <= 256; symbol++) kraft += 2 ** -huffmanCode(symbol).length
    assert.equal(kraft, 1)
    // Spot checks against the RFC's table: first, last, EOS, and the short codes.
    assert.deepEqual(huffmanCode(0), {code: 0x1ff8, length: 13})
    assert.deepEqual(huffmanCode(1), {code: 0x7fffd8, length: 23})
    assert.deepEqual(huffmanCode(0x20), {code: 0x14, length: 6})
    assert.deepEqual(huffmanCode(0x30), {code: 0x0, length: 5})
    assert.deepEqual(huffmanCode(0x61), {code: 0x3, length: 5})
    assert.deepEqual(huffmanCode(0x74), {code: 0x9, length: 5})
    assert.deepEqual(huffmanCode(255), {code: 0x3ffffee, length: 26})
    assert.deepEqual(huffmanCode(256), {code: 0x3fffffff, length: 30})
  })

  test('RFC 7541 C.4: requests with Huffman-coded strings and the dynamic table', () => {
    const decoder = new HpackDecoder()
    const block = (hex: string) => {
      const fields = new Map<string, string>()
      decoder.decode(Buffer.from(hex.replace(/\s/g, ''), 'hex'), fields)
      return Object.fromEntries(fields)
    }
    assert.deepEqual(block('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), {':method': 'GET', ':scheme': 'http', ':path': '/', ':authority': 'www.example.com'})
    assert.deepEqual(block('8286 84be 5886 a8eb 1064 9cbf'), {':method': 'GET', ':scheme': 'http', ':path': '/', ':authority': 'www.example.com', 'cache-control': 'no-cache'})
    assert.deepEqual(block('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'), {':method': 'GET', ':scheme': 'https', ':path': '/index.html', ':authority': 'www.example.com', 'custom-key': 'custom-value'})
  })

  test('bad Huffman strings are refused: EOS inside, padding that is not ones, padding of 8 bits or more', () => {
    assert.throws(() => huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4), /EOS|invalid/)
    assert.throws(() => huffmanDecode(Buffer.from([0x00]), 0, 1), /padding/) // '0' (00000) then 000
    assert.throws(() => huffmanDecode(Buffer.from([0x07, 0xff]), 0, 2), /padding/) // '0' + 11 ones
    assert.equal(huffmanDecode(Buffer.from([0x07]), 0, 1), '0') // '0' (00000) + 111
  })
})

describe('H2cConnection against node:http2 (nghttp2)', () => {
  let echo: {server: Http2Server; port: number}
  before(async () => {
    // Echoes a request header into a response header and a trailer, and the body back.
    echo = await listen(async (stream, headers) => {
      const body = await readBody(stream)
      stream.respond({':status': 200, 'content-type': 'application/grpc', 'x-echo': String(headers['x-value'] ?? '')}, {waitForTrailers: true})
      stream.on('wantTrailers', () => stream.sendTrailers({'grpc-status': '0', 'grpc-message': String(headers['x-value'] ?? ''), 'x-path': String(headers[':path'])}))
      stream.end(body)
    })
  })
  after(() => echo.server.close())

  test('headers, trailers and bodies come back exactly, through the dynamic table as it fills and evicts', async () => {
    const connection = new H2cConnection('127.0.0.1', echo.port, WINDOW)
    try {
      const printable = fc.string({unit: fc.integer({min: 0x20, max: 0x7e}).map((c) => String.fromCharCode(c)), maxLength: 300}).map((s) => s.trim())
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(printable, fc.uint8Array({maxLength: 40_000})), {minLength: 1, maxLength: 12}), async (calls) => {
          // Concurrent streams on the one connection, as readRegistrations makes them.
          const answers = await Promise.all(calls.map(([value, body], i) => connection.request(`127.0.0.1:${echo.port}`, `/svc/${i}`, [['x-value', value]], Buffer.from(body), 5000)))
          answers.forEach((answer, i) => {
            const [value, body] = calls[i]!
            assert.equal(answer.fields.get(':status'), '200')
            assert.equal(answer.fields.get('x-echo'), value)
            assert.equal(answer.fields.get('grpc-message'), value)
            assert.equal(answer.fields.get('x-path'), `/svc/${i}`)
            assert.deepEqual(answer.body, Buffer.from(body))
          })
        }),
        {numRuns: 60},
      )
    } finally {
      connection.close()
    }
  })

  test('an answer larger than the window: window updates keep it flowing (40 MB)', async () => {
    const size = 40 * 1024 * 1024
    const big = await listen((stream) => {
      stream.respond({':status': 200})
      const chunk = Buffer.alloc(1024 * 1024, 7)
      for (let i = 0; i < size / chunk.length; i++) stream.write(chunk)
      stream.end()
    })
    const connection = new H2cConnection('127.0.0.1', big.port, WINDOW)
    try {
      const answer = await connection.request(`127.0.0.1:${big.port}`, '/big', [], Buffer.alloc(0), 20_000)
      assert.equal(answer.body.length, size)
      assert.ok(answer.body.every((b) => b === 7))
    } finally {
      connection.close()
      big.server.close()
    }
  })

  test('padded frames (nghttp2 padding everything it can)', async () => {
    const padded = await listen(
      (stream) => {
        stream.respond({':status': 200, 'x-a': 'b'}, {waitForTrailers: true})
        stream.on('wantTrailers', () => stream.sendTrailers({'grpc-status': '0'}))
        stream.end(Buffer.from('padded body'))
      },
      {paddingStrategy: constants.PADDING_STRATEGY_MAX},
    )
    const connection = new H2cConnection('127.0.0.1', padded.port, WINDOW)
    try {
      const answer = await connection.request(`127.0.0.1:${padded.port}`, '/p', [], Buffer.alloc(0), 5000)
      assert.equal(answer.fields.get('x-a'), 'b')
      assert.equal(answer.fields.get('grpc-status'), '0')
      assert.equal(answer.body.toString(), 'padded body')
    } finally {
      connection.close()
      padded.server.close()
    }
  })

  test('a reset stream fails that call only; the connection goes on', async () => {
    const server = await listen((stream, headers) => {
      if (headers[':path'] === '/reset') {
        stream.on('error', () => undefined) // node reports its own reset as an error of the stream
        stream.close(constants.NGHTTP2_REFUSED_STREAM)
      } else {
        stream.respond({':status': 200})
        stream.end('ok')
      }
    })
    const connection = new H2cConnection('127.0.0.1', server.port, WINDOW)
    try {
      await assert.rejects(connection.request('x', '/reset', [], Buffer.alloc(0), 5000), (error: Error & {code?: string}) => error.code === 'ERR_HTTP2_STREAM_RESET' && /error code 7/.test(error.message))
      assert.equal((await connection.request('x', '/fine', [], Buffer.alloc(0), 5000)).body.toString(), 'ok')
    } finally {
      connection.close()
      server.server.close()
    }
  })
})

describe('H2cConnection failures', () => {
  const servers: Server[] = []
  after(() => servers.forEach((s) => s.close()))
  const tcp = (onConnection: (socket: Socket) => void) => startRawServer(onConnection, servers)

  test('an HTTP/1.1 server is named as not HTTP/2', async () => {
    const port = await tcp((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'))
    const connection = new H2cConnection('127.0.0.1', port, WINDOW)
    await assert.rejects(connection.request('x', '/', [], Buffer.alloc(0), 5000), (error: Error & {code?: string}) => error.code === 'ERR_NOT_HTTP2')
    connection.close()
  })

  test('a server that accepts and never answers: the timeout fires', async () => {
    const port = await tcp(() => undefined)
    const connection = new H2cConnection('127.0.0.1', port, WINDOW)
    const t0 = Date.now()
    await assert.rejects(connection.request('x', '/', [], Buffer.alloc(0), 300), (error: Error & {code?: string}) => error.code === 'ETIMEDOUT')
    assert.ok(Date.now() - t0 < 2000)
    connection.close()
  })

  test('a refused connection fails every call with the socket error', async () => {
    const port = await tcp(() => undefined)
    servers.pop()!.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const connection = new H2cConnection('127.0.0.1', port, WINDOW)
    await assert.rejects(connection.request('x', '/', [], Buffer.alloc(0), 5000), (error: Error & {code?: string}) => error.code === 'ECONNREFUSED')
    await assert.rejects(connection.request('x', '/', [], Buffer.alloc(0), 5000), (error: Error & {code?: string}) => error.code === 'ECONNREFUSED')
  })

  test('a server that goes away mid-call fails the call', async () => {
    const {server, port} = await listen((stream) => {
      stream.respond({':status': 200})
      stream.write('partial')
      setTimeout(() => stream.session?.destroy(), 20)
    })
    const connection = new H2cConnection('127.0.0.1', port, WINDOW)
    await assert.rejects(connection.request('x', '/', [], Buffer.alloc(0), 5000), (error: Error & {code?: string}) => ['ECONNRESET', 'ERR_HTTP2_GOAWAY'].includes(error.code ?? ''))
    connection.close()
    server.close()
  })
})
