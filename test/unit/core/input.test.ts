import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'

import {InputError} from '../../../src/core/errors.js'
import {readFlagFile, readTextDocument} from '../../../src/core/input.js'

test('a UTF-8 BOM is seen (hadBom, so --fix writes it back) and kept out of the text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-bom-'))
  writeFileSync(join(dir, 'bom.yaml'), '\uFEFFversion: 1\n')
  writeFileSync(join(dir, 'plain.yaml'), 'version: 1\n')
  assert.deepEqual(readTextDocument(join(dir, 'bom.yaml')), {
    path: join(dir, 'bom.yaml'),
    text: 'version: 1\n',
    hadBom: true,
  })
  assert.equal(readTextDocument(join(dir, 'plain.yaml')).hadBom, false)
})

test('readFlagFile: a body or CA file is bounded; a device, a directory or a missing file is one InputError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-flag-file-'))
  writeFileSync(join(dir, 'body.json'), '{"a":1}')
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(2048))
  assert.equal(readFlagFile(join(dir, 'body.json'), '--body-file').toString(), '{"a":1}')
  const refused = (path: string, max: number | undefined, message: RegExp) =>
    assert.throws(
      () => readFlagFile(path, '--body-file', max),
      (error: unknown) =>
        error instanceof InputError &&
        message.test(error.message) &&
        /--body-file/.test(String(error.hint ?? error.message)),
    )
  // /dev/zero has size 0 and never ends: read whole, it would fill the memory.
  refused('/dev/zero', undefined, /not a regular file/)
  refused(join(dir, 'big.bin'), 1024, /larger than the .* limit for --body-file/)
  refused(dir, undefined, /is a directory/)
  refused(join(dir, 'missing'), undefined, /no such file/)
})

test('standard input is read up to the document limit, not to whatever a pipe sends', () => {
  // A child reads its stdin (2 MiB piped) with a 1 MiB limit; readFileSync(0) would take it all.
  const script = [
    "const {readBounded} = await import('./src/core/input.ts')",
    "try { console.log('read', readBounded(0, '<stdin>', 1_048_576).length) } catch (e) { console.log(e.message) }",
  ].join('\n')
  const run = (input: Buffer) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {input, encoding: 'utf8'})
  assert.equal(run(Buffer.alloc(2 * 1_048_576, 0x61)).stdout.trim(), 'is larger than the 1 MiB limit for a document')
  assert.equal(run(Buffer.alloc(300_000, 0x61)).stdout.trim(), 'read 300000')
})

test('a device named as a document is read to the limit, not forever', () => {
  // /dev/zero reports size 0 and never ends: read whole, it would fill the memory.
  assert.throws(() => readTextDocument('/dev/zero'), /larger than the 64 MiB limit for a document/)
})
