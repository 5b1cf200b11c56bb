import fc from 'fast-check'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {parseDockerfile} from '../../../src/labels/index.js'
import {parseLabelArgs, splitInstructions, unquote} from '../../../src/labels/sources/dockerfile.js'

const labels = (text: string) => parseDockerfile('Dockerfile', text).labels.map((l) => [l.key, l.value])
const where = (text: string) =>
  parseDockerfile('Dockerfile', text).labels.map((l) => {
    const k = l.keyLocation!
    const v = l.valueLocation!
    return `${l.key}@${k.kind === 'file' ? `${k.line}:${k.column}` : ''}=${v.kind === 'file' ? `${v.line}:${v.column}` : ''}`
  })

describe('LABEL forms', () => {
  test('several pairs on a line, quotes and escapes', () => {
    assert.deepEqual(labels(`FROM a\nLABEL a=1 "b c"="d e" 'f'='g h' i=j\\ k l="m \\"n\\""\n`), [
      ['a', '1'],
      ['b c', 'd e'],
      ['f', 'g h'],
      ['i', 'j k'],
      ['l', 'm "n"'],
    ])
  })

  test('legacy LABEL key value (the rest of the line is the value)', () => {
    assert.deepEqual(labels('FROM a\nLABEL description  a "quoted" value\n'), [['description', 'a quoted value']])
  })

  test("line continuations, with comment and blank lines inside, keep each label's position", () => {
    const text = 'FROM a\nLABEL a=1 \\\n  # comment\n\n      b="2" \\  \n  c=3\n'
    assert.deepEqual(labels(text), [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ])
    assert.deepEqual(where(text), ['a@2:7=2:9', 'b@5:7=5:9', 'c@6:3=6:5'])
  })

  test('the escape directive switches the continuation character', () => {
    assert.deepEqual(labels('# escape=`\nFROM a\nLABEL a=1 `\n  b=c:\\path\n'), [
      ['a', '1'],
      ['b', String.raw`c:\path`],
    ])
  })

  test('heredoc bodies are not instructions; CRLF line ends work', () => {
    assert.deepEqual(labels('FROM a\r\nRUN <<EOF\r\nLABEL x=1\r\nEOF\r\nLABEL y=2\r\n'), [['y', '2']])
  })

  test('variables: an ARG makes the value unknown; an ENV and a default of an unset variable are what the build gives', () => {
    const set = parseDockerfile(
      'Dockerfile',
      "FROM a\nARG PORT=1\nENV HOME_DIR=/x\nLABEL p=$PORT h=${HOME_DIR} v=${VERSION:-1} s='$NOT' u=$UNSET\n",
    )
    assert.deepEqual(
      set.labels.map((l) => [l.key, l.value, l.unknownValue, l.unresolved]),
      [
        ['p', '$PORT', true, []],
        ['h', '/x', false, []],
        ['v', '1', false, []],
        ['s', '$NOT', false, []],
        ['u', '$UNSET', true, ['UNSET']],
      ],
    )
  })

  test('stages: the final image has its own labels and those of the stages it is built FROM', () => {
    const text = 'FROM a AS base\nLABEL a=1\nEXPOSE 80\nFROM b AS other\nLABEL b=2\nFROM base\nLABEL c=3\n'
    const set = parseDockerfile('Dockerfile', text)
    assert.deepEqual(
      set.labels.map((l) => l.key),
      ['a', 'c'],
    )
    assert.deepEqual(set.ports, [{port: 80, via: 'EXPOSE'}])
  })

  test('EXPOSE forms: protocol, ranges, variables', () => {
    const set = parseDockerfile('Dockerfile', 'FROM a\nEXPOSE 80 443/tcp 9000-9010/udp\n')
    assert.deepEqual(
      set.ports?.map((p) => [p.port, p.endPort]),
      [
        [80, undefined],
        [443, undefined],
        [9000, 9010],
      ],
    )
    assert.equal(parseDockerfile('Dockerfile', 'FROM a\nARG P\nEXPOSE $P\n').portsDynamic, true)
  })

  test('LABEL a=b c is refused with its position, as docker build refuses it', () => {
    assert.throws(
      () => parseDockerfile('Dockerfile', 'FROM a\nLABEL a=b \\\n   c\n'),
      (e: Error & {where?: string}) => {
        assert.equal(e.where, 'Dockerfile:3:4')
        assert.match(e.message, /"c" is not key=value/)
        return true
      },
    )
  })
})

