import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'

import {readTextDocument} from '../../../src/core/input.js'

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
