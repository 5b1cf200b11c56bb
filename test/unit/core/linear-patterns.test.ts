import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {redact, registerSecret} from '../../../src/core/redact.js'
import {splitInstructions} from '../../../src/labels/sources/dockerfile.js'
import {ROOT} from '../../helpers/cli.js'

// Patterns run over text from outside (labels, log lines, check outputs, whole reports): each must
// take time linear in the input. A backtracking pattern took 17.7 s on a 100,000-character label.
const MB = 1 << 20
/** Generous for a busy 2-core machine; a quadratic pattern on 1 MB takes minutes. */
const BOUND_MS = 2000

function timed(run: () => unknown): number {
  const t0 = performance.now()
  run()
  return performance.now() - t0
}

const fill = (unit: string, bytes = MB) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes)

describe('redact and the Dockerfile directive pattern are linear on adversarial 1 MB inputs', () => {
  registerSecret('s3')
  registerSecret('a-registered-secret')
  const inputs: Record<string, string> = {
    'dotted words (URL scheme rescans)': fill('a.'),
    'scheme and userinfo without @': 'a://' + fill('b:c'),
    'many schemes': fill('ab://c:d '),
    'secret names in one word': fill('PASSWORD'),
    'secret names with separators, unclosed quotes': fill('TOKEN="x '),
    'secret names, unclosed single quotes': fill("API_KEY: 'x "),
    'a key then a long blank run': 'SECRET=' + fill(' ') + 'x',
    'Bearer then blanks': fill('Bearer     '),
    'PEM begins without an end': fill('-----BEGIN PRIVATE KEY-----\n'),
    'short registered secret everywhere': fill('s3 s3s3 '),
    'a 100,000-character label': `mcp.health.path=${'x'.repeat(100_000)}`,
  }
  for (const [name, text] of Object.entries(inputs)) {
    test(`redact: ${name}`, () => {
      const ms = timed(() => redact(text))
      assert.ok(ms < BOUND_MS, `${Math.round(ms)} ms`)
    })
  }

  test('redact still removes what it must', () => {
    assert.equal(redact('x PASSWORD="a b" y'), 'x PASSWORD=[redacted] y')
    assert.equal(redact(`${'a'.repeat(40)}http://user:pw@host/`), `${'a'.repeat(40)}http://user:[redacted]@host/`)
    assert.equal(redact('-----BEGIN PRIVATE KEY-----\nabc'), '[redacted]', 'a key with no END is redacted to the end')
    assert.equal(
      redact('user root:s3 and s3cret s3'),
      'user root:[redacted] and s3cret [redacted]',
      'a short secret, where it stands alone',
    )
  })

  test('Dockerfile directive: `# syntax=x` + 1 MB of spaces + `y`', () => {
    const text = `# syntax=x${fill(' ')}y\n# escape=\`\nFROM scratch\n`
    const ms = timed(() => splitInstructions(text))
    assert.ok(ms < BOUND_MS, `${Math.round(ms)} ms`)
    assert.equal(splitInstructions('# escape = `  \nFROM a\nRUN b `\n c\n').at(-1)?.args, 'b  c')
  })
})

/**
 * Every regular expression literal in src/, run on inputs made to make a backtracking pattern
 * rescan: a long run of one character (or a pair) after each literal prefix the pattern could need,
 * then a character that fails the match. 64 KiB each keeps the sweep quick; a quadratic pattern
 * still takes seconds on it, a linear one milliseconds.
 */
describe('every pattern in src/ on adversarial inputs', () => {
  const require = createRequire(import.meta.url)
  const ts = require('typescript') as typeof import('typescript')
  const files: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      const path = join(dir, e.name)
      if (e.isDirectory()) walk(path)
      else if (path.endsWith('.ts') && !path.endsWith('.generated.ts')) files.push(path)
    }
  }

  walk(join(ROOT, 'src'))
  const patterns: {where: string; re: RegExp}[] = []
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    const visit = (node: import('typescript').Node) => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText(source)
        const at = text.lastIndexOf('/')
        const {line} = source.getLineAndCharacterOfPosition(node.getStart(source))
        patterns.push({
          where: `${file.slice(ROOT.length)}:${line + 1} ${text.slice(0, 60)}`,
          re: new RegExp(text.slice(1, at), text.slice(at + 1).replace('g', '')),
        })
      }

      ts.forEachChild(node, visit)
    }

    visit(source)
  }

  const UNITS = [
    'a',
    'A',
    '0',
    ' ',
    '\t',
    '.',
    '-',
    '_',
    '/',
    ':',
    '=',
    '"',
    "'",
    '\\',
    '#',
    '$',
    '{',
    '@',
    ',',
    '%',
    'a.',
    'a ',
    'a:',
    'a=',
    ' =',
    '0.',
    '${',
    'a/',
  ]
  const SIZE = 64 * 1024

  test(`${patterns.length} patterns, each under ${BOUND_MS} ms on every input`, () => {
    const slow: string[] = []
    for (const {where, re} of patterns) {
      // Literal prefixes the pattern may require before its repeated part (e.g. "# syntax=").
      const literal =
        re.source
          .replace(/^\^/, '')
          .match(/^(?:[^\\[(.*+?{|^$]|\\[^a-zA-Z0-9])*/)?.[0]
          ?.replace(/\\(.)/g, '$1') ?? ''
      const prefixes = [...new Set(['', literal, literal ? literal + 'x' : 'x'])]
      let total = 0
      for (const prefix of prefixes) {
        for (const unit of UNITS) {
          for (const suffix of ['\u0000', '\n!']) total += timed(() => re.test(prefix + fill(unit, SIZE) + suffix))
        }
      }

      if (total > BOUND_MS) slow.push(`${where}: ${Math.round(total)} ms`)
    }

    assert.deepEqual(slow, [])
  })
})
