import assert from 'node:assert/strict'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {runCli, testEnv} from '../helpers/cli.js'

// bin/run.js keeps V8's compiled code for dist/ in $XDG_CACHE_HOME/mcp/compile-cache: a command run
// from the cache must answer exactly as one compiled from source, and a cache that is missing,
// damaged, stale or unwritable must cost nothing but the speed-up.
describe('compile cache (bin/run.js)', () => {
  const base = mkdtempSync(join(tmpdir(), 'mcpt-cache-'))
  after(() => rmSync(base, {recursive: true, force: true}))
  const dirOf = (name: string) => join(base, name, 'mcp', 'compile-cache')
  const entries = (name: string) => {
    try {
      return readdirSync(dirOf(name)).filter((f) => f.endsWith('.bin'))
    } catch {
      return []
    }
  }
  // A command that loads oclif, a command bundle and the shared code, and needs no service.
  const args = ['schema', '--json']

  test('first run writes one entry per file it loaded; later runs answer the same from it', async () => {
    const env = testEnv({XDG_CACHE_HOME: join(base, 'fresh')})
    const first = await runCli(args, {env})
    assert.equal(first.code, 0, first.stderr)
    const written = entries('fresh')
    assert.ok(written.length >= 2, `entries: ${written.join(', ')}`)
    const second = await runCli(args, {env})
    assert.equal(second.code, 0, second.stderr)
    assert.equal(second.stdout, first.stdout)
    assert.deepEqual(entries('fresh').sort(), written.sort(), 'a warm run adds nothing')
    const uncached = await runCli(args, {env: {...env, MCP_NO_COMPILE_CACHE: '1'}})
    assert.equal(uncached.stdout, first.stdout)
  })

  test('damaged entries are compiled from source again and rewritten', async () => {
    const env = testEnv({XDG_CACHE_HOME: join(base, 'damaged')})
    const first = await runCli(args, {env})
    assert.ok(entries('damaged').length > 0, 'the first run wrote entries to damage')
    for (const f of entries('damaged')) {
      const file = join(dirOf('damaged'), f)
      const bytes = readFileSync(file)
      // Keep the stamp line (so the entry looks current), garble V8's data after it.
      const stampEnd = bytes.indexOf(10) + 1
      writeFileSync(file, Buffer.concat([bytes.subarray(0, stampEnd), Buffer.alloc(bytes.length - stampEnd, 0x5a)]))
    }
    const again = await runCli(args, {env})
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout, first.stdout)
    assert.equal(again.stderr, '')
    for (const f of entries('damaged')) {
      const bytes = readFileSync(join(dirOf('damaged'), f))
      assert.ok(bytes.subarray(bytes.indexOf(10) + 1).some((b) => b !== 0x5a), `${f} was rewritten`)
    }
  })

  test("another user's cache directory is left alone (sudo with that user's HOME)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to make a directory of another user')
    const theirs = join(base, 'theirs')
    mkdirSync(theirs)
    chownSync(theirs, 65534, 65534)
    const r = await runCli(args, {env: testEnv({XDG_CACHE_HOME: theirs})})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(readdirSync(theirs), [], 'nothing written')
  })

  test('an unwritable or unusable cache location is no error', async () => {
    const locked = join(base, 'locked')
    rmSync(locked, {recursive: true, force: true})
    writeFileSync(locked, 'a file where the cache directory would go')
    chmodSync(locked, 0o400)
    for (const env of [testEnv({XDG_CACHE_HOME: locked}), testEnv({XDG_CACHE_HOME: 'relative/path'}), testEnv({XDG_CACHE_HOME: '', HOME: ''})]) {
      const r = await runCli(args, {env})
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
      assert.ok(r.stdout.length > 0)
    }
  })
})
