import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {EtcdRegistration} from '../../../src/model/types.js'
import type {Finding} from '../../../src/report/findings/finding.js'

import {
  DoctorWatchConfig,
  DoctorWatchEvent,
  DoctorWatchState,
  initialWatchState,
  ORPHAN_MS,
  watchExitCode,
  watchStep,
} from '../../../src/doctor/watch-state.js'
import {watchLines} from '../../../src/doctor/watch.js'

const config: DoctorWatchConfig = {overrides: [], judgeEarly: true}

function reg(key: string, address: string, service = 'orders'): EtcdRegistration {
  return {
    key,
    service,
    instance: key.split('/').pop()!,
    address,
    valueFormat: 'plain',
    lease: null,
    createRevision: '1',
    modRevision: '1',
  }
}

function stale(instance: string): Finding {
  return {ruleId: 'STALE_REGISTRATION', severity: 'error', message: `${instance} is gone`, service: 'orders', instance}
}

function early(container: string): Finding {
  return {
    ruleId: 'EARLY_REGISTRATION',
    severity: 'error',
    message: 'registered before it was ready',
    service: 'orders',
    instance: container,
    evidence: {container},
  }
}

/** Feed events one after another, as watchDoctor does; every step's effects in order. */
function run(state: DoctorWatchState, events: DoctorWatchEvent[], cfg = config) {
  const effects = []
  for (const event of events) {
    const step = watchStep(state, event, cfg)
    state = step.state
    effects.push(...step.effects)
  }

  return {state, effects}
}

describe('doctor --watch state machine', () => {
  test('a re-check prints what resolved, then what appeared, and keeps what stayed quiet', () => {
    const start = initialWatchState([stale('a'), stale('b')], [], 0)
    const {state, effects} = run(start, [
      {type: 'checked', findings: [stale('b'), {...stale('c'), message: 'c is gone'}], sourceExitCode: 4},
    ])
    assert.deepEqual(
      effects.map((e) => e.type === 'print' && `${e.event} ${e.finding.instance}`),
      ['resolved a', 'finding c'],
    )
    assert.deepEqual(
      [...state.open.values()].map((f) => f.instance),
      ['b', 'c'],
    )
    assert.equal(state.sourceExitCode, 4)
    // The state given is not changed.
    assert.deepEqual(
      [...start.open.values()].map((f) => f.instance),
      ['a', 'b'],
    )
  })

  test('a finding whose message changed (a growing duration) is the same finding', () => {
    const {effects} = run(initialWatchState([stale('a')], [], 0), [
      {type: 'checked', findings: [{...stale('a'), message: 'later'}], sourceExitCode: 0},
    ])
    assert.deepEqual(effects, [])
  })

  test('severity overrides apply to re-checks and judgements: an "off" rule is never printed', () => {
    const cfg = {...config, overrides: [{STALE_REGISTRATION: 'off' as const, EARLY_REGISTRATION: 'off' as const}]}
    const {state, effects} = run(
      initialWatchState([], [], 0),
      [
        {type: 'checked', findings: [stale('a')], sourceExitCode: 0},
        {type: 'judged', reg: reg('/services/orders/x', '127.0.0.1:1'), matched: true, finding: early('x'), now: 0},
      ],
      cfg,
    )
    assert.deepEqual(effects, [])
    assert.equal(state.early.length, 0)
  })

  test('a new registration is judged once; a put that changes nothing is not judged again', () => {
    const r = reg('/services/orders/x', '127.0.0.1:8080')
    const {effects} = run(initialWatchState([], [], 0), [
      {type: 'etcd', change: {type: 'put', registration: r, revision: '2'}, now: 5},
      {type: 'etcd', change: {type: 'put', registration: {...r, modRevision: '3'}, revision: '3'}, now: 6},
      {type: 'etcd', change: {type: 'put', registration: {...r, address: '127.0.0.1:9090'}, revision: '4'}, now: 7},
    ])
    assert.deepEqual(
      effects.map((e) => e.type === 'judge' && [e.reg.address, e.seenAt]),
      [
        ['127.0.0.1:8080', 5],
        ['127.0.0.1:9090', 7],
      ],
    )
  })

  test('without EARLY_REGISTRATION among the checks, registrations are remembered but not judged', () => {
    const {state, effects} = run(
      initialWatchState([], [], 0),
      [{type: 'etcd', change: {type: 'put', registration: reg('/k', '1:1'), revision: '2'}, now: 1}],
      {...config, judgeEarly: false},
    )
    assert.deepEqual(effects, [])
    assert.ok(state.seen.has('/k'))
  })

  test('an early registration is printed, counted, and "ready" once its container turns healthy', () => {
    const r = reg('/services/orders/x', '127.0.0.1:8080')
    const {state, effects} = run(initialWatchState([], [r], 0), [
      {type: 'judged', reg: r, matched: true, finding: early('orders-1'), now: 1000},
      {type: 'docker', event: 'health', subject: 'orders-1', details: {health: 'starting'}, now: 2000},
      {type: 'docker', event: 'health', subject: 'orders-1', details: {health: 'healthy'}, now: 3500},
      {type: 'docker', event: 'health', subject: 'orders-1', details: {health: 'healthy'}, now: 9000},
    ])
    const prints = effects
      .filter((e) => e.type === 'print')
      .map((e) => (e.event === 'ready' ? `ready after ${e.after}` : e.event))
    assert.deepEqual(prints, ['finding', 'ready after 2.5s'])
    // Every Docker event also asks for a re-check.
    assert.equal(effects.filter((e) => e.type === 'schedule').length, 3)
    assert.equal(state.pendingReady.size, 0)
    // Ready later or not, an early registration fails the run at --fail-on error.
    assert.equal(watchExitCode(state, {failOn: 'error'}), 1)
    assert.equal(watchExitCode(state, {failOn: 'none'}), 0)
  })

  test('a container that dies before it is healthy is no longer waited for', () => {
    const r = reg('/k', '1:1')
    const {state, effects} = run(initialWatchState([], [r], 0), [
      {type: 'judged', reg: r, matched: true, finding: early('c1'), now: 0},
      {type: 'docker', event: 'die', subject: 'c1', details: {}, now: 10},
      {type: 'docker', event: 'health', subject: 'c1', details: {health: 'healthy'}, now: 20},
    ])
    assert.equal(effects.filter((e) => e.type === 'print' && e.event === 'ready').length, 0)
    assert.equal(state.pendingReady.size, 0)
  })

  test('an unmatched registration waits as an orphan and is judged again, as early, when its service starts a container', () => {
    const r = reg('/services/orders/x', '127.0.0.1:8080')
    const {state, effects} = run(initialWatchState([], [r], 0), [
      {type: 'judged', reg: r, matched: false, now: 100},
      {type: 'docker', event: 'start', subject: 'payments-1', details: {service: 'payments'}, now: 200},
      {type: 'docker', event: 'start', subject: 'orders-1', details: {service: 'orders'}, now: 300},
    ])
    assert.deepEqual(
      effects.filter((e) => e.type === 'judge'),
      [{type: 'judge', reg: r, before: 100}],
    )
    assert.equal(state.orphans.size, 0)
  })

  test('an orphan older than a minute is dropped (stale, not early), and a deleted key is forgotten', () => {
    const old = reg('/old', '1:1')
    const gone = reg('/gone', '1:2')
    const {state, effects} = run(initialWatchState([], [old, gone], 0), [
      {type: 'judged', reg: old, matched: false, now: 0},
      {type: 'judged', reg: gone, matched: false, now: 0},
      {
        type: 'etcd',
        change: {type: 'delete', key: '/gone', service: 'orders', instance: 'gone', revision: '9'},
        now: 1,
      },
      {type: 'docker', event: 'create', subject: 'orders-2', details: {service: 'orders'}, now: ORPHAN_MS + 1},
    ])
    assert.deepEqual(
      effects.filter((e) => e.type === 'judge'),
      [],
    )
    assert.equal(state.orphans.size, 0)
    assert.ok(!state.seen.has('/gone'))
  })

  test('a judgement that comes back after its key was deleted leaves no orphan', () => {
    const r = reg('/k', '1:1')
    const {state} = run(initialWatchState([], [], 0), [{type: 'judged', reg: r, matched: false, now: 0}])
    assert.equal(state.orphans.size, 0)
  })

  test('the exit code is the worst of the open findings and the sources', () => {
    const {state} = run(initialWatchState([stale('a')], [], 0), [{type: 'checked', findings: [], sourceExitCode: 4}])
    assert.equal(watchExitCode(state, {failOn: 'error'}), 4)
    assert.equal(watchExitCode(initialWatchState([stale('a')], [], 0), {failOn: 'error'}), 1)
  })
})

