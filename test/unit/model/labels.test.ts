import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {
  checkPort,
  DEFAULT_HEALTH_PATH,
  hasPrefix,
  LABEL_KEYS,
  labelKeys,
  parsePortLabel,
} from '../../../src/model/labels.js'

describe('the label vocabulary', () => {
  test('every key under the prefix, each once', () => {
    const keys = labelKeys('acme.gw')
    assert.deepEqual(Object.keys(keys), Object.keys(LABEL_KEYS))
    assert.equal(keys.servicePort, 'acme.gw.service.port')
    assert.equal(keys.healthTimeout, 'acme.gw.health.timeout')
    assert.equal(new Set(Object.values(keys)).size, Object.keys(LABEL_KEYS).length)
    assert.equal(DEFAULT_HEALTH_PATH, '/health')
  })

  test('hasPrefix wants the prefix and a dot', () => {
    assert.equal(hasPrefix('mcp.service.name', 'mcp'), true)
    assert.equal(hasPrefix('mcpx.service.name', 'mcp'), false)
    assert.equal(hasPrefix('mcp', 'mcp'), false)
    assert.equal(hasPrefix('x.mcp.service.name', 'mcp'), false)
  })

  test('checkPort: a port, or why not', () => {
    for (const [value, port] of [
      ['1', 1],
      ['65535', 65_535],
      ['8080', 8080],
      ['08080', 8080],
    ] as const)
      assert.deepEqual(checkPort(value), {ok: true, port})
    for (const value of [
      '',
      'http',
      '8080/tcp',
      '0.0.0.0:80',
      '+80',
      '-1',
      '80a',
      'a80',
      '8 0',
      ' 80',
      '80 ',
      '1e3',
      '٨٠',
    ])
      assert.deepEqual(checkPort(value), {ok: false, problem: 'not-an-integer'}, value)
    for (const [value, number] of [
      ['0', 0],
      ['00', 0],
      ['65536', 65_536],
      ['99999999999999999999', 1e20],
    ] as const)
      assert.deepEqual(checkPort(value), {ok: false, problem: 'out-of-range', number}, value)
  })

  test('parsePortLabel: what the merged view reads, white space around the digits ignored', () => {
    assert.equal(parsePortLabel(undefined), undefined)
    assert.equal(parsePortLabel(' 8080\t'), 8080)
    assert.equal(parsePortLabel('\n1\n'), 1)
    assert.equal(parsePortLabel('8 080'), undefined)
    assert.equal(parsePortLabel(' 0 '), undefined)
    assert.equal(parsePortLabel('65536'), undefined)
    assert.equal(parsePortLabel('http'), undefined)
  })
})
