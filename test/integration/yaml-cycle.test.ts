import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {runCli} from '../helpers/cli.js'

// `api: &a {<<: *a}` merges a mapping into itself: an input error (exit 3), not a stack overflow (exit 70).
const dir = mkdtempSync(join(tmpdir(), 'mcpt-cycle-'))
after(() => rmSync(dir, {recursive: true, force: true}))

describe('a YAML alias inside its own anchor', () => {
  for (const text of ['api: &a {<<: *a}\n', 'routes: &r\n  - *r\n']) {
    test(JSON.stringify(text), async () => {
      const file = join(dir, 'gateway.yaml')
      writeFileSync(file, text)
      for (const command of ['lint-config', 'validate']) {
        const r = await runCli([command, file])
        assert.equal(r.code, 3, `${command}: ${r.stdout}${r.stderr}`)
        assert.match(r.stdout, /an alias refers to a node that contains it \(a cycle\)/)
        assert.doesNotMatch(r.stdout + r.stderr, /internal error|call stack/)
      }
    })
  }
})
