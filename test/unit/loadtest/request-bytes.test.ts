import fc from 'fast-check'
import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import {describe, test} from 'node:test'

import {buildRequest} from '../../../src/loadtest/options.js'

// autocannon (a dev dependency, for this and bench/loadtest.sh) wrote the request bytes before mcp
// built them itself: the two side by side, on generated requests.
type Builder = (defaults: object) => (request?: object) => Buffer
const autocannonBuilder = createRequire(import.meta.url)('autocannon/lib/httpRequestBuilder.js') as Builder

function autocannonBytes(settings: {method: string; headers: [string, string][]; body?: Buffer}, url: URL): Buffer {
  const headers: Record<string, string> = {}
  for (const [k, v] of settings.headers) headers[k] = v
  return autocannonBuilder({
    method: settings.method,
    path: (url.pathname || '/') + url.search,
    hostname: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    host: url.host,
    headers,
    body: settings.body ?? Buffer.alloc(0),
    auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
  })()
}

const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH')
const headerName = fc.oneof(
  fc.constantFrom(
    'Host',
    'host',
    'HOST',
    'Authorization',
    'authorization',
    'Content-Length',
    'content-length',
    'Connection',
    'X-A',
  ),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/),
)
const headerValue = fc.oneof(fc.constant(''), fc.stringMatching(/^[ -~]{0,20}$/), fc.constantFrom('ü', '日本', 'a b'))
const url = fc
  .record({
    scheme: fc.constantFrom('http', 'https'),
    userinfo: fc.option(fc.constantFrom('u:p', 'u:p%40ss', 'user:', 'ü:%C3%BC', 'a%3Ab:c'), {nil: undefined}),
    port: fc.option(fc.constantFrom('80', '443', '8080', '1'), {nil: undefined}),
    path: fc.constantFrom('', '/', '/api', '/a%20b', '/x/y/', '/日本'),
    query: fc.constantFrom('', '?q=1', '?a=b&c', '?'),
  })
  .map(
    ({scheme, userinfo, port, path, query}) =>
      new URL(`${scheme}://${userinfo ? userinfo + '@' : ''}127.0.0.1${port ? ':' + port : ''}${path}${query}`),
  )
const settings = fc.record({
  method,
  headers: fc.array(fc.tuple(headerName, headerValue), {maxLength: 5}),
  body: fc.option(
    fc.uint8Array({maxLength: 64}).map((b) => Buffer.from(b)),
    {nil: undefined},
  ),
})

describe('loadtest request bytes', () => {
  test("byte for byte what autocannon's request builder writes", () => {
    fc.assert(
      fc.property(settings, url, (s, u) => {
        assert.deepEqual(buildRequest(s, u), autocannonBytes(s, u))
      }),
      {numRuns: 3000},
    )
  })

  test("a Host header replaces the URL's; an empty one does not", () => {
    const u = new URL('http://127.0.0.1:8080/')
    assert.equal(
      buildRequest({method: 'GET', headers: [['host', 'example.test']]}, u).toString(),
      'GET / HTTP/1.1\r\nConnection: keep-alive\r\nhost: example.test\r\n\r\n',
    )
    assert.match(
      buildRequest({method: 'GET', headers: [['Host', '']]}, u).toString(),
      /^GET \/ HTTP\/1\.1\r\nHost: 127\.0\.0\.1:8080\r\n/,
    )
  })
})