describe('the image BuildKit builds', () => {
  test('a later LABEL of a key replaces the earlier one: same line, later line, child stage', () => {
    const set = parseDockerfile(
      'Dockerfile',
      'FROM a AS base\nLABEL mcp.service.port=bad mcp.service.port=1\nLABEL mcp.service.name=bad\nFROM base\nLABEL mcp.service.name=api mcp.service.port=8080\n',
    )
    assert.deepEqual(
      set.labels.map((l) => [l.key, l.value, l.valueLocation?.kind === 'file' ? l.valueLocation.line : 0]),
      [
        ['mcp.service.name', 'api', 5],
        ['mcp.service.port', '8080', 5],
      ],
    )
  })

  test('${V:-d} and ${V-d} resolve as the shell lexer does, also in the legacy form and nested', () => {
    assert.deepEqual(
      labels(
        'FROM a\nLABEL a=${P:-8080} b=${P-8080} c="${E:-x}" d=${E-x} e=${A:-${B:-7070}} f=${E:+alt} g=${P:+alt}\n'.replace(
          'FROM a',
          'FROM a\nENV E=',
        ),
      ),
      [
        ['a', '8080'],
        ['b', '8080'],
        ['c', 'x'],
        ['d', ''],
        ['e', '7070'],
        ['f', ''],
        ['g', ''],
      ],
    )
    assert.deepEqual(labels('FROM a\nLABEL mcp.service.port ${P:-8080}\n'), [['mcp.service.port', '8080']])
    assert.deepEqual(labels('FROM a\nENV P=9090\nLABEL mcp.service.port=${P:-8080}\n'), [['mcp.service.port', '9090']])
  })

  test('heredocs only where BuildKit sees them: a quoted "<<EOF" opens none', () => {
    assert.deepEqual(labels('FROM a\nRUN echo "usage: cat <<EOF"\nLABEL a=1\n'), [['a', '1']])
    assert.deepEqual(labels('FROM a\nRUN cat <<-"EOT" > /x\n\tLABEL x=1\n\tEOT\nLABEL b=2\n'), [['b', '2']])
  })

  test('what BuildKit refuses is an input error with its reason', () => {
    const refused = (text: string, re: RegExp, at: string) =>
      assert.throws(
        () => parseDockerfile('Dockerfile', text),
        (e: Error & {where?: string; exitCode?: number}) => {
          assert.match(e.message, re)
          assert.equal(e.where, at)
          assert.equal(e.exitCode, 3)
          return true
        },
      )
    refused('FROM a\nLABEL mcp.service.port\n', /LABEL must have two arguments/, 'Dockerfile:2:7')
    refused(
      'FROM a\nLABEL "mcp.service.port=1"=8080\n',
      /unexpected end of statement while looking for matching double-quote/,
      'Dockerfile:2:7',
    )
    refused('FROM a\nLABEL p="${PORT:?set PORT}"\n', /PORT: set PORT/, 'Dockerfile:2:9')
  })
})

// Words that need quoting in a Dockerfile: spaces, quotes, backslashes, '=' (no '$': that is a variable).
const text = fc.string({
  unit: fc.constantFrom('a', 'b', 'Z', '0', '.', '-', ' ', '"', "'", '\\', '=', 'é', ':'),
  minLength: 1,
  maxLength: 12,
})
const key = fc.string({unit: fc.constantFrom('a', 'b', 'z', '0', '.', '-', '_'), minLength: 1, maxLength: 10})
/** A double-quoted Dockerfile word for any text without '$'. */
const dq = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', String.raw`\"`)}"`

describe('properties', () => {
  test('LABEL k1="v1" k2="v2" ... round-trips any keys and values, on one line or split by continuations', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, text), {selector: ([k]) => k, minLength: 1, maxLength: 5}),
        fc.array(fc.boolean(), {maxLength: 5}),
        (pairs, breaks) => {
          const words = pairs.map(([k, v]) => `${k}=${dq(v)}`)
          const args = words.map((w, i) => (breaks[i] ? `${w} \\\n    ` : `${w} `)).join('')
          const parsed = labels(`FROM scratch\nLABEL ${args}\n`)
          assert.deepEqual(parsed, pairs)
        },
      ),
      {numRuns: 300},
    )
  })

  test('unquote(dq(s)) === s, and parseLabelArgs never throws on key=value words', () => {
    fc.assert(
      fc.property(text, (s) => {
        assert.deepEqual(unquote(dq(s)), {value: s, vars: []})
        assert.equal(parseLabelArgs(`k=${dq(s)}`)[0]!.value.value, s)
      }),
      {numRuns: 500},
    )
  })

  test("the splitter keeps every non-comment line's text (no instruction lost or invented)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('LABEL', 'EXPOSE', 'RUN', 'ENV'), key), {maxLength: 8}),
        (lines) => {
          const file = lines.map(([kw, arg]) => `${kw} ${arg}`).join('\n')
          const out = splitInstructions(file)
          assert.deepEqual(
            out.map((i) => [i.keyword, i.args]),
            lines,
          )
        },
      ),
      {numRuns: 200},
    )
  })
})
