import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import Module from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {ROOT, runCli, testEnv} from '../helpers/cli.js'

// Node ≥ 22.1 keeps its own cache (module.enableCompileCache) in the directory; Node 20 has bin/run.js's shim.
const nodeCache = typeof (Module as {enableCompileCache?: unknown}).enableCompileCache === 'function'

// bin/run.js keeps V8's compiled code for dist/ in $XDG_CACHE_HOME/mcp/compile-cache: a command run
// from the cache must answer exactly as one compiled from source, and a cache that is missing,
// damaged, stale or unwritable must cost nothing but the speed-up.
describe('compile cache (bin/run.js)', () => {
  const base = mkdtempSync(join(tmpdir(), 'mcpt-cache-'))
  after(() => rmSync(base, {recursive: true, force: true}))
  const dirOf = (name: string) => join(base, name, 'mcp', 'compile-cache')
  const entries = (name: string) => {
    try {
      return (readdirSync(dirOf(name), {recursive: true}) as string[]).filter((f) =>
        lstatSync(join(dirOf(name), f)).isFile(),
      )
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

  test('damaged entries are compiled from source again and rewritten', async (t) => {
    if (nodeCache) return t.skip("Node's own cache checks its entries")
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
      assert.ok(
        bytes.subarray(bytes.indexOf(10) + 1).some((b) => b !== 0x5a),
        `${f} was rewritten`,
      )
    }
  })

  test("another user's cache directory is left alone (sudo with that user's HOME)", async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to make a directory of another user')
    const theirs = join(base, 'theirs')
    mkdirSync(theirs)
    chownSync(theirs, 65_534, 65_534)
    const r = await runCli(args, {env: testEnv({XDG_CACHE_HOME: theirs})})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(readdirSync(theirs), [], 'nothing written')
  })

  test('an unwritable or unusable cache location is no error', async () => {
    const locked = join(base, 'locked')
    rmSync(locked, {recursive: true, force: true})
    writeFileSync(locked, 'a file where the cache directory would go')
    chmodSync(locked, 0o400)
    for (const env of [
      testEnv({XDG_CACHE_HOME: locked}),
      testEnv({XDG_CACHE_HOME: 'relative/path'}),
      testEnv({XDG_CACHE_HOME: '', HOME: ''}),
    ]) {
      const r = await runCli(args, {env})
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
      assert.ok(r.stdout.length > 0)
    }
  })

  // Whoever can write the cache runs code as mcp's user: the cache is used only where no one else can write.
  test('a cache directory others can write, or reached through a link, is not used', async () => {
    const shared = join(base, 'shared')
    mkdirSync(shared)
    chmodSync(shared, 0o777)
    const real = join(base, 'real')
    mkdirSync(real, {mode: 0o700})
    symlinkSync(real, join(base, 'linked'))
    for (const where of [shared, join(base, 'linked')]) {
      const r = await runCli(args, {env: testEnv({XDG_CACHE_HOME: where})})
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
    }

    assert.deepEqual(readdirSync(shared), [], 'nothing read or written in a world-writable directory')
    assert.deepEqual(readdirSync(real), [], 'nothing written through a symlinked directory')
    const group = join(base, 'group')
    mkdirSync(join(group, 'mcp', 'compile-cache'), {recursive: true, mode: 0o700})
    chmodSync(join(group, 'mcp', 'compile-cache'), 0o770)
    await runCli(args, {env: testEnv({XDG_CACHE_HOME: group})})
    assert.deepEqual(
      readdirSync(join(group, 'mcp', 'compile-cache')),
      [],
      'a group-writable cache directory is not used',
    )
  })

  test('an entry of another owner, or reached through a link, is not read but replaced', async (t) => {
    if (nodeCache) return t.skip("Node's own cache: the directory check above is what guards it")
    if (process.getuid?.() !== 0) return t.skip('needs root to give an entry to another user')
    const env = testEnv({XDG_CACHE_HOME: join(base, 'planted')})
    assert.equal((await runCli(args, {env})).code, 0)
    const [first, second] = entries('planted')
    assert.ok(first && second, 'two entries to plant')
    chownSync(join(dirOf('planted'), first), 65_534, 65_534)
    const elsewhere = join(base, 'elsewhere.bin')
    copyFileSync(join(dirOf('planted'), second), elsewhere)
    rmSync(join(dirOf('planted'), second))
    symlinkSync(elsewhere, join(dirOf('planted'), second))
    const r = await runCli(args, {env})
    assert.equal(r.code, 0, r.stderr)
    for (const f of [first, second]) {
      const stat = lstatSync(join(dirOf('planted'), f))
      assert.ok(stat.isFile() && stat.uid === 0, `${f} was compiled from source and written again as root's own file`)
    }
  })

  // V8 checks only the source's length: an entry must follow the source itself, not its size and mtime.
  test('an entry made from other source of the same size and mtime is not used', async () => {
    const pkg = join(base, 'package')
    mkdirSync(pkg)
    for (const part of ['bin', 'dist', 'schema', 'package.json', 'oclif.manifest.json'])
      cpSync(join(ROOT, part), join(pkg, part), {recursive: true})
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'))
    const runtime = join(pkg, 'dist', 'cli', 'oclif-runtime.js')
    const original = readFileSync(runtime, 'utf8')
    const tail = '0&&(module.exports={execute});'
    assert.ok(original.includes(tail))
    const changed = original.replace(tail, 'process.stderr.write("FRESH");')
    assert.equal(changed.length, original.length)
    const env = testEnv({XDG_CACHE_HOME: join(base, 'same-size')})
    const run = () =>
      spawnSync(process.execPath, [join(pkg, 'bin', 'run.js'), ...args], {env, encoding: 'utf8', timeout: 60_000})
    utimesSync(runtime, 1_700_000_000, 1_700_000_000)
    assert.equal(run().status, 0)
    assert.ok(entries('same-size').length > 0, 'the first run cached the original')
    writeFileSync(runtime, changed)
    utimesSync(runtime, 1_700_000_000, 1_700_000_000)
    const r = run()
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stderr, 'FRESH', 'the changed source ran, not the code cached from the original')
  })
})
