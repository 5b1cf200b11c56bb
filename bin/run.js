#!/bin/sh
':' //; exec node -- "$0" "$@"
// The line above is for sh, a string and a comment to JavaScript. Node reads `--env-file` anywhere on
// its command line, even after the script's name (and exits 9 when the file is missing): `node --`
// ends its options. `#!/usr/bin/env -S node --` would do the same where env has -S, but BusyBox's
// (Alpine) has not.
// CommonJS (bin/package.json): an ES module entry costs Node's ESM loader ~6 ms of every start.
// `mcp`, `mcp --help` and `mcp --version` are answered from text the build rendered with oclif
// itself (dist/root-help.txt): loading @oclif/core costs more than the whole answer.
'use strict'
// `mcp help lint-config` is `mcp lint-config --help`, as in git, docker and kubectl.
if (process.argv[2] === 'help' && process.argv.length > 3) process.argv.splice(2, 1, ...process.argv.splice(3), '--help')
const argv = process.argv.slice(2)
// A reader that went away (`mcp … | head`) ends the output quietly, as it does for grep or docker.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}
if (!process.env.MCP_NO_FASTPATH && (argv.length === 0 || (argv.length === 1 && ['--help', '-h', 'help', '--version', 'version'].includes(argv[0])))) {
  const {readFileSync} = require('node:fs')
  const file = require('node:path').join(__dirname, '..', 'dist', argv[0]?.includes('version') ? 'version.txt' : 'root-help.txt')
  let text
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    // Not built with the fast path: fall through to oclif.
  }
  if (text !== undefined) {
    process.stdout.write(text.replace("{{runtime}}", `${process.platform}-${process.arch} node-${process.version}`))
    process.exit(0)
  }
}

main()

async function main() {
  if (process.env.DEBUG) maskSecretsInDebugOutput()
  const saveCompileCache = process.env.MCP_NO_COMPILE_CACHE ? undefined : installCompileCache()
  // The bundled oclif that the bundled commands share (scripts/build.mjs).
  const {execute} = require('../dist/cli/oclif-runtime.js')
  await execute({loadOptions: loadOptions()})
  // Idle keep-alive sockets (Docker, etcd) must not hold the process open once a command is done —
  // but what is still queued for a pipe must get out first: a pipe takes 64 KiB at a time, and
  // exiting at once cut `mcp discover --json | jq` short.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))))
  saveCompileCache?.()
  process.exit(process.exitCode ?? 0)
}

/**
 * How oclif is to load this package. The root is given (bin/ has a package.json of its own, which
 * oclif would take for the root), and no user plugins are looked for (mcp installs none). A
 * command of mcp's own (dist/commands/<name>.js) is run without loading the core plugins
 * (autocomplete, whose hooks are for plugin installs only): resolving and reading them is ~5 ms.
 */
function loadOptions() {
  const fs = require('node:fs')
  const path = require('node:path')
  const root = path.join(__dirname, '..')
  const name = argv[0]
  // oclif's own logger sets up the debug package (~1–2 ms of every start) to print nothing unless
  // DEBUG is set: without DEBUG, one that prints nothing to begin with.
  const logger = process.env.DEBUG ? undefined : quietLogger()
  if (!name || !/^(?:__)?[a-z][a-z-]*$/.test(name) || !fs.existsSync(path.join(root, 'dist', 'commands', `${name}.js`))) return {root, userPlugins: false, logger}
  const pjson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  return {root, userPlugins: false, logger, pjson: {...pjson, oclif: {...pjson.oclif, plugins: []}}}
}

/**
 * DEBUG=* (or oclif*) makes oclif print argv: secrets given on the command line (--etcd-user
 * name:password, -H "Authorization: …", --body, a URL's password) are masked in everything written to
 * stderr, as they appear in argv and as util.inspect quotes them.
 */
