import fc from 'fast-check'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {findComposeFiles, lintLabels, parseComposeFile} from '../../../src/labels/index.js'
import {at, FIXTURES, ids, lint} from './helpers.js'

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-compose-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), {recursive: true})
    writeFileSync(join(dir, name), text)
  }

  return dir
}

const services = (text: string, vars: Record<string, string> = {}) => parseComposeFile('compose.yaml', text, {vars})

describe('compose label sources', () => {
  test('map and list forms, labels / build.labels / deploy.labels, merge keys', () => {
    const [s] = services(`
x-base: &base
  mcp.health.path: /h
services:
  api:
    build: {context: ., labels: [img=1]}
    labels:
      <<: *base
      mcp.service.name: api
    deploy:
      labels: ["mcp.service.port=80"]
`)
    assert.deepEqual(
      s!.set.labels.map((l) => [l.scope, l.form, l.key, l.value]),
      [
        ['build.labels', 'list', 'img', '1'],
        ['labels', 'map', 'mcp.service.name', 'api'],
        ['labels', 'map', 'mcp.health.path', '/h'],
        ['deploy.labels', 'list', 'mcp.service.port', '80'],
      ],
    )
  })

  test('list-form value positions: plain and quoted items, CRLF', () => {
    const [s] = services(
      'services:\r\n  a:\r\n    labels:\r\n      - mcp.service.port=80\r\n      - "mcp.service.name=x"\r\n      - \'mcp.health.path=/h\'\r\n',
    )
    assert.deepEqual(
      s!.set.labels.map(
        (l) =>
          `${l.keyLocation?.kind === 'file' ? l.keyLocation.line + ':' + l.keyLocation.column : ''}>${l.valueLocation?.kind === 'file' ? l.valueLocation.line + ':' + l.valueLocation.column : ''}`,
      ),
      ['4:9>4:26', '5:9>5:27', '6:9>6:26'],
    )
  })

  test('interpolation: ${VAR}, defaults, $$; unresolved variables are listed', () => {
    const [s] = services(
      'services:\n  a:\n    labels:\n      p: ${PORT}\n      q: ${MISSING:-9}\n      r: $${LITERAL}\n      s: ${NOPE}\n',
      {PORT: '8080'},
    )
    assert.deepEqual(
      s!.set.labels.map((l) => [l.value, l.unresolved]),
      [
        ['8080', []],
        ['9', []],
        ['${LITERAL}', []],
        ['${NOPE}', ['NOPE']],
      ],
    )
  })

  test('--env-file under the environment; the project .env when no --env-file', async () => {
    const dir = project({
      'compose.yaml':
        'services:\n  a:\n    labels:\n      mcp.service.name: ${NAME}\n      mcp.service.port: ${PORT}\n      mcp.health.path: /h\n    expose: ["80"]\n',
      '.env': 'NAME=from-dot-env\nPORT=80\n',
      'other.env': 'NAME=Bad_Name\nPORT=80\n',
    })
    const run = async (envFiles: string[] | undefined, env: Record<string, string>) =>
      (await lintLabels({composeFiles: ['compose.yaml'], envFiles, env, cwd: dir})).findings
    assert.deepEqual(await run(undefined, {}), [])
    assert.deepEqual(ids(await run(['other.env'], {})), ['service-name-format'])
    assert.deepEqual(await run(['other.env'], {NAME: 'from-env'}), [])
  })

  test('default discovery: compose.yaml first, plus the override file, merged', async () => {
    const dir = project({
      'docker-compose.yml': 'services: {}\n',
      'compose.yaml': 'services:\n  a:\n    image: x\n    labels: {mcp.service.name: a, mcp.health.path: /h}\n',
      'compose.override.yaml': 'services:\n  a:\n    labels: {mcp.service.port: "80"}\n    expose: ["80"]\n',
    })
    assert.deepEqual(findComposeFiles(dir), ['compose.yaml', 'compose.override.yaml'])
    const {findings, checked} = await lintLabels({env: {}, cwd: dir})
    assert.deepEqual(findings, [])
    assert.deepEqual(checked.files, ['compose.yaml', 'compose.override.yaml'])
  })

  test('no compose file and nothing else asked: a usage error naming what was looked for', async () => {
    const dir = project({README: 'x'})
    await assert.rejects(
      lintLabels({env: {}, cwd: dir}),
      /no compose file in .* \(looked for compose\.yaml, compose\.yml, docker-compose\.yml, docker-compose\.yaml\)/,
    )
  })

  test('-f files in different directories are one project, as with docker compose -f (validate keeps directories apart)', async () => {
    const dir = project({
      'a/compose.yaml': 'services:\n  api:\n    labels: {mcp.service.name: a, mcp.health.path: /h}\n',
      'b/compose.yaml': 'services:\n  api:\n    labels: {mcp.service.port: "80"}\n    expose: ["80"]\n',
    })
    assert.deepEqual(
      (await lintLabels({composeFiles: ['a/compose.yaml', 'b/compose.yaml'], env: {}, cwd: dir})).findings,
      [],
    )
    const {findings} = await lintLabels({composeProjects: [['a/compose.yaml'], ['b/compose.yaml']], env: {}, cwd: dir})
    assert.deepEqual(ids(findings).sort(), ['health-path-missing', 'service-name-missing', 'service-port-missing'])
  })

  test("a service that builds: the Dockerfile's LABELs and EXPOSEs count", async () => {
    const dir = project({
      'compose.yaml': 'services:\n  api:\n    build: ./api\n    labels: {mcp.service.name: api}\n',
      'api/Dockerfile': 'FROM scratch\nEXPOSE 8080\nLABEL mcp.service.port=8080 mcp.health.path=/h\n',
    })
    assert.deepEqual((await lintLabels({composeFiles: ['compose.yaml'], env: {}, cwd: dir})).findings, [])
  })
})

