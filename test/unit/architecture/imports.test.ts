import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {describe, test} from 'node:test'
import ts from 'typescript'

import {ROOT} from '../../helpers/cli.js'

/**
 * The layering docs/architecture.md describes, checked on the import graph of src/ (static, dynamic
 * and type-only imports and re-exports, as TypeScript's own pre-processor reads them).
 */
const SRC = join(ROOT, 'src')

/** The ground floor: what every layer may use, and which uses nothing above it. */
const GROUND = new Set(['core', 'model', 'net'])

interface Edge {
  from: string
  /** A path under src/ for a module of mcp's own, else the package specifier. */
  to: string
  own: boolean
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

function importGraph(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const from = relative(SRC, file)
    return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map(({fileName}) => {
      if (!fileName.startsWith('.')) return {from, to: fileName, own: false}
      return {from, to: relative(SRC, resolve(dirname(file), fileName)).replace(/\.js$/, '.ts'), own: true}
    })
  })
}

/** The folder a module belongs to; report/ is two: report/findings and report/html. */
function layer(path: string): string {
  const parts = path.split('/')
  return parts[0] === 'report' ? parts.slice(0, 2).join('/') : parts[0]!
}

const graph = importGraph()
const own = graph.filter((e) => e.own)
const text = (edges: Edge[]) => edges.map((e) => `${e.from} → ${e.to}`)

describe('the import graph of src/', () => {
  test('is read whole: static, dynamic and type-only imports', () => {
    assert.deepEqual([...new Set(own.filter((e) => e.from.startsWith('report/')).map((e) => layer(e.from)))].sort(), [
      'report/findings',
      'report/html',
    ])
    const has = (from: string, to: string) => own.some((e) => e.from === from && e.to === to)
    assert.ok(has('model/merge.ts', 'model/address.ts'))
    assert.ok(has('core/project-config.ts', 'core/yaml-source.ts'), 'a dynamic import()')
    assert.ok(has('model/merge.ts', 'model/types.ts'), 'an import type')
    assert.ok(own.length > 500, `${own.length} edges`)
  })

  test('model, core and net import nothing above them', () => {
    const up = own.filter((e) => GROUND.has(layer(e.from)) && !GROUND.has(layer(e.to)))
    assert.deepEqual(text(up), [])
  })

  test('report/findings (Finding, policy, formatters) imports no html and no domain', () => {
    const up = own.filter(
      (e) => layer(e.from) === 'report/findings' && !GROUND.has(layer(e.to)) && layer(e.to) !== 'report/findings',
    )
    assert.deepEqual(text(up), [])
  })

  test('report/html (page, svg) imports no domain: each command’s report page lives with its domain', () => {
    const up = own.filter(
      (e) => layer(e.from) === 'report/html' && !GROUND.has(layer(e.to)) && layer(e.to) !== 'report/html',
    )
    assert.deepEqual(text(up), [])
  })

  test('cli imports no report page', () => {
    assert.deepEqual(text(own.filter((e) => layer(e.from) === 'cli' && layer(e.to) === 'report/html')), [])
  })

  test('only commands, cli and hooks import oclif', () => {
    const oclif = graph.filter(
      (e) => !e.own && e.to.startsWith('@oclif/') && !['cli', 'commands', 'hooks'].includes(layer(e.from)),
    )
    assert.deepEqual(text(oclif), [])
  })
})

describe('the label vocabulary', () => {
  // A label key as a whole string or template part: 'service.port', `${prefix}.service.port`, 'mcp.health.path'.
  const KEY =
    /^(?:[\w-]+(?:\.[\w-]+)*)?\.?(?:service\.(?:name|port|version|weight|network)|health\.(?:path|interval|timeout))$/

  /** The string literals and template parts of a file (comments and prose in longer strings left out). */
  function strings(file: string): {text: string; line: number}[] {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    const out: {text: string; line: number}[] = []
    const visit = (node: ts.Node): void => {
      if (
        ts.isStringLiteralLike(node) ||
        ts.isTemplateHead(node) ||
        ts.isTemplateMiddle(node) ||
        ts.isTemplateTail(node)
      ) {
        out.push({text: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1})
      }

      ts.forEachChild(node, visit)
    }

    visit(source)
    return out
  }

  test('is written in src/model/labels.ts alone', () => {
    const elsewhere = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      .filter((path) => path !== 'model/labels.ts')
      .flatMap((path) => {
        const keys = strings(join(SRC, path)).filter((s) => KEY.test(s.text))
        const defaults = /\bDEFAULT_HEALTH_PATH\s*=/.test(readFileSync(join(SRC, path), 'utf8'))
          ? [{text: 'DEFAULT_HEALTH_PATH =', line: 0}]
          : []
        return [...keys, ...defaults].map((s) => `${path}:${s.line}: ${s.text}`)
      })
    assert.deepEqual(elsewhere, [])
  })

  test('the check sees a key spelled as a string or a template', () => {
    assert.ok(KEY.test('service.port') && KEY.test('.service.name') && KEY.test('mcp.health.path'))
    assert.ok(!KEY.test('service.ports') && !KEY.test('add a mcp.service.port label'))
  })
})

describe('the packages src/ loads at run time', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {dependencies?: Record<string, string>}
  const runtime = new Set(Object.keys(pkg.dependencies ?? {}))
  /** `a/b` → `a`, `@s/a/b` → `@s/a`. */
  const packageOf = (specifier: string) =>
    specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/')
  /** createRequire(…)('pkg') and require('pkg'): the pre-processor reads only import and import(). */
  const required = (file: string) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:\brequire|\bcreateRequire\([^()]*\))\(\s*'([^'./][^']*)'\s*\)/g)].map(
      (m) => m[1]!,
    )

  function outsideDependencies(files: string[]): string[] {
    return files.flatMap((file) => {
      const specifiers = [
        ...ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName),
        ...required(file),
      ]
      return specifiers
        .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
        .filter((s) => !runtime.has(packageOf(s)))
        .map((s) => `${relative(SRC, file)} → ${s}`)
    })
  }

  test('are dependencies, not devDependencies (an installed mcp has no devDependencies)', () => {
    // Type-only imports of a dev package are erased at build time: `import type` lines are left out.
    const files = sourceFiles(SRC)
    const offenders = outsideDependencies(files).filter((line) => {
      const [file, specifier] = line.split(' → ') as [string, string]
      const source = readFileSync(join(SRC, file), 'utf8')
      return !new RegExp(
        `^import type [^\\n]*'${specifier.replaceAll(/[.*+?^${}()|[\]\\/]/g, String.raw`\$&`)}'`,
        'm',
      ).test(source)
    })
    assert.deepEqual(offenders, [])
  })

  test("the check sees createRequire(…)('pkg/deep/path')", () => {
    assert.deepEqual(required(join(ROOT, 'test/unit/architecture/fixtures-require.txt')).map(packageOf), ['autocannon'])
  })
})
