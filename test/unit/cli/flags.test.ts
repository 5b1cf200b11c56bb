import {parse} from '@oclif/core/parser'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {checkFlags, durationFlag} from '../../../src/cli/flags.js'
import {unwrapFlagParseMessage} from '../../../src/cli/parse-error.js'
import {UsageError} from '../../../src/core/errors.js'

// Through oclif's own parser, as a command's flags are parsed before run().
const flags = {
  gap: durationFlag({description: 'gap', default: '1s'}),
  grace: durationFlag({description: 'grace', allowZero: true}),
  ttl: durationFlag({description: 'ttl'}),
  'fail-on': checkFlags['fail-on'],
}
const parseArgv = async (argv: string[]) => (await parse(argv, {flags})).flags

describe('durationFlag', () => {
  test('500ms, 2s, 1m and a bare number (seconds) become milliseconds', async () => {
    assert.equal((await parseArgv(['--ttl', '500ms'])).ttl, 500)
    assert.equal((await parseArgv(['--ttl', '2s'])).ttl, 2000)
    assert.equal((await parseArgv(['--ttl=1m'])).ttl, 60_000)
    assert.equal((await parseArgv(['--ttl', '3'])).ttl, 3000)
  })

  test('the default is the typed spelling, in milliseconds; absent without one', async () => {
    const parsed = await parseArgv([])
    assert.equal(parsed.gap, 1000)
    assert.equal(parsed.ttl, undefined)
    const help = flags.gap.defaultHelp as (context: unknown) => Promise<string>
    assert.equal(await help({flags: {}, options: flags.gap}), '1s')
  })

  test('zero only where allowed', async () => {
    assert.equal((await parseArgv(['--grace', '0s'])).grace, 0)
    await assert.rejects(
      parseArgv(['--ttl', '0s']),
      (e: unknown) => e instanceof UsageError && /--ttl "0s" is not a duration/.test(e.line),
    )
  })

  test('a bad value is one line naming the flag, with a hint', async () => {
    await assert.rejects(parseArgv(['--gap', 'soon']), (e: unknown) => {
      assert.ok(e instanceof UsageError)
      // oclif wraps the message ("Parsing --gap …"); BaseCommand.catch shows it unwrapped.
      assert.equal(unwrapFlagParseMessage(e.line), '--gap "soon" is not a duration')
      assert.equal(e.hint, 'use a positive number with a unit, e.g. 500ms, 5s, 1m')
      return true
    })
  })
})

describe('severityFlag (--fail-on)', () => {
  test('one of the levels, error by default', async () => {
    assert.equal((await parseArgv([]))['fail-on'], 'error')
    assert.equal((await parseArgv(['--fail-on', 'none']))['fail-on'], 'none')
    await assert.rejects(
      parseArgv(['--fail-on', 'fatal']),
      /Expected --fail-on=fatal to be one of: error, warning, info, none/,
    )
  })
})
