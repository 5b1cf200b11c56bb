import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {UsageError} from '../../../src/core/errors.js'
import {buildRequest, parseErrorRate, parseHeader, parseLoadSettings, parseRate} from '../../../src/loadtest/options.js'
import {displayUrl, parseTargetArg} from '../../../src/loadtest/targets.js'

describe('loadtest options', () => {
  test('rates', () => {
    assert.equal(parseRate('2000'), 2000)
    assert.equal(parseRate('2.5k'), 2500)
    for (const bad of ['0', '-5', 'fast', '']) assert.throws(() => parseRate(bad), UsageError, bad)
  })

  test('error rates', () => {
    assert.equal(parseErrorRate('1%'), 0.01)
    assert.equal(parseErrorRate('0.5%'), 0.005)
    assert.equal(parseErrorRate('0.02'), 0.02)
    for (const bad of ['150%', '2', 'x%']) assert.throws(() => parseErrorRate(bad), UsageError, bad)
  })

  test('headers', () => {
    assert.deepEqual(parseHeader('Authorization: Bearer abc: def'), ['Authorization', 'Bearer abc: def'])
    assert.throws(() => parseHeader('no colon'), UsageError)
    assert.throws(() => parseHeader('Bad Name: x'), UsageError)
  })

  test('defaults and validation', () => {
    const s = parseLoadSettings({})
    assert.equal(s.connections, 10)
    assert.equal(s.durationMs, 10_000)
    assert.equal(s.timeoutMs, 2000)
    assert.equal(s.method, 'GET')
    assert.equal(parseLoadSettings({requests: 100}).durationMs, 300_000, '--requests alone is capped at 5m')
    assert.equal(parseLoadSettings({duration: '1m', warmup: '2s'}).warmupMs, 2000)
    assert.equal(parseLoadSettings({duration: '30'}).durationMs, 30_000, 'a bare number is seconds, as in wrk')
    const bad: [object, RegExp][] = [
      [{rate: '0'}, /--rate/],
      [{duration: '-5s'}, /--duration/],
      [{duration: '0s'}, /--duration/],
      [{connections: 0}, /--connections/],
      [{threads: 4, connections: 2}, /--threads/],
      [{pipelining: 0}, /--pipelining/],
      [{method: 'FETCH'}, /--method/],
      [{'max-p99': 'soon'}, /--max-p99/],
      [{'min-rps': 'lots'}, /--min-rps/],
      [{body: 'a', bodyBytes: Buffer.from('b')}, /--body/],
    ]
    for (const [flags, re] of bad)
      assert.throws(
        () => parseLoadSettings(flags),
        (e: Error) => e instanceof UsageError && re.test(e.message),
        JSON.stringify(flags),
      )
    const t = parseLoadSettings({
      'max-p99': '250ms',
      'max-p95': '1s',
      'max-latency': '500us',
      'min-rps': '1k',
      'max-error-rate': '1%',
    }).thresholds
    assert.deepEqual(t, {maxP99: 250_000, maxP95: 1_000_000, maxLatency: 500, minRps: 1000, maxErrorRate: 0.01})
  })

  test('request bytes: Host, keep-alive, headers, body length, basic auth from the URL', () => {
    const s = parseLoadSettings({method: 'post', header: ['X-Test: 1'], body: '{"a":1}'})
    const text = buildRequest(s, new URL('http://u:p%40ss@127.0.0.1:8080/api?q=1')).toString()
    assert.match(text, /^POST \/api\?q=1 HTTP\/1\.1\r\n/)
    assert.match(text, /\r\nHost: 127\.0\.0\.1:8080\r\n/)
    assert.match(text, /\r\nConnection: keep-alive\r\n/)
    assert.match(text, /\r\nX-Test: 1\r\n/)
    assert.match(text, /\r\nContent-Length: 7\r\n/)
    assert.match(text, new RegExp(`\\r\\nAuthorization: Basic ${Buffer.from('u:p@ss').toString('base64')}\\r\\n`))
    assert.ok(text.endsWith('\r\n\r\n{"a":1}'))
  })
})

describe('loadtest target argument', () => {
  test('URLs and service names', () => {
    assert.deepEqual(parseTargetArg('user-api'), {kind: 'service', name: 'user-api'})
    const u = parseTargetArg('http://127.0.0.1:8080/x')
    assert.equal(u.kind, 'url')
    assert.equal(displayUrl(new URL('http://a:secret@h/')), 'http://h/')
  })

  test('bad targets are usage errors with a hint', () => {
    for (const bad of ['localhost:8080', '127.0.0.1:80/x', 'ftp://host/', 'http://', 'not a url', '10.0.0.1']) {
      assert.throws(() => parseTargetArg(bad), UsageError, bad)
    }

    assert.throws(
      () => parseTargetArg('localhost:8080'),
      (e: UsageError) => /http:\/\/localhost:8080/.test(e.hint ?? ''),
    )
  })
})

describe('threads policy', () => {
  test('-t is a ceiling: connections, cores, a core left to a loopback server, open loop only at high rates', async () => {
    const {effectiveThreads} = await import('../../../src/loadtest/threads.js')
    const remote = [{host: '10.0.0.5'}] as never
    const local = [{host: '127.0.0.1'}] as never
    assert.equal(effectiveThreads(1, {connections: 50, targets: remote}, 8), 1)
    assert.equal(effectiveThreads(4, {connections: 50, targets: remote}, 8), 4)
    assert.equal(effectiveThreads(4, {connections: 2, targets: remote}, 8), 2)
    assert.equal(effectiveThreads(16, {connections: 50, targets: remote}, 8), 8)
    assert.equal(effectiveThreads(2, {connections: 100, targets: local}, 2), 1)
    assert.equal(effectiveThreads(4, {connections: 100, targets: local}, 8), 4)
    assert.equal(effectiveThreads(4, {connections: 100, targets: remote, rate: 2000}, 8), 1)
    assert.equal(effectiveThreads(4, {connections: 100, targets: remote, rate: 20_000}, 8), 4)
  })
})
