import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {InputError} from '../../../src/core/errors.js'
import {lintLabels} from '../../../src/labels/index.js'
import {ComposeProjectOptions, loadComposeProject} from '../../../src/labels/sources/compose.js'
import {ids, lint, ROOT} from './helpers.js'

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-model-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), {recursive: true})
    writeFileSync(join(dir, name), text)
  }

  return dir
}

const DIR = 'test/fixtures/compose-model'

function load(files: string[], options: Partial<ComposeProjectOptions> = {}) {
  return loadComposeProject({files: files.map((f) => `${DIR}/${f}`), cwd: ROOT, env: {}, ...options})
}

/** service → label key → value. */
function labels(project: ReturnType<typeof load>, scope = 'labels'): Record<string, Record<string, string>> {
  return Object.fromEntries(
    project.services.map((s) => [
      s.key,
      Object.fromEntries(s.set.labels.filter((l) => l.scope === scope).map((l) => [l.key, l.value])),
    ]),
  )
}

function where(project: ReturnType<typeof load>, service: string, key: string): string {
  const l = project.services.find((s) => s.key === service)!.set.labels.find((x) => x.key === key)!
  const loc = l.valueLocation!
  return loc.kind === 'file' ? `${loc.file}:${loc.line}:${loc.column}` : ''
}