describe('bad input: one clear finding per file, the others still checked', () => {
  test('every kind of unreadable file', async () => {
    const bad = `${FIXTURES}/bad`
    const findings = await lint({
      composeFiles: [
        `${bad}/invalid.yaml`,
        `${bad}/duplicate-keys.yaml`,
        `${bad}/alias-bomb.yaml`,
        `${bad}/binary.yaml`,
        `${bad}/empty.yaml`,
        `${bad}/missing.yaml`,
        bad,
        `${FIXTURES}/compose/service-port-invalid.yaml`,
      ],
      dockerfiles: [`${bad}/nope.Dockerfile`],
    })
    const byFile = new Map(
      findings
        .filter((f) => f.ruleId === 'input-error')
        .map((f) => [f.location?.kind === 'file' ? f.location.file : '', `${at(f)} ${f.message}`]),
    )
    assert.deepEqual(Object.fromEntries(byFile), {
      [`${bad}/invalid.yaml`]: '4:1 Flow sequence in block collection must be sufficiently indented and end with a ]',
      [`${bad}/duplicate-keys.yaml`]: '4:5 duplicate key: Map keys must be unique',
      [`${bad}/alias-bomb.yaml`]:
        '1:1 Excessive alias count indicates a resource exhaustion attack (alias expansion limit 100)',
      [`${bad}/binary.yaml`]: '1:1 is a binary file, not text',
      [`${bad}/empty.yaml`]: '1:1 is empty',
      [`${bad}/missing.yaml`]: '1:1 no such file',
      [bad]: '1:1 is a directory, not a file',
      [`${bad}/nope.Dockerfile`]: '1:1 no such file',
    })
    // Compose refuses a project with a bad file: nothing of it is judged, but the Dockerfile still is.
    assert.equal(findings.filter((f) => f.ruleId === 'service-port-invalid').length, 0)
    const alone = await lint({composeFiles: [`${FIXTURES}/compose/service-port-invalid.yaml`]})
    assert.equal(alone.filter((f) => f.ruleId === 'service-port-invalid').length, 2)
  })

  test('not a compose document', async () => {
    const dir = project({'list.yaml': '- a\n- b\n', 'svc.yaml': 'services: [a]\n'})
    const {findings} = await lintLabels({composeFiles: ['list.yaml', 'svc.yaml'], env: {}, cwd: dir})
    assert.deepEqual(
      findings.map((f) => `${at(f)} ${f.message}`),
      [
        '1:1 expected a mapping at the top level (is this a compose file?)',
        '1:11 `services` is not a mapping of service names',
      ],
    )
  })
})

describe('properties', () => {
  // Label keys without '=' (compose splits list items at the first '='), values anything printable.
  const key = fc
    .string({unit: fc.constantFrom('a', 'z', '0', '.', '-', '_', 'M'), minLength: 1, maxLength: 12})
    .filter((k) => k.trim() === k)
  const value = fc.string({
    unit: fc.constantFrom('a', ' ', '=', ':', '#', '"', "'", '\\', '/', 'é', '{', '}', '-', '0'),
    maxLength: 16,
  })

  test('list form "- key=value" and map form "key: value" read back the same pairs', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), {selector: ([k]) => k, minLength: 1, maxLength: 5}), (pairs) => {
        const list = pairs.map(([k, v]) => `      - ${JSON.stringify(`${k}=${v}`)}`).join('\n')
        const map = pairs.map(([k, v]) => `      ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join('\n')
        for (const body of [list, map]) {
          const [s] = services(`services:\n  a:\n    labels:\n${body}\n`)
          assert.deepEqual(
            s!.set.labels.map((l) => [l.key, l.value]),
            pairs,
          )
        }
      }),
      {numRuns: 300},
    )
  })
})
