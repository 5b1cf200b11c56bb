import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {InputError} from '../../../src/core/errors.js'
import {MAX_FILE_TARGETS, parseTargetsFile} from '../../../src/loadtest/targets-file.js'

const dir = mkdtempSync(join(tmpdir(), 'mcp-targets-'))
after(() => rmSync(dir, {recursive: true, force: true}))
let n = 0
function file(text: string): string {
  const path = join(dir, `t${n++}.txt`)
  writeFileSync(path, text)
  return path
}

describe("parseTargetsFile (vegeta's text format)", () => {
  test('request lines, headers, @file and @<<TAG bodies, comments, CRLF, no blank line needed before a request line', () => {
    writeFileSync(join(dir, 'b.bin'), Buffer.from([1, 2, 3]))
    const t = parseTargetsFile(
      file(
        [
          '# comment',
          'GET http://127.0.0.1:1/a',
          'X-A: 1',
          '  X-B:  two words  ',
          'POST https://127.0.0.1:2/b?q=1',
          `@${join(dir, 'b.bin')}`,
          '',
          'PUT http://127.0.0.1:1/c',
          '@<<EOF',
          '{"x": 1}',
          '  kept as is',
          'EOF',
          'DELETE http://127.0.0.1:1/d',
        ].join('\r\n'),
      ),
    )
    assert.deepEqual(
      t.map((x) => [x.line, x.method, x.url.href]),
      [
        [2, 'GET', 'http://127.0.0.1:1/a'],
        [5, 'POST', 'https://127.0.0.1:2/b?q=1'],
        [8, 'PUT', 'http://127.0.0.1:1/c'],
        [13, 'DELETE', 'http://127.0.0.1:1/d'],
      ],
    )
    assert.deepEqual(t[0]!.headers, [
      ['X-A', '1'],
      ['X-B', 'two words'],
    ])
    assert.deepEqual([...t[1]!.body!], [1, 2, 3])
    assert.equal(t[2]!.body!.toString(), '{"x": 1}\n  kept as is\n')
    assert.equal(t[3]!.body, undefined)
  })

  test('errors name file:line and never show a header value', () => {
    const bad = (text: string, where: RegExp, message: RegExp): void => {
      const path = file(text)
      assert.throws(
        () => parseTargetsFile(path),
        (e: unknown) => {
          assert.ok(e instanceof InputError)
          assert.match(e.where ?? '', where)
          assert.match(e.message, message)
          assert.doesNotMatch(e.line, /hunter2/)
          return true
        },
      )
    }

    bad('GET http://127.0.0.1:1/\nToken hunter2\n', /:2$/, /expected a header/)
    bad('GET http://127.0.0.1:1/\nX-Empty:\n', /:2$/, /expected a header/)
    bad('get http://127.0.0.1:1/\n', /:1$/, /"get" is not an HTTP method/)
    bad('GET ftp://127.0.0.1/x\n', /:1$/, /only http/)
    bad('GET\n', /:1$/, /expected "METHOD URL"/)
    bad('POST http://127.0.0.1:1/\n@<<END\nbody\n', /:2$/, /no closing "END"/)
    bad('POST http://127.0.0.1:1/\n@\n', /:2$/, /needs a file name/)
    bad('POST http://127.0.0.1:1/\n@<<E\nx\nE\nX-A: hunter2\n', /:5$/, /after the body/)
    bad('\n# only comments\n', /t\d+\.txt$/, /has no targets/)
    bad(
      Array.from({length: MAX_FILE_TARGETS + 1}, (_, i) => `GET http://127.0.0.1:1/${i}`).join('\n'),
      new RegExp(`:${MAX_FILE_TARGETS + 1}$`),
      /more than/,
    )
  })

  test('@body files are bounded by what is left of the budget', () => {
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(100))
    const path = file(`POST http://127.0.0.1:1/\n@${join(dir, 'big.bin')}\n`)
    assert.throws(
      () =>
        parseTargetsFile(path, (p, where, budget) => {
          assert.ok(budget > 0)
          throw new InputError('too big', {where})
        }),
      /too big/,
    )
    assert.equal(parseTargetsFile(path)[0]!.body!.length, 100)
  })

  test('an @body that is a device is refused, not read forever', () => {
    const path = file('POST http://127.0.0.1:1/\n@/dev/zero\n')
    assert.throws(() => parseTargetsFile(path), /body file "\/dev\/zero" is not a regular file/)
  })
})
