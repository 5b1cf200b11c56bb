import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {epochToMs, parseClfTime, parseIsoTime, parseLine, splitDockerTimestamp} from '../../../src/logs/parse-line.js'
import {filterSourceLines, mergeTimeline, timelineLines} from '../../../src/logs/timeline.js'

const T = Date.UTC(2000, 9, 10, 20, 55, 36)

describe('timestamps', () => {
  test('ISO 8601 / RFC 3339 in its spellings', () => {
    assert.equal(parseIsoTime('2000-10-10T20:55:36Z')?.time, T)
    assert.equal(parseIsoTime('at 2000-10-10T13:55:36-07:00 x')?.time, T)
    assert.equal(parseIsoTime('2000-10-10 22:55:36+0200')?.time, T)
    assert.equal(parseIsoTime('2000-10-10T20:55:36.123Z')?.time, T + 123)
    assert.equal(parseIsoTime('2000-10-10T20:55:36,5Z')?.time, T + 500)
    // Docker's RFC 3339 nano: sub-millisecond digits are kept as a fraction.
    assert.ok(Math.abs(parseIsoTime('2000-10-10T20:55:36.123456789Z')!.time - (T + 123.456_789)) < 1e-3)
    assert.equal(parseIsoTime('2000-13-10T20:55:36Z'), undefined)
  })

  test('nginx common log format and Envoy brackets', () => {
    assert.equal(parseClfTime('127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /"')?.time, T)
    assert.equal(parseLine('[2000-10-10T20:55:36.310Z] "GET /a HTTP/1.1" 200 - 0 15 3 2').time, T + 310)
  })

  test('epoch seconds, milliseconds, micro and nanoseconds in JSON', () => {
    assert.equal(parseLine(`{"ts":${T / 1000},"msg":"a"}`).time, T)
    assert.equal(parseLine(`{"ts":${T / 1000 + 0.25},"msg":"a"}`).time, T + 250)
    assert.equal(parseLine(`{"timestamp":${T},"msg":"a"}`).time, T)
    assert.equal(parseLine(`{"time":"${T}000000"}`).time, T)
    assert.equal(epochToMs(T * 1000), T)
  })

  test('property: any instant round-trips through ISO with an offset and through CLF', () => {
    const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ')
    fc.assert(
      fc.property(
        fc.integer({min: 0, max: 4_102_444_800}),
        fc.integer({min: -12 * 60, max: 14 * 60}),
        fc.integer({min: 0, max: 999}),
        (secs, offMin, ms) => {
          const t = secs * 1000 + ms
          const local = new Date(t + offMin * 60_000)
          const sign = offMin < 0 ? '-' : '+'
          const a = Math.abs(offMin)
          const zone = `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`
          const iso = local.toISOString().slice(0, 23) + zone
          assert.equal(parseIsoTime(iso)?.time, t)
          const p2 = (n: number) => String(n).padStart(2, '0')
          const clf = `[${p2(local.getUTCDate())}/${months[local.getUTCMonth()]}/${local.getUTCFullYear()}:${p2(local.getUTCHours())}:${p2(local.getUTCMinutes())}:${p2(local.getUTCSeconds())} ${zone.replace(':', '')}]`
          assert.equal(parseClfTime(clf)?.time, t - ms)
        },
      ),
      {numRuns: 500},
    )
  })
})

describe('fields', () => {
  test('JSON lines by fields', () => {
    const p = parseLine(
      '{"@timestamp":"2000-10-10T20:55:36Z","log.level":"WARN","message":"slow","http.status_code":503,"duration_ms":120}',
    )
    assert.equal(p.level, 'warn')
    assert.equal(p.status, 503)
    assert.equal(p.durationMs, 120)
    assert.equal(p.message, 'slow')
    assert.equal(parseLine('{"level":50,"msg":"x"}').level, 'error')
    assert.equal(parseLine('{"severity":"ERROR","request_time":0.25}').durationMs, 250)
    assert.equal(parseLine('{"latency":"1.5s"}').durationMs, 1500)
  })

  test('access logs: status, duration, level from status', () => {
    const p = parseLine('127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 502 12 "-" "curl" rt=0.120')
    assert.equal(p.status, 502)
    assert.equal(p.durationMs, 120)
    assert.equal(p.level, 'error')
    assert.equal(parseLine('2000-10-10T20:55:36Z INFO handled duration=12ms').durationMs, 12)
    assert.equal(parseLine('2000-10-10T20:55:36Z level=warn msg=x').level, 'warn')
    // "error" in prose is not a level
    assert.equal(parseLine('no error here').level, undefined)
  })

  test('Docker timestamp prefix', () => {
    const s = splitDockerTimestamp('2000-10-10T20:55:36.000000001Z hello world')
    assert.equal(s.rest, 'hello world')
    assert.ok(Math.abs(s.time! - T) < 0.01)
    assert.equal(splitDockerTimestamp('hello world').rest, 'hello world')
  })
})

describe('timeline', () => {
  test('orders across sources, offsets from the first line, inherits times for context lines', () => {
    const a = timelineLines({name: 'a.log', type: 'file'}, [
      {offset: 0, text: 'ctx before', match: false},
      {offset: 11, text: '2000-10-10T20:55:38Z INFO a second', match: true},
    ])
    const b = timelineLines({name: 'b.log', type: 'file'}, [
      {offset: 0, text: '2000-10-10T20:55:36Z ERROR b first', match: true},
    ])
    const lines = mergeTimeline([a, b])
    assert.deepEqual(
      lines.map((l) => l.source),
      ['b.log', 'a.log', 'a.log'],
    )
    assert.deepEqual(
      lines.map((l) => l.offsetMs),
      [0, 2000, 2000],
    )
    assert.equal(lines[1]!.timeInferred, true)
  })

  test('--level keeps matches at or above it with their context', () => {
    const lines = timelineLines({name: 'a', type: 'file'}, [
      {offset: 0, text: 'c1', match: false},
      {offset: 3, text: 'INFO m1', match: true},
      {offset: 11, text: 'c2', match: false},
      {offset: 14, text: 'ERROR m2', match: true},
      {offset: 23, text: 'c3', match: false},
    ])
    assert.deepEqual(
      filterSourceLines(lines, {level: 'warn'}).map((l) => l.line),
      ['ERROR m2', 'c3'],
    )
  })
})
