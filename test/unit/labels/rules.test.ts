import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {describe, test} from 'node:test'

import {docsUrl} from '../../../src/core/docs-url.js'
import {LABEL_RULE_META, LABEL_RULES} from '../../../src/labels/index.js'
import {at, FIXTURES, ids, lint} from './helpers.js'

// Rules that cannot apply to a Dockerfile alone: it has no networks and no deploy section.
const NOT_FOR_DOCKERFILES = new Set(['service-network-unknown', 'deploy-labels-only', 'swarm-deploy-labels-missing'])

describe('every rule has a compose fixture that triggers it in both label forms', () => {
  for (const rule of LABEL_RULES) {
    test(rule.meta.id, async () => {
      const file = `${FIXTURES}/compose/${rule.meta.id}.yaml`
      assert.ok(existsSync(file), `missing fixture ${file}`)
      // Swarm-mode rules speak only with --swarm.
      const findings = (await lint({composeFiles: [file], swarm: rule.meta.id.startsWith('swarm-')})).filter(
        (f) => f.ruleId === rule.meta.id,
      )
      const sources = new Set(findings.map((f) => f.evidence?.source))
      assert.ok(
        sources.has('service map-form'),
        `${rule.meta.id}: no finding for the map form in ${file}: ${JSON.stringify(findings)}`,
      )
      assert.ok(sources.has('service list-form'), `${rule.meta.id}: no finding for the list form in ${file}`)
      for (const f of findings) {
        assert.equal(f.severity, rule.meta.severity)
        assert.equal(f.location?.kind, 'file')
        assert.ok(f.hint, 'every finding says what to do')
      }
    })
  }
})

describe('every rule that can apply to an image has a Dockerfile fixture', () => {
  for (const rule of LABEL_RULES.filter((r) => !NOT_FOR_DOCKERFILES.has(r.meta.id))) {
    test(rule.meta.id, async () => {
      const file = `${FIXTURES}/dockerfile/${rule.meta.id}.Dockerfile`
      assert.ok(existsSync(file), `missing fixture ${file}`)
      // service-conflict needs a second place: the compose fixture names the same service with another port.
      const composeFiles = rule.meta.id === 'service-conflict' ? [`${FIXTURES}/compose/health-path-missing.yaml`] : []
      const findings = (await lint({dockerfiles: [file], composeFiles})).filter((f) => f.ruleId === rule.meta.id)
      assert.ok(
        findings.some((f) => f.location?.kind === 'file' && f.location.file === file),
        `${rule.meta.id}: nothing reported in ${file}`,
      )
    })
  }
})

test('clean fixtures have no findings at all', async () => {
  assert.deepEqual(await lint({composeFiles: [`${FIXTURES}/compose/clean.yaml`]}), [])
  assert.deepEqual(await lint({dockerfiles: [`${FIXTURES}/dockerfile/clean.Dockerfile`]}), [])
})

test('rule metadata: unique ids, docs anchors, every rule documented in docs/rules.md', async () => {
  const {readFileSync} = await import('node:fs')
  const docs = readFileSync('docs/rules.md', 'utf8')
  const seen = new Set<string>()
  for (const r of LABEL_RULE_META) {
    assert.ok(!seen.has(r.id), `duplicate id ${r.id}`)
    seen.add(r.id)
    assert.match(r.id, /^[a-z]+(-[a-z]+)*$/)
    assert.equal(r.docs, docsUrl('rules.md', r.id))
    assert.ok(docs.includes(`\n### ${r.id}\n`), `docs/rules.md has no "### ${r.id}" heading`)
  }
})

describe('findings point at the label and say the right thing', () => {
  test('service-port-invalid: value position in both forms, and the fix', async () => {
    const f = (await lint({composeFiles: [`${FIXTURES}/compose/service-port-invalid.yaml`]})).filter(
      (x) => x.ruleId === 'service-port-invalid',
    )
    assert.deepEqual(f.map(at), ['6:25', '12:26'])
    assert.equal(f[0]!.hint, 'write the container port alone: 8080')
  })

  test('unknown-key suggests the near miss', async () => {
    const f = await lint({composeFiles: [`${FIXTURES}/compose/unknown-key.yaml`]})
    assert.match(f.find((x) => x.ruleId === 'unknown-key')!.message, /did you mean mcp\.service\.version\?/)
  })

  test('key-value-glued suggests the split, in the form it was written', async () => {
    const f = (await lint({composeFiles: [`${FIXTURES}/compose/key-value-glued.yaml`]})).filter(
      (x) => x.ruleId === 'key-value-glued',
    )
    assert.deepEqual(
      f.map((x) => x.hint),
      ['write mcp.service.name: user-api', 'write mcp.service.port=8080'],
    )
    // The glued key is not also reported as missing or unknown.
    const all = await lint({composeFiles: [`${FIXTURES}/compose/key-value-glued.yaml`]})
    assert.deepEqual([...new Set(ids(all))], ['key-value-glued'])
  })

  test('ports: published, ranges and host networking satisfy the port check', async () => {
    const f = (await lint({composeFiles: [`${FIXTURES}/compose/service-port-not-exposed.yaml`]})).filter(
      (x) => x.ruleId === 'service-port-not-exposed',
    )
    assert.deepEqual(
      f.map((x) => x.evidence?.source),
      ['service map-form', 'service list-form'],
    )
  })

  test('networks: compose key, project name and explicit name all count', async () => {
    const f = (await lint({composeFiles: [`${FIXTURES}/compose/service-network-unknown.yaml`]})).filter(
      (x) => x.ruleId === 'service-network-unknown',
    )
    assert.equal(f.length, 2)
  })

  test('unresolved variables: reported, then the value is not judged (no empty-value, no name-missing)', async () => {
    const f = await lint({composeFiles: [`${FIXTURES}/compose/unresolved-variable.yaml`]})
    assert.deepEqual(ids(f), ['unresolved-variable', 'unresolved-variable'])
  })

  test('an ARG-substituted value is unknown, not wrong', async () => {
    const f = await lint({dockerfiles: [`${FIXTURES}/dockerfile/unresolved-variable.Dockerfile`]})
    assert.deepEqual(ids(f), ['unresolved-variable'])
    assert.match(f[0]!.message, /VERSION/)
  })
})

describe('--label-prefix', () => {
  test("another prefix: mcp.* labels are nobody's, gw.* are checked", async () => {
    const {mkdtempSync, writeFileSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const {join} = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'mcp-labels-'))
    const file = join(dir, 'compose.yaml')
    writeFileSync(
      file,
      'services:\n  a:\n    labels:\n      gw.service.name: Bad_Name\n      gw.service.port: "80"\n      gw.health.path: /h\n      mcp.whatever: x\n    expose: ["80"]\n',
    )
    const f = await lint({composeFiles: [file], labelPrefix: 'gw'})
    assert.deepEqual(ids(f), ['service-name-format'])
    assert.match(f[0]!.message, /^gw\.service\.name/)
  })
})
