import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {Finding} from '../../../src/report/findings/finding.js'

import {applySuppressions, parseSuppressions} from '../../../src/report/findings/suppress.js'

const at = (ruleId: string, line: number, file = 'c.yaml'): Finding => ({
  ruleId,
  severity: 'warning',
  message: ruleId,
  location: {kind: 'file', file, line, column: 1},
})
const KNOWN = ['unknown-key', 'health-path-missing', 'service-port-missing', 'input-error']

describe('# mcp-ignore: suppressions', () => {
  test('at the end of the line, or on a line of its own above (blank lines and comments between are skipped)', () => {
    const text =
      'a: 1   # mcp-ignore: unknown-key reason\n# mcp-ignore: health-path-missing, service-port-missing why\n\n# another comment\nb: 2\nc: "#mcp-ignore: unknown-key"\n'
    assert.deepEqual(
      parseSuppressions(text, 'yaml').map((d) => ({ids: d.ruleIds, line: d.line, covers: [...d.covers]})),
      [
        {ids: ['unknown-key'], line: 1, covers: [1]},
        {ids: ['health-path-missing', 'service-port-missing'], line: 2, covers: [5]},
      ],
    )
  })

  test('a Dockerfile: only comment lines, covering the instruction and its continuation lines', () => {
    const text = 'FROM x\n# mcp-ignore: unknown-key\nLABEL a=1 \\\n  b=2\nLABEL c=3 # mcp-ignore: unknown-key\n'
    assert.deepEqual(
      parseSuppressions(text, 'dockerfile').map((d) => [...d.covers]),
      [[3, 4]],
    )
  })

  test('drops what is covered, keeps the rest and input errors, reports unused and unknown ids', () => {
    const text =
      'a: 1  # mcp-ignore: unknown-key, health-path-missing\n# mcp-ignore: input-error, servce-port-missing\nb: 2\n'
    const out = applySuppressions(
      [at('unknown-key', 1), at('unknown-key', 3), at('input-error', 3), at('unknown-key', 1, 'other.yaml')],
      'c.yaml',
      text,
      'yaml',
      KNOWN,
    )
    assert.deepEqual(
      out.map((f) => [
        f.ruleId,
        f.location?.kind === 'file' ? `${f.location.file}:${f.location.line}:${f.location.column}` : '',
        f.message,
        f.hint,
      ]),
      [
        ['unknown-key', 'c.yaml:3:1', 'unknown-key', undefined],
        ['input-error', 'c.yaml:3:1', 'input-error', undefined],
        ['unknown-key', 'other.yaml:1:1', 'unknown-key', undefined],
        [
          'unused-suppression',
          'c.yaml:1:7',
          'mcp-ignore: health-path-missing suppresses nothing here',
          'remove it, or put it at the end of the line the finding is reported at, or on a line of its own just above',
        ],
        [
          'unused-suppression',
          'c.yaml:2:1',
          'mcp-ignore: input-error suppresses nothing here',
          'remove it, or put it at the end of the line the finding is reported at, or on a line of its own just above',
        ],
        [
          'unused-suppression',
          'c.yaml:2:1',
          'mcp-ignore names an unknown rule "servce-port-missing"',
          'did you mean service-port-missing?',
        ],
      ],
    )
  })

  test('a file without directives is returned as it was', () => {
    const findings = [at('unknown-key', 1)]
    assert.equal(applySuppressions(findings, 'c.yaml', 'a: 1 # a comment\n', 'yaml', KNOWN), findings)
  })
})
