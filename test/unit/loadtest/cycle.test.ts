import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {connectionSpecs, endpointGroups, type LoadTarget} from '../../../src/loadtest/engine.js'

const target = (id: string, port: number, tls = false): LoadTarget => ({
  id,
  host: '127.0.0.1',
  port,
  tls,
  request: Buffer.from(id),
})

describe('--targets: targets to one endpoint share its connections', () => {
  test('endpointGroups: host, port and TLS make an endpoint; file order kept', () => {
    const targets = [target('a', 1), target('b', 2), target('c', 1), target('d', 1, true)]
    assert.deepEqual(endpointGroups(targets), [[0, 2], [1], [0, 2], [3]])
  })

  test('connectionSpecs with cycle: connections round robin over endpoints (their first target), rate split per endpoint', () => {
    const targets = [target('a', 1), target('b', 2), target('c', 1)]
    const specs = connectionSpecs({targets, connections: 4, cycle: true, rate: 100})
    assert.deepEqual(
      specs.map((s) => s.target),
      [0, 1, 0, 1],
    )
    // Two endpoints at 50 req/s each, two connections each: every 40 ms, staggered by 20 ms.
    assert.deepEqual(
      specs.map((s) => [s.interval, s.offset]),
      [
        [40, 0],
        [40, 0],
        [40, 20],
        [40, 20],
      ],
    )
    // Without cycle each target is its own endpoint, as for a service's instances.
    assert.deepEqual(
      connectionSpecs({targets, connections: 3}).map((s) => s.target),
      [0, 1, 2],
    )
  })
})
