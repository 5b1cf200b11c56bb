import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {type CommandInfo, complete, Directive, formatAnswer, type ValueSources} from '../../../src/cli/completion.js'

const flag = (name: string, more: Partial<CommandInfo['flags'][number]> = {}) => ({name, takesValue: true, ...more})
const COMMANDS: CommandInfo[] = [
  {
    id: 'discover',
    summary: 'Show instances',
    flags: [
      flag('service', {char: 's', multiple: true}),
      flag('profile'),
      flag('etcd-endpoints'),
      flag('json', {takesValue: false}),
    ],
    args: [],
  },
  {
    id: 'lint-labels',
    flags: [
      flag('rule', {multiple: true}),
      flag('format', {char: 'o', options: ['stylish', 'json', 'sarif']}),
      flag('file', {char: 'f'}),
    ],
    args: [],
  },
  {
    id: 'doctor',
    flags: [
      flag('only', {multiple: true}),
      flag('ignore'),
      flag('color', {takesValue: false, allowNo: true}),
      flag('secret', {hidden: true}),
    ],
    args: [],
  },
  {id: 'rules', flags: [], args: ['id']},
  {id: 'loadtest', flags: [flag('targets'), flag('registry-prefix')], args: ['target']},
  {id: 'config:use', summary: 'Use one', flags: [], args: ['name']},
  {id: 'config:show', flags: [], args: ['name']},
  {id: 'lint-config', flags: [], args: ['files']},
  {id: 'trace', flags: [flag('context', {char: 'C'}), flag('docker-context')], args: ['id', 'paths']},
  {id: '__complete', hidden: true, flags: [], args: []},
]

function sources(log: Record<string, string>[] = []): ValueSources {
  return {
    profiles: async () => ['prod', 'staging'],
    async services(typed) {
      log.push(typed)
      return ['orders', 'users']
    },
    rules: async (id) =>
      id === 'lint-labels' || id === undefined
        ? [
            {id: 'health-path-missing', description: 'No health path'},
            {id: 'port-invalid', description: 'Bad port'},
          ]
        : [],
    doctorCodes: async () => ['UNREGISTERED', 'NOT_READY', 'NO_LEASE'],
    dockerContexts: async () => ['default', 'prod-swarm'],
  }
}

const values = async (words: string[], current: string, log?: Record<string, string>[]) => {
  const a = await complete(COMMANDS, words, current, sources(log), {config: 'Profiles'})
  return {values: a.candidates.map((c) => c.value), directive: a.directive}
}

describe('complete(): what mcp __complete answers', () => {
  test('commands and topics (hidden ones left out), subcommands of a topic', async () => {
    assert.deepEqual((await values([], '')).values.sort(), [
      'config',
      'discover',
      'doctor',
      'lint-config',
      'lint-labels',
      'loadtest',
      'rules',
      'trace',
    ])
    assert.deepEqual((await values([], 'lint-')).values, ['lint-labels', 'lint-config'])
    assert.deepEqual((await values(['config'], '')).values, ['use', 'show'])
    const top = await complete(COMMANDS, [], 'con', sources(), {config: 'Profiles'})
    assert.deepEqual(top.candidates, [{value: 'config', description: 'Profiles'}])
    assert.deepEqual(await values(['nope'], ''), {values: [], directive: Directive.NoFileComp})
  })

  test('flags: given ones not offered again unless repeatable; --no- for allowNo; hidden left out', async () => {
    assert.deepEqual((await values(['doctor'], '--')).values, ['--only', '--ignore', '--color', '--no-color'])
    assert.deepEqual((await values(['doctor', '--ignore', 'X'], '--i')).values, [])
    assert.deepEqual((await values(['doctor', '--only', 'X'], '--o')).values, ['--only'])
  })

  test('values: profiles, services (with the connection flags typed), rule ids then severities, doctor codes, options', async () => {
    assert.deepEqual(await values(['discover', '--profile'], ''), {
      values: ['prod', 'staging'],
      directive: Directive.NoFileComp,
    })
    assert.deepEqual((await values(['config', 'use'], 'st')).values, ['staging'])
    assert.deepEqual((await values(['config', 'show'], '')).values, ['prod', 'staging'])
    const log: Record<string, string>[] = []
    assert.deepEqual(
      (await values(['discover', '--etcd-endpoints', 'http://127.0.0.1:1', '--profile=prod', '-s'], 'o', log)).values,
      ['orders'],
    )
    assert.deepEqual(log.at(-1), {'etcd-endpoints': 'http://127.0.0.1:1', profile: 'prod'})
    assert.deepEqual(await values(['loadtest', '--registry-prefix', '/x/'], '', log), {
      values: ['orders', 'users'],
      directive: Directive.NoFileComp,
    })
    assert.deepEqual(log.at(-1), {'registry-prefix': '/x/'})
    assert.deepEqual(await values(['lint-labels', '--rule'], 'health'), {
      values: ['health-path-missing='],
      directive: Directive.NoFileComp | Directive.NoSpace,
    })
    assert.deepEqual((await values(['lint-labels', '--rule'], 'health-path-missing=w')).values, [
      'health-path-missing=warning',
    ])
    assert.deepEqual((await values(['lint-labels'], '--rule=po')).values, ['--rule=port-invalid='])
    assert.deepEqual((await values(['rules'], '')).values, ['health-path-missing', 'port-invalid'])
    assert.deepEqual((await values(['doctor', '--only'], 'NO')).values, ['NOT_READY', 'NO_LEASE'])
    assert.deepEqual((await values(['doctor', '--ignore'], 'NOT_READY,N')).values, ['NOT_READY,NO_LEASE'])
    assert.deepEqual((await values(['lint-labels', '-o'], 's')).values, ['stylish', 'sarif'])
    assert.deepEqual(
      (await values(['discover', '--context'], 'p')).values,
      [],
      'discover has no --context in this table',
    )
    assert.deepEqual((await values(['trace', 'ID', '--docker-context'], '')).values, ['default', 'prod-swarm'])
    assert.deepEqual(
      await values(['trace', 'ID', '-C'], ''),
      {values: [], directive: Directive.Default},
      "trace's -C is lines",
    )
  })

  test('file names where a file is meant: a file flag, a FILES argument, after --', async () => {
    assert.deepEqual(await values(['lint-labels', '-f'], ''), {values: [], directive: Directive.Default})
    assert.deepEqual(await values(['lint-config'], ''), {values: [], directive: Directive.Default})
    assert.deepEqual(await values(['loadtest', '--targets'], 't'), {values: [], directive: Directive.Default})
    assert.equal(
      (await values(['doctor', '--'], '--o')).directive,
      Directive.NoFileComp,
      'no argument after --: nothing',
    )
  })

  test('formatAnswer: value<TAB>description lines, no control characters, long descriptions cut, then the directive', () => {
    const text = formatAnswer({
      candidates: [
        {value: 'a\u001B[31m', description: 'x\ty'},
        {value: 'b', description: 'd'.repeat(200)},
        {value: 'c'},
      ],
      directive: 6,
    })
    const lines = text.split('\n')
    assert.equal(lines[0], 'a[31m\tx y')
    assert.equal([...lines[1]!.split('\t')[1]!].length, 80)
    assert.deepEqual(lines.slice(2), ['c', ':6', ''])
  })

  test('formatAnswer: C1 controls (a service label holding U+009B, the one-byte CSI) are dropped too', () => {
    assert.equal(
      formatAnswer({candidates: [{value: 'svc\u009B31m', description: 'd\u0085e'}], directive: 0}),
      'svc31m\tde\n:0\n',
    )
  })
})
