import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {RuleMeta} from '../../../src/report/findings/index.js'

import {CONFIG_RULES, lintConfigDocument} from '../../../src/config/index.js'
import {defineConfigRule} from '../../../src/config/rule.js'
import {docsUrl} from '../../../src/core/docs-url.js'
import {DOCTOR_CHECKS} from '../../../src/doctor/checks/index.js'
import {LABEL_RULES} from '../../../src/labels/index.js'
import {RULE_FAMILIES, type RuleCommand} from '../../../src/rules/families.js'

/** Every family's rules, the page its docs are on and the anchor a rule's section has there. */
const FAMILIES: {
  command: RuleCommand
  page: string
  anchor: (id: string) => string
  rules: readonly {meta: RuleMeta; check: unknown}[]
}[] = [
  {command: 'lint-labels', page: 'rules.md', anchor: (id) => id, rules: LABEL_RULES},
  {command: 'lint-config', page: 'config-rules.md', anchor: (id) => id, rules: CONFIG_RULES},
  {command: 'doctor', page: 'doctor.md', anchor: (id) => id.toLowerCase(), rules: DOCTOR_CHECKS},
]

const SEVERITIES = new Set(['error', 'warning', 'info'])

/** Ids the commands report themselves (no check of their own): a file that cannot be read, a stale mcp-ignore, a source down. */
const REPORTED_BY_THE_COMMAND: Record<RuleCommand, string[]> = {
  'lint-labels': ['input-error', 'unused-suppression'],
  'lint-config': ['unused-suppression'],
  doctor: ['SOURCE_UNREACHABLE'],
}

function assertMeta(meta: RuleMeta, page: string, anchor: (id: string) => string): void {
  assert.match(meta.id, /^(?:[a-z]+(?:-[a-z]+)*|[A-Z]+(?:_[A-Z]+)*)$/)
  assert.ok(SEVERITIES.has(meta.severity), `${meta.id}: severity ${meta.severity}`)
  assert.ok(typeof meta.description === 'string' && meta.description.length > 10, `${meta.id}: a description`)
  // SARIF's helpUri is "format": "uri": absolute. docsUrl gives the file: URL of the shipped docs.
  const url = new URL(meta.docs)
  assert.ok(url.protocol === 'file:' || url.protocol === 'https:', `${meta.id}: ${meta.docs}`)
  assert.equal(url.href, meta.docs, `${meta.id}: docs is an absolute URL as written`)
  assert.equal(meta.docs, docsUrl(page, anchor(meta.id)), `${meta.id}: docs comes from docsUrl`)
  assert.ok(meta.fixable === undefined || typeof meta.fixable === 'boolean', `${meta.id}: fixable`)
}

describe('one rule shape: {meta, check(subject, context)} in every family', () => {
  for (const {command, page, anchor, rules} of FAMILIES) {
    test(`${command}: every rule is {meta, check} and its meta has the one set of fields`, () => {
      assert.ok(rules.length > 0)
      for (const rule of rules) {
        assert.deepEqual(
          Object.keys(rule).sort(),
          ['check', 'meta'],
          `${command}: ${JSON.stringify(Object.keys(rule))}`,
        )
        assert.equal(typeof rule.check, 'function', `${rule.meta.id}: check`)
        assertMeta(rule.meta, page, anchor)
      }
    })
  }

  test('mcp rules, SARIF and the docs generator read each rule’s own meta; the few ids a command reports itself have the same fields', () => {
    assert.deepEqual(
      RULE_FAMILIES.map((f) => f.command),
      FAMILIES.map((f) => f.command),
    )
    for (const {command, page, anchor, rules} of FAMILIES) {
      const {metas} = RULE_FAMILIES.find((f) => f.command === command)!
      for (const rule of rules)
        assert.ok(metas.includes(rule.meta), `${command} ${rule.meta.id}: the table holds the rule's own meta`)
      const extra = metas.filter((m) => !rules.some((r) => r.meta === m))
      assert.deepEqual(
        extra.map((m) => m.id),
        REPORTED_BY_THE_COMMAND[command],
      )
      for (const m of extra) assertMeta(m, page, anchor)
    }
  })

  test('meta.id is unique in each family; across families only the same mistake in a label and in a config shares an id', () => {
    const owners = new Map<string, RuleCommand[]>()
    for (const {command, metas} of RULE_FAMILIES) {
      const ids = metas.map((m) => m.id)
      assert.equal(new Set(ids).size, ids.length, `${command}: ${ids.join(', ')}`)
      for (const id of ids) owners.set(id, [...(owners.get(id) ?? []), command])
    }

    const shared = [...owners].filter(([, commands]) => commands.length > 1)
    // `mcp rules unknown-key` lists both; --rule and .mcp.yaml set both under validate. Doctor codes never collide.
    assert.deepEqual(shared, [
      ['unknown-key', ['lint-labels', 'lint-config']],
      ['unresolved-variable', ['lint-labels', 'lint-config']],
      ['unused-suppression', ['lint-labels', 'lint-config']],
    ])
  })

  test('only rules whose meta is fixable may report a fix (ESLint refuses the others), and --fix plans theirs', () => {
    const hit = {path: ['a'], message: 'm', fix: {target: 'value' as const, text: '2', description: '1 → 2'}}
    const unfixable = defineConfigRule({
      meta: {id: 'x-unfixable', severity: 'error', description: 'reports a fix without saying so'},
      check: (_config, ctx) => [ctx.report(hit)],
    })
    const fixable = defineConfigRule({
      meta: {id: 'x-fixable', severity: 'warning', description: 'reports a fix and says so', fixable: true},
      check: (_config, ctx) => [ctx.report(hit)],
    })
    const doc = {path: 'x.yaml', text: 'a: 1\n', hadBom: false}
    assert.throws(
      () => lintConfigDocument(doc, {vars: {}, rules: [unfixable]}),
      /x-unfixable reported a fix, but its meta is not fixable/,
    )
    const result = lintConfigDocument(doc, {vars: {}, rules: [fixable]})
    assert.deepEqual(result.findings, [
      {
        ruleId: 'x-fixable',
        severity: 'warning',
        message: 'm',
        location: {kind: 'file', file: 'x.yaml', line: 1, column: 4, endLine: 1, endColumn: 5},
      },
    ])
    assert.deepEqual(result.fixes, [
      {ruleId: 'x-fixable', start: 3, end: 4, text: '2', description: '1 → 2', line: 1, column: 4},
    ])
    assert.deepEqual(
      CONFIG_RULES.filter((r) => r.meta.fixable).map((r) => r.meta.id),
      ['schema', 'unknown-key', 'invalid-duration'],
    )
  })
})
