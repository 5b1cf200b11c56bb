import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {findRules, ruleCatalog} from '../../../src/rules/catalog.js'
import {markdownToText} from '../../../src/rules/render.js'
import {generateRuleDocsSource, RULE_DOC_PAGES} from '../../../src/rules/rule-docs-codegen.js'

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')

describe('mcp rules: the catalog', () => {
  test('the generated rule docs match the docs (regenerate: node --import tsx scripts/generate-rule-docs.ts)', () => {
    const pages = RULE_DOC_PAGES.map(({command, page, heading}) => ({command, heading, markdown: read(`docs/${page}`)}))
    assert.equal(read('src/rules/rule-docs.generated.ts'), generateRuleDocsSource(pages))
  })

  test('every rule of every checking command is listed, with an absolute link and an explanation', () => {
    const catalog = ruleCatalog()
    assert.ok(catalog.length >= 45, String(catalog.length))
    for (const r of catalog) {
      assert.match(
        r.helpUri ?? '',
        /^file:\/\/\/.+\/docs\/[a-z-]+\.md#[\w-]+$/,
        `${r.command} ${r.id}: SARIF's helpUri must be absolute (the shipped docs)`,
      )
      // lint-config's input-error is documented once, with lint-labels'.
      if (!(r.command === 'lint-config' && r.id === 'input-error'))
        assert.ok(r.explanation, `${r.command} ${r.id} has a section in the docs`)
    }
  })

  test('an id of two commands finds both; an unknown one is a usage error with did-you-mean', () => {
    assert.deepEqual(
      findRules('unknown-key').map((r) => r.command),
      ['lint-labels', 'lint-config'],
    )
    assert.deepEqual(
      findRules('unregistered').map((r) => r.id),
      ['UNREGISTERED'],
    )
    assert.throws(() => findRules('healt-path-missing'), {
      message: 'no rule "healt-path-missing"',
      hint: 'did you mean health-path-missing? (mcp rules lists them all)',
    } as never)
  })

  test('Markdown as terminal text: links to words, code blocks indented, emphasis and backticks gone', () => {
    assert.equal(
      markdownToText('**Fix:** see [other](#other), `a.b`.\n\n```yaml\nx: 1\n```\n'),
      'Fix: see other, a.b.\n\n    x: 1',
    )
  })
})
