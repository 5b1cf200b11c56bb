import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {ParseError, ResponseParser} from '../../../src/loadtest/response-parser.js'

function collect(headRequest = false) {
  const got: {status: number; close: boolean}[] = []
  const parser = new ResponseParser({onResponse: (status, close) => got.push({status, close})})
  parser.headRequest = headRequest
  return {parser, got}
}

/** Feed the bytes split at every possible point: the result must not depend on how TCP cuts them. */
function everySplit(bytes: string, expected: {status: number; close: boolean}[], headRequest = false): void {
  const buf = Buffer.from(bytes, 'latin1')
  for (let cut = 0; cut <= buf.length; cut++) {
    const {parser, got} = collect(headRequest)
    parser.execute(buf, 0, cut)
    parser.execute(buf, cut, buf.length)
    assert.deepEqual(got, expected, `split at ${cut}`)
  }

  const {parser, got} = collect(headRequest)
  for (let i = 0; i < buf.length; i++) parser.execute(buf, i, i + 1)
  assert.deepEqual(got, expected, 'byte by byte')
}

describe('ResponseParser', () => {
  test('Content-Length bodies, two pipelined responses, any split', () => {
    everySplit(
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nnop',
      [
        {status: 200, close: false},
        {status: 404, close: false},
      ],
    )
  })

  test('chunked body with extension and trailer', () => {
    everySplit(
      'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      [
        {status: 201, close: false},
        {status: 200, close: false},
      ],
    )
  })

  test('204, 304 and responses to HEAD have no body', () => {
    everySplit('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', [
      {status: 204, close: false},
      {status: 304, close: false},
    ])
    everySplit(
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n',
      [
        {status: 200, close: false},
        {status: 200, close: false},
      ],
      true,
    )
  })

  test('Connection: close and HTTP/1.0 mark the response as closing', () => {
    everySplit('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', [{status: 200, close: true}])
    everySplit('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', [{status: 200, close: true}])
    everySplit('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok', [
      {status: 200, close: false},
    ])
  })

  test('a body without length ends when the connection closes', () => {
    const {parser, got} = collect()
    const b = Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>...')
    parser.execute(b, 0, b.length)
    assert.deepEqual(got, [])
    assert.equal(parser.end(), true)
    assert.deepEqual(got, [{status: 200, close: true}])
  })

  test('100 Continue is skipped, the final response counts', () => {
    everySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', [
      {status: 200, close: false},
    ])
  })

  test('garbage is a ParseError', () => {
    const {parser} = collect()
    const b = Buffer.from('SSH-2.0-OpenSSH_9.6\r\n\r\n')
    assert.throws(() => parser.execute(b, 0, b.length), ParseError)
    const p2 = collect().parser
    const bad = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: x1\r\n\r\n')
    assert.throws(() => p2.execute(bad, 0, bad.length), ParseError)
  })
})
