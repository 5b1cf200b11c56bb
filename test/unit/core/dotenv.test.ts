import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {parseDotenv} from '../../../src/core/dotenv.js'

const parse = (text: string, lookup: Record<string, string> = {}) =>
  Object.fromEntries([...parseDotenv(text, '.env', lookup)].map(([k, e]) => [k, e.value]))

describe("dotenv by compose-go's rules", () => {
  test("compose-go's quoted.env fixture", () => {
    assert.deepEqual(parse(readFileSync('test/fixtures/dotenv/quoted.env', 'utf8')), {
      OPTION_A: '1',
      OPTION_B: '2',
      OPTION_C: '',
      OPTION_D: String.raw`\n`,
      OPTION_E: '1',
      OPTION_F: '2',
      OPTION_G: '',
      OPTION_H: '\n',
      OPTION_I: "echo 'asd'",
      OPTION_J: 'first line\nsecond line\nthird line\nand so on',
      OPTION_Z: 'last value',
    })
  })

  test('comments, export, yaml-style colon, expansion (environment first, then keys above), bare names', () => {
    assert.deepEqual(
      parse('# c\nexport A=1 # note\nB: x#y\nC=${A}2\nD="${NOPE:-d} \\$A"\nE=\'${A}\'\nPATH\nMISSING\nF=$HOME/x\n', {
        PATH: '/bin',
        HOME: '/h',
        A: 'env',
      }),
      {
        A: '1',
        B: 'x#y',
        C: 'env2',
        D: 'd $A',
        E: '${A}',
        PATH: '/bin',
        F: '/h/x',
      },
    )
  })

  test("line numbers, and errors with compose-go's reasons", () => {
    assert.deepEqual(
      [...parseDotenv('\n\nA=1\nB="x\ny"\nC=2\n', 'f')].map(([k, e]) => `${k}@${e.line}`),
      ['A@3', 'B@4', 'C@6'],
    )
    const refused = (text: string) => {
      try {
        parseDotenv(text, 'f')
      } catch (error) {
        return (error as Error & {line: string}).line
      }

      return 'accepted'
    }

    assert.match(refused('A=1\nB="open\n'), /^f:2:1: unterminated quoted value "open$/)
    assert.match(refused('A B=1\n'), /^f:1:1: key cannot contain a space$/)
    assert.match(refused('A=1\n$B=2\n'), /^f:2:1: unexpected character "\$" in variable name/)
    assert.match(refused('A=${B:?need B}\n'), /^f:1:1: required variable B is missing a value: need B$/)
  })
})
