import {Chalk} from 'chalk'
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {alignColumns, columns} from '../../../src/core/text-table.js'

describe('text tables', () => {
  test('columns two spaces apart, the last one unpadded, no trailing blanks', () => {
    assert.equal(
      columns([
        ['NAME', 'SCOPE', 'FILE'],
        ['prod', 'project', ''],
        ['st', 'user', '/x'],
      ]),
      'NAME  SCOPE    FILE\nprod  project\nst    user     /x\n',
    )
  })

  test('wide characters take two cells: the next column still lines up', () => {
    assert.equal(
      columns([
        ['NAME', 'X'],
        ['日本', 'a'],
        ['ab', 'b'],
      ]),
      'NAME  X\n日本  a\nab    b\n',
    )
  })

  test('colour codes take no room', () => {
    const c = new Chalk({level: 1})
    const out = alignColumns([
      [c.red('ab'), 'x'],
      ['abcd', 'y'],
    ])
    assert.equal(out.replaceAll(/\u001B\[\d+m/g, ''), 'ab    x\nabcd  y\n')
  })

  test('control characters from outside are shown, never obeyed', () => {
    const out = columns([
      ['a\u001B[2Jb', 'c\nd'],
      ['e', 'f'],
    ])
    assert.ok(!/[\u0000-\u0008\u000B-\u001F]/.test(out))
    assert.equal(out.split('\n').length, 3)
  })
})