describe('compose model: what compose would create', () => {
  test("extends: same file and file:, the base's values traced to the base file, paths relative to it", () => {
    const p = load(['extends/compose.yaml'])
    assert.deepEqual(labels(p), {
      base: {'mcp.service.name': 'base', 'mcp.service.port': '8080'},
      web: {'mcp.service.name': 'web', 'mcp.service.port': '8080'},
      worker: {'mcp.service.port': 'bad', 'mcp.service.name': 'worker'},
    })
    assert.equal(where(p, 'worker', 'mcp.service.port'), `${DIR}/extends/common/base.yaml:5:25`)
    assert.equal(p.services.find((s) => s.key === 'worker')!.dockerfile, `${DIR}/extends/common/img/Dockerfile`)
    assert.deepEqual(p.files, [`${DIR}/extends/compose.yaml`, `${DIR}/extends/common/base.yaml`])
  })

  test('extends: the inherited port counts (no service-port-missing); a bad base value is reported where it is written', async () => {
    const findings = await lint({composeFiles: [`${DIR}/extends/compose.yaml`]})
    assert.ok(!ids(findings).includes('service-port-missing'))
    const bad = findings.filter((f) => f.ruleId === 'service-port-invalid')
    assert.deepEqual(
      bad.map((f) => (f.location?.kind === 'file' ? `${f.location.file}:${f.location.line}` : '')),
      [`${DIR}/extends/common/base.yaml:5`],
    )
  })

  test('include: its own project directory and env files; the default .env of the included directory', () => {
    const p = load(['include/compose.yaml'])
    assert.deepEqual(labels(p), {
      api: {'mcp.service.name': 'api', 'mcp.service.port': '80'},
      'sub-api': {'mcp.service.name': 'sub-api', 'mcp.service.port': 'bad'},
      other: {'mcp.service.port': '9090'},
    })
    assert.equal(where(p, 'sub-api', 'mcp.service.port'), `${DIR}/include/sub/compose.yaml:6:25`)
  })

  test('profiles: inactive services are not created; --profile, else COMPOSE_PROFILES; * enables all', async () => {
    assert.deepEqual(
      load(['profiles/compose.yaml']).services.map((s) => s.key),
      ['api'],
    )
    assert.deepEqual(load(['profiles/compose.yaml']).inactive, ['api-debug', 'tools'])
    assert.deepEqual(
      load(['profiles/compose.yaml'], {env: {COMPOSE_PROFILES: 'debug'}}).services.map((s) => s.key),
      ['api', 'api-debug'],
    )
    assert.deepEqual(
      load(['profiles/compose.yaml'], {env: {COMPOSE_PROFILES: 'debug'}, profiles: ['tools']}).services.map(
        (s) => s.key,
      ),
      ['api', 'tools'],
    )
    assert.deepEqual(load(['profiles/compose.yaml'], {profiles: ['*']}).services.length, 3)
    // The inactive api-debug would conflict with api (same service name): not judged unless enabled.
    assert.ok(!ids(await lint({composeFiles: [`${DIR}/profiles/compose.yaml`]})).includes('service-conflict'))
    assert.ok(
      ids(await lint({composeFiles: [`${DIR}/profiles/compose.yaml`], profiles: ['debug']})).includes(
        'service-conflict',
      ),
    )
  })

  test('!reset and !override in an override file', () => {
    const p = load(['reset/compose.yaml', 'reset/compose.override.yaml'])
    assert.deepEqual(labels(p), {api: {'mcp.service.name': 'api', 'mcp.service.port': '8080'}})
    assert.deepEqual(labels(p, 'deploy.labels'), {api: {}})
    assert.equal(where(p, 'api', 'mcp.service.port'), `${DIR}/reset/compose.override.yaml:5:25`)
  })

  test("label_file: read as an env file, under the service's own labels", () => {
    const p = load(['label-file/compose.yaml'])
    assert.deepEqual(labels(p), {api: {'mcp.service.port': '8080', 'mcp.service.name': 'api'}})
    assert.equal(where(p, 'api', 'mcp.service.port'), `${DIR}/label-file/app.labels:3:1`)
  })

  test('a file of several YAML documents: merged in order', () => {
    assert.deepEqual(labels(load(['multi-doc/compose.yaml'])), {
      api: {'mcp.service.name': 'api', 'mcp.service.port': '8080'},
    })
  })

  test('merge keys: an explicit key wins even before <<; in <<: [*a, *b] the first listed wins', () => {
    assert.deepEqual(labels(load(['merge-keys/compose.yaml'])), {
      'explicit-first': {'mcp.service.port': '8080', 'mcp.service.name': 'from-a'},
      'first-listed': {'mcp.service.port': '1111', 'mcp.service.name': 'from-a', 'mcp.health.path': '/from-b'},
    })
  })

  test("-f files in different directories merge; relative paths follow the first file's directory", () => {
    const p = load(['multi-dir/base/compose.yaml', 'multi-dir/prod/override.yaml'])
    assert.deepEqual(labels(p), {
      api: {'mcp.health.path': '/healthz', 'mcp.service.name': 'api', 'mcp.service.port': '8080'},
    })
    assert.equal(p.services[0]!.dockerfile, `${DIR}/multi-dir/base/app/Dockerfile`)
  })

  test('COMPOSE_PROJECT_NAME names the project (over name: and the directory)', () => {
    const p = load(['profiles/compose.yaml'], {env: {COMPOSE_PROJECT_NAME: 'Shop'}})
    assert.equal(p.name, 'shop')
    assert.deepEqual(p.services[0]!.set.networks, ['default', 'shop_default'])
  })

  test("dotenv by compose-go's rules: quotes, comments, ${VAR}, bare names, multi-line values", () => {
    const p = load(['dotenv/compose.yaml'], {env: {BARE: 'from-env'}})
    assert.deepEqual(labels(p).api, {
      quoted: '9090',
      single: '${NOT_EXPANDED}',
      comment: '9090',
      hash: '90#90',
      expanded: '7080',
      bare: 'from-env',
      multi: 'line one\nline two',
      colon: 'yaml-style',
    })
  })

  test('interpolation: nested defaults, :+, list labels interpolated before the split at =, keys not trimmed', () => {
    const p = load(['interpolation/compose.yaml'], {env: {SET: 'x'}})
    assert.deepEqual(labels(p), {
      api: {nested: '7070', alt: 'alt-value'},
      lister: {'mcp.service.port': '8080', 'mcp.service.name ': ' lister'},
    })
  })

  test('interpolation: ${VAR:?msg} / ${VAR?} with the variable missing: compose refuses the file (input error)', async () => {
    assert.throws(
      () => load(['interpolation/required.yaml']),
      (e: unknown) =>
        e instanceof InputError &&
        e.line ===
          `${DIR}/interpolation/required.yaml:5:25: required variable PORT is missing a value: set PORT to the service port`,
    )
    assert.throws(() => load(['interpolation/required-set.yaml']), /required variable PORT is missing a value/)
    assert.deepEqual(labels(load(['interpolation/required-set.yaml'], {env: {PORT: ''}})).api, {'mcp.service.port': ''})
    const findings = await lint({composeFiles: [`${DIR}/interpolation/required.yaml`]})
    assert.deepEqual(ids(findings), ['input-error'])
  })

  test('YAML scalars as compose-go (yaml.v3) reads them', () => {
    assert.deepEqual(labels(load(['scalars/compose.yaml'])).api, {
      octal: '8',
      underscore: '8080',
      hex: '8080',
      float: '8080',
      big: '1e+06',
      bool: 'true',
      empty: '',
      quoted: '010',
      date: '2024-01-02 00:00:00 +0000 UTC',
      stamp: '2001-12-14 21:59:43.1 -0500 -0500',
    })
  })

  test('COMPOSE_FILE names the files when no -f is given (environment, else the .env of the working directory)', async () => {
    const dir = project({
      'base.yaml':
        'services:\n  api:\n    image: x\n    labels: {mcp.service.name: api, mcp.health.path: /h, mcp.service.port: bad}\n',
      'prod.yaml': 'services:\n  api:\n    labels: {mcp.service.port: "80"}\n    expose: ["80"]\n',
      '.env': 'COMPOSE_FILE=base.yaml:prod.yaml\n',
    })
    const fromDotEnv = await lintLabels({env: {}, cwd: dir})
    assert.deepEqual(fromDotEnv.checked.files, ['base.yaml', 'prod.yaml'])
    assert.deepEqual(fromDotEnv.findings, [])
    assert.deepEqual((await lintLabels({env: {COMPOSE_FILE: 'base.yaml'}, cwd: dir})).checked.files, ['base.yaml'])
  })

  test('what compose refuses in the model is an input error: an include redefining a service, an extends cycle, an unknown base', () => {
    const dir = project({
      'compose.yaml': 'include: [sub.yaml]\nservices:\n  api: {image: x}\n',
      'sub.yaml': 'services:\n  api: {image: y}\n',
      'cycle.yaml': 'services:\n  a: {extends: b}\n  b: {extends: a}\n',
      'unknown.yaml': 'services:\n  a: {extends: nope}\n',
    })
    const refused = (file: string) => {
      try {
        loadComposeProject({files: [file], cwd: dir, env: {}})
      } catch (error) {
        return (error as InputError).line
      }

      return 'accepted'
    }

    assert.equal(
      refused('compose.yaml'),
      'compose.yaml:3:3: service api is defined both here and in the included sub.yaml',
    )
    assert.match(refused('cycle.yaml'), /^cycle\.yaml:\d+:\d+: extends: service \w extends itself/)
    assert.equal(refused('unknown.yaml'), 'unknown.yaml:2:7: cannot extend service a: service nope not found')
  })

  test('a remote include is not read: one warning line, nothing judged from it', () => {
    const dir = project({'compose.yaml': 'include:\n  - oci://example/app:1\nservices:\n  api: {image: x}\n'})
    const p = loadComposeProject({files: ['compose.yaml'], cwd: dir, env: {}})
    assert.deepEqual(p.warnings, [
      'compose.yaml:2:5: include of a remote file (oci://example/app:1) is not read; its services are not checked',
    ])
    assert.deepEqual(
      p.services.map((s) => s.key),
      ['api'],
    )
  })
})