describe('doctor --watch printer', () => {
  const time = '2026-12-05T03:04:05.678Z'
  test('a finding is a line and its hint; resolved and ready are one line each', () => {
    const f = {...stale('a'), hint: 'remove the key'}
    assert.deepEqual(watchLines({type: 'print', event: 'finding', finding: f}, {color: false, json: false, time}), [
      '03:04:05.678  + error    STALE_REGISTRATION  orders/a  a is gone',
      '                ↳ remove the key',
    ])
    assert.deepEqual(watchLines({type: 'print', event: 'resolved', finding: f}, {color: false, json: false, time}), [
      '03:04:05.678  - resolved STALE_REGISTRATION  orders/a  a is gone',
    ])
    assert.deepEqual(
      watchLines(
        {type: 'print', event: 'ready', finding: early('c1'), after: '2.5s'},
        {color: false, json: false, time},
      ),
      ['03:04:05.678  ✓ ready    EARLY_REGISTRATION  orders/c1  became ready 2.5s after it was registered'],
    )
  })

  test('values from outside are shown, never obeyed', () => {
    const [line] = watchLines(
      {type: 'print', event: 'resolved', finding: {...stale('a'), message: 'x\u001B[2Jy'}},
      {color: false, json: false, time},
    )
    assert.ok(!line!.includes('\u001B'))
  })

  test('--json: one object a line, "after" only for ready', () => {
    const [finding] = watchLines(
      {type: 'print', event: 'finding', finding: stale('a')},
      {color: false, json: true, time},
    )
    assert.deepEqual(Object.keys(JSON.parse(finding!)), ['time', 'event', 'finding'])
    const [ready] = watchLines(
      {type: 'print', event: 'ready', finding: early('c1'), after: '1s'},
      {color: false, json: true, time},
    )
    assert.deepEqual(Object.keys(JSON.parse(ready!)), ['time', 'event', 'finding', 'after'])
  })
})
