import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {commandLine} from '../../../src/cli/command-line.js'
import {redact, registerSecret} from '../../../src/core/redact.js'

describe("secrets in a report's command line and in redacted text", () => {
  test('JSON bodies and forms: the values of secret-looking keys are masked, the rest kept', () => {
    assert.equal(
      commandLine('mcp', [
        'loadtest',
        'http://h/',
        '--body',
        '{"user":"ann","password":"hunter2","nested":{"api_key":"k-1","n":1}}',
      ]),
      `mcp loadtest http://h/ --body '{"user":"ann","password":"[redacted]","nested":{"api_key":"[redacted]","n":1}}'`,
    )
    assert.equal(
      commandLine('mcp', ['loadtest', 'http://h/', '--body=user=ann&token=t0k&x=1']),
      `mcp loadtest http://h/ '--body=user=ann&token=[redacted]&x=1'`,
    )
    assert.equal(
      commandLine('mcp', ['discover', '--etcd-user', 'root:pw']),
      "mcp discover --etcd-user 'root:[redacted]'",
    )
  })

  test('every registered secret is redacted, however short', () => {
    registerSecret('pw')
    registerSecret('x')
    assert.equal(
      redact('root:pw failed; pwd and xray stay; "x"'),
      'root:[redacted] failed; pwd and xray stay; "[redacted]"',
    )
  })
})