function maskSecretsInDebugOutput() {
  const {inspect} = require('node:util')
  const masked = []
  const add = (raw, shown) => {
    if (raw && raw !== shown) masked.push([raw, shown], [inspect(raw).slice(1, -1), inspect(shown).slice(1, -1)])
  }
  const afterColon = (v) => (v.includes(':') ? `${v.slice(0, v.indexOf(':') + 1)}[redacted]` : '[redacted]')
  const SECRET_VALUE = {'--etcd-user': afterColon, '-H': afterColon, '--header': afterColon, '--body': () => '[redacted]'}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const eq = arg.indexOf('=')
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg.startsWith('-H') && arg.length > 2 ? '-H' : arg
    const mask = SECRET_VALUE[flag]
    if (mask && flag === arg) {
      if (i + 1 < argv.length) add(argv[i + 1], mask(argv[++i]))
    } else if (mask) {
      const value = arg.slice(flag.length).replace(/^=/, '')
      add(arg, arg.slice(0, arg.length - value.length) + mask(value))
    } else {
      add(arg, arg.replace(/(:\/\/[^/@\s:]+:)[^/@\s]+@/g, '$1[redacted]@'))
    }
  }
  if (masked.length === 0) return
  masked.sort((a, b) => b[0].length - a[0].length)
  const write = process.stderr.write.bind(process.stderr)
  process.stderr.write = (chunk, ...rest) => {
    if (typeof chunk === 'string') for (const [raw, shown] of masked) chunk = chunk.split(raw).join(shown)
    return write(chunk, ...rest)
  }
}

/** oclif's Logger interface, printing nothing. */
function quietLogger() {
  const nothing = () => {}
  const logger = {namespace: 'oclif', child: () => logger, debug: nothing, error: nothing, info: nothing, trace: nothing, warn: nothing}
  return logger
}

/**
 * A code cache for the bundles under dist/ (what v8-compile-cache does). Compiling the ~1 MB that
 * one command loads (oclif and the command's bundle) took V8 ~40 ms of every start; from cached data
 * it is a few. Node ≥ 22.1 has its own (module.enableCompileCache); Node 20 gets the shim below.
 * Whoever can write a cache entry runs code as mcp's user (V8 checks only the source's length), so
 * the cache is used only in a directory nobody else can write (trustedCacheDirectory), entries are
 * opened without following links and must be the user's own, and each is stamped with a hash of the
 * source it was made from. A cache that cannot be read, written or trusted costs nothing but the
 * speed-up. MCP_NO_COMPILE_CACHE=1 turns it off.
 */
function installCompileCache() {
  const Module = require('node:module')
  const fs = require('node:fs')
  const path = require('node:path')
  const dir = cacheDirectory(path)
  if (dir === undefined || !trustedCacheDirectory(fs, path, dir)) return undefined
  if (typeof Module.enableCompileCache === 'function') {
    // Node's cache checks each entry against a checksum of the source; the directory is checked above.
    try {
      Module.enableCompileCache(dir)
    } catch {
      // An older 22.x with a different signature: no cache.
    }
    return undefined
  }
  return installCompileCacheShim(Module, fs, path, dir)
}

/**
 * Node 20: compile dist/ through vm.Script with cached data. The first run of a build compiles as
 * usual and, once its command is done, stores V8's data for each file — then, so the functions that
 * run compiled are in it. One entry per file, stamped with a SHA-256 of its source, Node's version
 * and the arch; V8 rejects data that does not fit its flags; a stale or rejected entry is written again.
 */
