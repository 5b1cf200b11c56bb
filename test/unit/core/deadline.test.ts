import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'

import {DeadlineError, withDeadline} from '../../../src/core/deadline.js'

const run = promisify(execFile)
const deadline = new URL('../../../src/core/deadline.ts', import.meta.url).pathname

/** A process whose only pending work is a promise that never settles, under a 50 ms deadline. */
async function awaitNothing(options: string): Promise<string> {
  const script = `import {withDeadline} from ${JSON.stringify(deadline)}
withDeadline(new Promise(() => {}), 50, 'nothing', ${options}).catch((error) => console.log('answered:', error.message))`
  const {stdout} = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeout: 20_000,
  })
  return stdout
}

describe('withDeadline', () => {
  test('the value when it comes first; a DeadlineError naming what and how long when the timer does', async () => {
    assert.equal(await withDeadline(Promise.resolve(7), 1000, 'x'), 7)
    let timedOut = false
    const late = withDeadline(new Promise(() => {}), 10, 'etcd', {
      keepAlive: true, // the test runner has nothing else pending: without it the process would end first
      onTimeout: () => (timedOut = true),
    })
    await assert.rejects(
      late,
      (error: unknown) => error instanceof DeadlineError && error.message === 'etcd did not answer within 10 ms',
    )
    assert.ok(timedOut)
  })

  test('its timer holds the process open only with keepAlive (a <TAB> owes an answer; a finished command does not wait)', async () => {
    assert.equal(await awaitNothing('{keepAlive: true}'), 'answered: nothing did not answer within 50 ms\n')
    assert.equal(await awaitNothing('{}'), '')
  })
})
