import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {TimelineLine} from '../../../src/logs/timeline.js'
import type {ServiceView} from '../../../src/model/types.js'

import {terminalSafe, terminalText} from '../../../src/core/terminal-text.js'
import {renderView} from '../../../src/discover/render.js'
import {LINT_LABELS_RULES} from '../../../src/labels/index.js'
import {renderLine} from '../../../src/logs/render.js'
import {Finding, FormatContext, formatFindings} from '../../../src/report/findings/index.js'

// What a hostile label, container name or log line tries: set the window title (OSC 0), plant a
// hyperlink (OSC 8), move the cursor, and start a line of its own that GitHub reads as a command.
const HOSTILE =
  'x\u001B]0;pwned\u0007\u001B]8;;https://evil.example\u001B\\link\u001B]8;;\u001B\\\u009B2J\r\n::error file=a.yaml::forged\u202E'
const RAW = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202E]/

const context: FormatContext = {
  toolName: 'mcp',
  toolVersion: '0.1.0',
  command: 'lint-labels',
  rules: LINT_LABELS_RULES,
  color: false,
}
const finding: Finding = {
  ruleId: 'health-path-invalid',
  severity: 'error',
  message: `mcp.health.path "${HOSTILE}" does not start with '/'`,
  hint: `write /${HOSTILE}`,
  location: {kind: 'file', file: `compose${HOSTILE}.yaml`, line: 3, column: 7},
}

describe('terminalText: controls shown, never obeyed', () => {
  test('C0, C1, DEL, line separators and bidi overrides are shown as escapes', () => {
    assert.equal(
      terminalText('a\u001B[31mb\u0007c\u007Fd\u009Be\nf\rg\th\u2028i\u202Ej'),
      String.raw`a\x1b[31mb\x07c\x7fd\x9be\nf\rg\th\u2028i\u202ej`,
    )
    assert.equal(terminalText('plain text, ünïcödé, 日本'), 'plain text, ünïcödé, 日本')
  })

  test('terminalSafe escapes every string of plain data, keys included, and leaves the original alone', () => {
    const data = {a: [HOSTILE, 1, null], [`k\u001B`]: {b: '\n'}}
    const safe = terminalSafe(data)
    assert.doesNotMatch(JSON.stringify(safe).replaceAll('\\\\', ''), /\\u001b|\\n/)
    assert.equal(data.a[0], HOSTILE)
    assert.deepEqual(Object.keys(safe), ['a', String.raw`k\x1b`])
  })
})

describe('human renderers show values, never obey them', () => {
  test('stylish: no raw control, and a value never starts a line (no forged ::error)', () => {
    const out = formatFindings([finding], 'stylish', context)
    assert.doesNotMatch(out, RAW)
    assert.ok(
      out.split('\n').every((line) => !line.startsWith('::')),
      out,
    )
    assert.match(out, /↳ write \/x\\x1b\]0;pwned\\x07/)
  })

  test('github: one annotation per finding, line breaks escaped as GitHub does (%0D%0A), other controls shown', () => {
    const out = formatFindings([finding], 'github', context)
    assert.equal(out.split('\n').filter(Boolean).length, 1, out)
    assert.match(out, /^::error file=compose/)
    assert.match(out, /%0D%0A::error file=a.yaml::forged/)
    assert.doesNotMatch(out, RAW)
  })

  test('json and sarif stay exact', () => {
    assert.ok(formatFindings([finding], 'json', context).includes(JSON.stringify(HOSTILE).slice(1, -1)))
    assert.ok(formatFindings([finding], 'sarif', context).includes(JSON.stringify(HOSTILE).slice(1, -1)))
  })

  test('junit: well-formed XML 1.0, characters XML forbids (U+FFFE, U+FFFF, lone surrogates, C0) dropped', () => {
    const out = formatFindings([{...finding, message: `bad \uFFFE\uFFFF\uD800 \u0001 value`}], 'junit', context)
    assert.doesNotMatch(out, /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u)
    assert.match(out, /bad {3}value/)
  })

  test('discover: container names, labels and source errors are escaped', () => {
    const view = {
      services: [{name: `svc${HOSTILE}`, instances: [{id: `id${HOSTILE}`, labels: {}, addresses: []}]}],
      unnamed: [],
      sources: [{name: 'docker', ok: false, ms: 1, count: 0, endpoint: 'unix:///x', error: HOSTILE}],
    } as unknown as ServiceView
    const out = renderView(view, {color: false, sources: ['docker'], probed: false})
    assert.doesNotMatch(out, RAW)
    assert.ok(
      out.split('\n').every((line) => !line.startsWith('::')),
      out,
    )
  })

  test('trace: a log line is shown escaped', () => {
    const line = {
      source: `app${HOSTILE}`,
      message: `GET /x ${HOSTILE}`,
      line: HOSTILE,
      match: true,
    } as unknown as TimelineLine
    const out = renderLine(line, 20)
    assert.doesNotMatch(out, RAW)
    assert.ok(!out.includes('\n'))
  })
})