function installCompileCacheShim(Module, fs, path, dir) {
  const vm = require('node:vm')
  const crypto = require('node:crypto')
  const uid = process.getuid()
  const dist = path.join(__dirname, '..', 'dist') + path.sep
  // Node 20 loses a vm.Script's import() callback when the script comes from cached data: the
  // bundles call this one instead (scripts/build.mjs). Paths are absolute or this package's own.
  globalThis.__mcpImport = (specifier) => import(specifier)
  const fresh = []
  const compile = Module.prototype._compile
  Module.prototype._compile = function (content, filename) {
    if (!filename.startsWith(dist)) return compile.call(this, content, filename)
    // One entry per file (a rebuild replaces it, the cache does not grow), headed by what it was
    // made from: a different source, Node or arch makes it stale.
    let file
    let stamp
    let cachedData
    try {
      file = path.join(dir, `${hash(filename)}.bin`)
      const digest = crypto.createHash('sha256').update(content).digest('hex')
      stamp = Buffer.from(`${digest} ${process.version} ${process.arch}\n`)
      const entry = readOwnFile(fs, file, uid)
      if (entry?.subarray(0, stamp.length).equals(stamp)) cachedData = entry.subarray(stamp.length)
    } catch {
      // No entry yet: compile from source.
    }
    const script = new vm.Script(Module.wrap(content), {filename, cachedData})
    if (file && (cachedData === undefined || script.cachedDataRejected)) fresh.push({script, file, stamp})
    const require = (id) => this.require(id)
    require.resolve = (request, options) => Module._resolveFilename(request, this, false, options)
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, this)
    require.main = process.mainModule
    require.extensions = Module._extensions
    require.cache = Module._cache
    return script.runInThisContext().call(this.exports, this.exports, require, this, filename, path.dirname(filename))
  }
  return () => {
    let temp
    try {
      for (const {script, file, stamp} of fresh) {
        // An unpredictable name, created exclusively (never through a link planted under it).
        temp = `${file}.${crypto.randomBytes(8).toString('hex')}.tmp`
        const fd = fs.openSync(temp, 'wx', 0o600)
        try {
          fs.writeSync(fd, Buffer.concat([stamp, script.createCachedData()]))
        } finally {
          fs.closeSync(fd)
        }
        fs.renameSync(temp, file)
        temp = undefined
      }
    } catch {
      // Read-only home, full disk: the next run compiles again.
      try {
        if (temp) fs.rmSync(temp, {force: true})
      } catch {
        // Nothing more to do.
      }
    }
  }
}

/** A cache entry's bytes: a regular file of the user's own that only they can write, never through a link. */
function readOwnFile(fs, file, uid) {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0))
  try {
    const stat = fs.fstatSync(fd)
    if (!stat.isFile() || stat.uid !== uid || (stat.mode & 0o022) !== 0 || stat.size > 64 * 1024 * 1024) return undefined
    return fs.readFileSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Whether `dir` is a place only this user (or root) can write, creating its missing levels (0700)
 * only under such a place. Every level from / down is a real directory (no symlink), owned by the
 * user or root, and not group- or world-writable — except a root-owned sticky directory such as
 * /tmp above the first level that must be the user's own (there no one else can rename or replace
 * what the user made). The last two levels (mcp/compile-cache) are the user's own. `sudo mcp` with
 * another user's HOME: their directory is not root's, so nothing is read or written there.
 * No uid (Windows): no cache.
 */
function trustedCacheDirectory(fs, path, dir) {
  if (!process.getuid) return false
  const uid = process.getuid()
  const levels = []
  for (let level = dir; ; level = path.dirname(level)) {
    levels.unshift(level)
    if (path.dirname(level) === level) break
  }
  const ownLevels = new Set([dir, path.dirname(dir)])
  try {
    for (const level of levels) {
      let stat
      try {
        stat = fs.lstatSync(level)
      } catch (error) {
        if (error.code !== 'ENOENT') return false
        // Level by level: mkdirSync({recursive}) spins forever on some errors (a path under /proc).
        fs.mkdirSync(level, {mode: 0o700})
        stat = fs.lstatSync(level)
      }
      if (!stat.isDirectory() || stat.isSymbolicLink()) return false
      if (ownLevels.has(level) ? stat.uid !== uid : stat.uid !== uid && stat.uid !== 0) return false
      const sharedSticky = stat.uid === 0 && (stat.mode & 0o1000) !== 0 && !ownLevels.has(level)
      if ((stat.mode & 0o022) !== 0 && !sharedSticky) return false
    }
    return true
  } catch {
    return false
  }
}

/** $XDG_CACHE_HOME/mcp/compile-cache (~/.cache when unset). */
function cacheDirectory(path) {
  const home = process.env.HOME || process.env.USERPROFILE
  const base = process.env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : undefined)
  return base && path.isAbsolute(base) ? path.join(base, 'mcp', 'compile-cache') : undefined
}

/** FNV-1a, 2 × 32 bits: a file name for a path (no crypto module to load for it). */
function hash(text) {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ 0x9e3779b9
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x01000193 + 2)
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0')
}
