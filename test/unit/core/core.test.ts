import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {resolveConnections} from '../../../src/core/connections.js'
import {formatDuration, parseDuration, parseDurationFlag} from '../../../src/core/duration.js'
import {UsageError} from '../../../src/core/errors.js'
import {worstExitCode} from '../../../src/core/exit-codes.js'
import {interpolate} from '../../../src/core/interpolate.js'
import {redact, registerSecret} from '../../../src/core/redact.js'
import {describeError} from '../../../src/discover/view.js'

describe('durations', () => {
  test('Go-style spellings', () => {
    assert.equal(parseDuration('500ms'), 500)
    assert.equal(parseDuration('1m30s'), 90_000)
    assert.equal(parseDuration('250us'), 0.25)
    assert.equal(parseDuration('-5s'), undefined)
    assert.equal(parseDuration('5'), undefined)
    assert.equal(parseDuration('5 s'), undefined)
    assert.equal(parseDurationFlag('duration', '10'), 10_000, 'bare numbers are seconds, like wrk -d')
    assert.throws(() => parseDurationFlag('timeout', '-3s'), UsageError)
    assert.throws(() => parseDurationFlag('timeout', '0s'), UsageError)
    assert.equal(parseDurationFlag('grace', '0s', {allowZero: true}), 0)
  })

  test('property: format → parse round-trips whole milliseconds (to display precision)', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 10_000_000}), (ms) => {
        const text = formatDuration(ms)
        const back = parseDuration(text)
        assert.ok(back !== undefined, text)
        assert.ok(Math.abs(back - ms) <= Math.max(1, ms * 0.02), `${ms} → ${text} → ${back}`)
      }),
    )
  })
})

describe('connections: flag > environment > profile > default', () => {
  const config = {
    files: [],
    profiles: {
      prod: {
        etcd: {endpoints: ['10.0.0.1:2379'], user: 'ops', passwordEnv: 'PROD_ETCD_PASS'},
        labelPrefix: 'gw',
        consul: {addr: 'consul:8500'},
      },
    },
  }

  test('defaults', () => {
    const c = resolveConnections({}, {})
    assert.deepEqual(c.etcd.endpoints, ['http://127.0.0.1:2379'])
    assert.equal(c.etcd.configured, false)
    assert.deepEqual(c.sources, ['docker', 'etcd'])
    assert.equal(c.timeoutMs, 3000)
    assert.equal(c.registryPrefix, '/services/')
  })

  test('environment, then flags on top', () => {
    const env = {
      ETCDCTL_ENDPOINTS: 'a:1,b:2',
      ETCDCTL_USER: 'root:s3cret',
      CONSUL_HTTP_ADDR: 'c:8500',
      CONSUL_HTTP_TOKEN: 'tok-123456',
      DOCKER_HOST: 'tcp://h:2375',
    }
    const c = resolveConnections({}, env)
    assert.deepEqual(c.etcd.endpoints, ['http://a:1', 'http://b:2'])
    assert.equal(c.etcd.user, 'root')
    assert.equal(c.etcd.password, 's3cret')
    assert.deepEqual(c.sources, ['docker', 'etcd', 'consul'])
    assert.equal(c.docker.host, 'tcp://h:2375')
    const f = resolveConnections({'etcd-endpoints': 'x:9', 'docker-host': 'unix:///s', 'registry-prefix': 'reg'}, env)
    assert.deepEqual(f.etcd.endpoints, ['http://x:9'])
    assert.equal(f.docker.host, 'unix:///s')
    assert.equal(f.registryPrefix, '/reg/')
    assert.equal(redact('token tok-123456 and s3cret'), 'token [redacted] and [redacted]')
  })

  test('profiles sit between environment and defaults; unknown profile is a usage error', () => {
    const c = resolveConnections({profile: 'prod'}, {PROD_ETCD_PASS: 'pw-from-env'}, config)
    assert.deepEqual(c.etcd.endpoints, ['http://10.0.0.1:2379'])
    assert.equal(c.etcd.password, 'pw-from-env')
    assert.equal(c.labelPrefix, 'gw')
    assert.deepEqual(c.sources, ['docker', 'etcd', 'consul'], 'etcd configured by the profile stays on beside Consul')
    const env = resolveConnections({}, {MCP_PROFILE: 'prod', ETCDCTL_ENDPOINTS: 'e:1'}, config)
    assert.deepEqual(env.etcd.endpoints, ['http://e:1'])
    assert.throws(() => resolveConnections({profile: 'nope'}, {}, config), /profile "nope" is not defined/)
  })

  test('Consul alone: etcd is not asked unless configured', () => {
    assert.deepEqual(resolveConnections({}, {CONSUL_HTTP_ADDR: 'c:1'}).sources, ['docker', 'consul'])
    assert.throws(() => resolveConnections({source: 'consul'}, {}), /needs a Consul address/)
  })
})

describe('small contracts', () => {
  test('exit codes: the higher wins, interrupted always wins', () => {
    assert.equal(worstExitCode(0, 4, 1), 4)
    assert.equal(worstExitCode(5, 130), 130)
  })

  test('interpolation', () => {
    assert.deepEqual(interpolate('${A:-x}-${B}-$$-$C', {C: 'c'}), {value: 'x-${B}-$-c', unresolved: ['B'], errors: []})
    assert.deepEqual(interpolate('${A:-${B:-${C:-7070}}}', {}).value, '7070')
    assert.deepEqual(interpolate('${P:?set P} $5', {}).errors.length, 2)
    assert.equal(interpolate('${A:+alt}', {A: '1'}).value, 'alt')
  })

  test('redaction of URLs, bearer tokens, key=value, registered secrets, PEM keys', () => {
    registerSecret('hunter2-very-secret')
    assert.equal(redact('http://u:pw@h:1/x'), 'http://u:[redacted]@h:1/x')
    assert.equal(redact('Authorization: Bearer abcdefghijklmnop'), 'Authorization: Bearer [redacted]')
    assert.equal(redact('DB_PASSWORD=xyz API_TOKEN: abc'), 'DB_PASSWORD=[redacted] API_TOKEN: [redacted]')
    assert.equal(redact('was hunter2-very-secret'), 'was [redacted]')
    assert.equal(redact('-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----'), '[redacted]')
  })

  test('source errors read as one line: what happened and where', () => {
    const grpc = Object.assign(
      new Error(
        '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2379. Resolution note: ',
      ),
      {code: 14},
    )
    assert.equal(describeError(grpc), 'connection refused (127.0.0.1:2379)')
    const sock = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), {
      code: 'ENOENT',
      address: '/var/run/docker.sock',
    })
    assert.equal(describeError(sock), 'socket not found (/var/run/docker.sock)')
  })
})
