import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {writeFileAtomic} from '../../src/core/atomic-write.js'
import {runCli, testEnv} from '../helpers/cli.js'

// lint-config --fix writes over a user's file: through its symlink, as its owner had it, never through
// a name someone else planted, and never with the environment's values in place of ${VAR}.
const dir = mkdtempSync(join(tmpdir(), 'mcpt-fix-'))
after(() => rmSync(dir, {recursive: true, force: true}))
const LOOSE = 'healthCheck:\n  interval: 10 seconds\n'
const FIXED = 'healthCheck:\n  interval: 10s\n'

describe('lint-config --fix writes', () => {
  test('through a symlink to its target: the link stays a link, the real file is fixed', async () => {
    const real = join(dir, 'real.yaml')
    const link = join(dir, 'link.yaml')
    writeFileSync(real, LOOSE)
    symlinkSync('real.yaml', link)
    const r = await runCli(['lint-config', '--fix', link])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(lstatSync(link).isSymbolicLink(), 'still a symlink')
    assert.equal(readlinkSync(link), 'real.yaml')
    assert.equal(readFileSync(real, 'utf8'), FIXED)
  })

  test("keeps the file's owner and mode (root fixing another user's file)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to give a file to another user')
    const file = join(dir, 'theirs.yaml')
    writeFileSync(file, LOOSE)
    chownSync(file, 65_534, 65_534)
    chmodSync(file, 0o640)
    const r = await runCli(['lint-config', '--fix', file])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const stat = statSync(file)
    assert.deepEqual([stat.uid, stat.gid, stat.mode & 0o7777], [65_534, 65_534, 0o640])
    assert.equal(readFileSync(file, 'utf8'), FIXED)
  })

  test('never writes resolved ${VAR} values back: `interval: ${HC_INTERVAL}` stays as written', async () => {
    const file = join(dir, 'vars.yaml')
    const text = 'healthCheck:\n  interval: ${HC_INTERVAL}\n  timeout: 2 sec\n'
    writeFileSync(file, text)
    const r = await runCli(['lint-config', '--fix', file], {env: testEnv({HC_INTERVAL: '10 seconds'})})
    assert.equal(readFileSync(file, 'utf8'), 'healthCheck:\n  interval: ${HC_INTERVAL}\n  timeout: 2s\n', r.stdout)
    assert.match(r.stdout, /healthCheck\.interval "10 seconds" is not a duration/)
  })

  test('the temp file has a name no one can plant in advance, created exclusively', () => {
    // The old name was .NAME.PID.MILLISECONDS.tmp: with the clock known, plant a link at that name.
    const file = join(dir, 'planted.yaml')
    const victim = join(dir, 'victim.txt')
    writeFileSync(file, 'old\n')
    writeFileSync(victim, 'victim\n')
    const clock = Date.now
    const now = clock()
    symlinkSync(victim, join(dir, `.planted.yaml.${process.pid}.${now}.tmp`))
    Date.now = () => now
    try {
      writeFileAtomic(file, 'new\n')
    } finally {
      Date.now = clock
    }

    assert.equal(readFileSync(victim, 'utf8'), 'victim\n', 'nothing written through a planted link')
    assert.ok(lstatSync(file).isFile() && !lstatSync(file).isSymbolicLink())
    assert.equal(readFileSync(file, 'utf8'), 'new\n')
  })
})
