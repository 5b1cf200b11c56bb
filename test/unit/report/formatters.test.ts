import type AjvDraft04 from 'ajv-draft-04'
import type formats from 'ajv-formats'

import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {describe, test} from 'node:test'

import {CONFIG_RULE_METAS} from '../../../src/config/index.js'
import {codeMeta, DOCTOR_CODES} from '../../../src/doctor/codes.js'
import {LINT_LABELS_RULES, lintLabels} from '../../../src/labels/index.js'
import {Finding, FORMAT_NAMES, FormatContext, formatFindings} from '../../../src/report/findings/index.js'
import {ROOT} from '../labels/helpers.js'
import {GOLDEN_FIXTURE, goldenPath, normalizeOutput} from './golden.js'

const context = (color = false): FormatContext => ({
  toolName: 'mcp',
  toolVersion: '0.1.0',
  command: 'lint-labels',
  rules: LINT_LABELS_RULES,
  color,
})

async function fixtureFindings(): Promise<Finding[]> {
  return (await lintLabels({composeFiles: [GOLDEN_FIXTURE], env: {}, cwd: ROOT})).findings
}

describe("each format's exact output for one fixture", () => {
  for (const format of FORMAT_NAMES) {
    test(format, async () => {
      const out = normalizeOutput(formatFindings(await fixtureFindings(), format, context()))
      // UPDATE_GOLDEN=1 rewrites the pinned files (review the diff before committing).
      if (process.env.UPDATE_GOLDEN) writeFileSync(goldenPath(format), out)
      assert.equal(out, readFileSync(goldenPath(format), 'utf8'))
    })
  }
})

describe('sarif', () => {
  const require = createRequire(import.meta.url)
  const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as Record<string, unknown>
  // Both are CommonJS (module.exports is the class / the plugin); require sidesteps NodeNext's default-import typing.
  const Ajv = require('ajv-draft-04') as typeof AjvDraft04.default
  const addFormats = require('ajv-formats') as typeof formats.default
  // The official schema (draft-04) has a pattern that is not valid with the u flag.
  const ajv = new Ajv({allErrors: true, strict: false, unicodeRegExp: false})
  addFormats(ajv)
  const validate = ajv.compile(schema)

  const valid = (text: string) => {
    const ok = validate(JSON.parse(text))
    assert.ok(ok, JSON.stringify(validate.errors, null, 2))
  }

  test("the fixture's log validates against the official SARIF 2.1.0 schema", async () => {
    valid(formatFindings(await fixtureFindings(), 'sarif', context()))
  })

  test('container, registry and input-error findings, and no findings at all, validate too', () => {
    const findings: Finding[] = [
      {
        ruleId: 'service-port-not-exposed',
        severity: 'warning',
        message: 'm',
        location: {kind: 'container', container: 'api-1', id: 'abc'},
        service: 'api',
        instance: 'api-1',
        evidence: {port: 1},
      },
      {
        ruleId: 'STALE_REGISTRATION',
        severity: 'error',
        message: 'm',
        location: {kind: 'registry', registry: 'etcd', key: '/services/a/b'},
      },
      {
        ruleId: 'input-error',
        severity: 'error',
        message: 'is empty',
        location: {kind: 'file', file: '/abs/path with space/compose.yaml', line: 1, column: 1},
      },
      {ruleId: 'empty-value', severity: 'info', message: 'no location'},
    ]
    const text = formatFindings(findings, 'sarif', context())
    valid(text)
    const log = JSON.parse(text)
    const results = log.runs[0].results as {ruleId: string; ruleIndex: number}[]
    for (const r of results) assert.equal(log.runs[0].tool.driver.rules[r.ruleIndex].id, r.ruleId)
    valid(formatFindings([], 'sarif', context()))
  })

  test('every rule table (labels, config, doctor) validates with formats on: helpUri is an absolute URI', () => {
    const doctorRules = DOCTOR_CODES.map((code) => codeMeta(code, 'error', code))
    for (const [command, rules] of [
      ['lint-config', CONFIG_RULE_METAS],
      ['doctor', doctorRules],
      ['lint-labels', LINT_LABELS_RULES],
    ] as const) {
      const text = formatFindings([], 'sarif', {...context(), command, rules})
      valid(text)
      const documented = (JSON.parse(text).runs[0].tool.driver.rules as {id: string; helpUri?: string}[]).filter(
        (r) => r.id !== 'input-error',
      )
      for (const rule of documented)
        assert.match(rule.helpUri ?? '', /^file:\/\/\/.+\/docs\/[a-z-]+\.md#[\w-]+$/, rule.id)
    }
  })
})

describe('github', () => {
  test('escapes data and properties the way workflow commands need', () => {
    const out = formatFindings(
      [
        {
          ruleId: 'r',
          severity: 'info',
          message: '100% bad\nsecond line',
          location: {kind: 'file', file: 'a,b:c.yaml', line: 2, column: 3},
        },
      ],
      'github',
      context(),
    )
    assert.equal(out, '::notice file=a%2Cb%3Ac.yaml,line=2,col=3,title=r::100%25 bad%0Asecond line\n')
  })
})

describe('stylish', () => {
  test('colour only when asked; "no problems" when clean', async () => {
    const findings = await fixtureFindings()
    assert.ok(!/\u001B\[/.test(formatFindings(findings, 'stylish', context(false))))
    assert.ok(/\u001B\[31merror/.test(formatFindings(findings, 'stylish', context(true))))
    assert.equal(formatFindings([], 'stylish', context()), '✔ no problems\n')
  })
})

describe('junit', () => {
  test('XML special characters are escaped and infos do not fail', () => {
    const out = formatFindings(
      [
        {
          ruleId: 'r',
          severity: 'info',
          message: '<a & "b">',
          location: {kind: 'file', file: 'f.yaml', line: 1, column: 1},
        },
      ],
      'junit',
      context(),
    )
    assert.match(out, /failures="0"/)
    assert.match(out, /<system-out>info: &lt;a &amp; &quot;b&quot;&gt;/)
  })
})

describe('checkstyle and gitlab', () => {
  test('checkstyle escapes XML and drops characters XML cannot hold; gitlab fingerprints stay unique', () => {
    const f = (message: string, line: number): Finding => ({
      ruleId: 'r',
      severity: 'error',
      message,
      location: {kind: 'file', file: 'a "b".yaml', line, column: 1},
    })
    const xml = formatFindings([f('<x> & \u0007y', 1)], 'checkstyle', context())
    assert.match(xml, /<file name="a &quot;b&quot;\.yaml">/)
    assert.match(xml, /message="&lt;x&gt; &amp; y"/)
    const issues = JSON.parse(
      formatFindings(
        [
          f('same', 1),
          f('same', 1),
          {ruleId: 'X', severity: 'warning', message: 'm', location: {kind: 'container', container: 'api-1'}},
        ],
        'gitlab',
        context(),
      ),
    ) as {
      fingerprint: string
      severity: string
      location: {path: string; lines: {begin: number}}
    }[]
    assert.equal(new Set(issues.map((i) => i.fingerprint)).size, 3)
    assert.deepEqual(issues.map((i) => i.severity).sort(), ['major', 'major', 'minor'])
    assert.deepEqual(issues.find((i) => i.severity === 'minor')!.location, {path: 'container api-1', lines: {begin: 1}})
  })
})
