import {Ajv2020} from 'ajv/dist/2020.js'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {CONFIG_RULES} from '../../../src/config/index.js'
import {loadGatewaySchema, schemaKeys, validateAgainstSchema} from '../../../src/config/schema.js'
import {AJV_OPTIONS, generateValidatorSource} from '../../../src/config/validator-codegen.js'
import {docsUrl} from '../../../src/core/docs-url.js'

const root = new URL('../../../', import.meta.url)
const read = (p: string) => readFileSync(new URL(p, root), 'utf8')

describe('gateway schema', () => {
  test('is a valid 2020-12 schema with $id, title and description', () => {
    const schema = loadGatewaySchema()
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
    assert.match(schema.$id!, /^urn:/) // a name, not a download location (docs/config.md)
    const ajv = new Ajv2020(AJV_OPTIONS)
    assert.ok(ajv.validateSchema(schema), JSON.stringify(ajv.errors))
    ajv.compile(schema)
  })

  test('every key has a title and a description (editors show them)', () => {
    for (const key of schemaKeys()) {
      assert.ok(key.schema.title, `${key.path} has no title`)
      assert.ok(key.schema.description, `${key.path} has no description`)
    }
  })

  test('the precompiled validator matches the schema (regenerate: node --import tsx scripts/generate-config-validator.ts)', () => {
    assert.equal(read('src/config/gateway-validator.generated.ts'), generateValidatorSource(loadGatewaySchema()))
  })

  test('docs/config.md documents every schema key', () => {
    const docs = read('docs/config.md')
    const missing = schemaKeys()
      .filter((k) => !docs.includes(`| \`${k.path}\` |`))
      .map((k) => k.path)
    assert.deepEqual(missing, [], `add these keys to docs/config.md: ${missing.join(', ')}`)
  })

  test('docs/config.md shows the yaml-language-server modeline naming the copy `mcp schema --out` writes', () => {
    const docs = read('docs/config.md')
    assert.ok(docs.includes('mcp schema --out gateway.schema.json'))
    assert.ok(docs.includes('# yaml-language-server: $schema=./gateway.schema.json'))
    assert.ok(docs.includes(loadGatewaySchema().$id!), 'the $id is named')
  })

  test('docs/config-rules.md has a section for every rule id, and the example config is valid', () => {
    const docs = read('docs/config-rules.md')
    for (const rule of CONFIG_RULES) {
      assert.ok(docs.includes(`\n## ${rule.meta.id}\n`), `docs/config-rules.md has no "## ${rule.meta.id}" section`)
      assert.equal(rule.meta.docs, docsUrl('config-rules.md', rule.meta.id))
    }
  })

  test('durations: the pattern takes unit strings and refuses bare numbers', () => {
    for (const ok of ['500ms', '5s', '1m', '1h30m', '1.5s', '250us'])
      assert.deepEqual(validateAgainstSchema({healthCheck: {interval: ok}}), [], ok)
    for (const bad of ['5', '5 s', '5sec', '-1s', ''])
      assert.notDeepEqual(validateAgainstSchema({healthCheck: {interval: bad}}), [], bad)
    assert.notDeepEqual(validateAgainstSchema({healthCheck: {interval: 5}}), [])
  })
})
