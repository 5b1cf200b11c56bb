import assert from 'node:assert/strict'
import {test} from 'node:test'

import {ExitCode, worstExitCode} from '../../../src/core/exit-codes.js'

test('worstExitCode: the higher code wins, INTERRUPTED always, even over a higher number', () => {
  assert.equal(worstExitCode(), 0)
  assert.equal(worstExitCode(ExitCode.NEGATIVE, ExitCode.PARTIAL, ExitCode.USAGE), ExitCode.PARTIAL)
  assert.equal(worstExitCode(ExitCode.INTERRUPTED, 255), ExitCode.INTERRUPTED)
  assert.equal(worstExitCode(255, ExitCode.OK), 255)
})
