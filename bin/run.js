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
  if (!name || !/^[a-z][a-z-]*$/.test(name) || !fs.existsSync(path.join(root, 'dist', 'commands', `${name}.js`))) return {root, userPlugins: false, logger}
  const pjson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  return {root, userPlugins: false, logger, pjson: {...pjson, oclif: {...pjson.oclif, plugins: []}}}
}

/** oclif's Logger interface, printing nothing. */
function quietLogger() {
  const nothing = () => {}
  const logger = {namespace: 'oclif', child: () => logger, debug: nothing, error: nothing, info: nothing, trace: nothing, warn: nothing}
  return logger
}

/**
 * A code cache for the bundles under dist/ (what v8-compile-cache does; Node 20 has neither
 * module.enableCompileCache nor a cache for ES modules, hence the CommonJS build). Compiling the
 * ~1 MB that one command loads (oclif and the command's bundle) took V8 ~40 ms of every start;
 * from cached data it is a few. The first run of a build compiles as usual and, once its command
 * is done, stores V8's data for each file — then, so the functions that run compiled are in it.
 * One entry per file, stamped with its size and mtime, Node's version and the arch; V8 rejects data
 * that does not fit its flags; a stale or rejected entry is written again. A cache that cannot be
 * read or written costs nothing but the speed-up. MCP_NO_COMPILE_CACHE=1 turns it off.
 */
function installCompileCache() {
  const Module = require('node:module')
  const vm = require('node:vm')
  const fs = require('node:fs')
  const path = require('node:path')
  const dist = path.join(__dirname, '..', 'dist') + path.sep
  const dir = cacheDirectory(path)
  if (dir === undefined) return undefined
  // Node 20 loses a vm.Script's import() callback when the script comes from cached data: the
  // bundles call this one instead (scripts/build.mjs). Paths are absolute or this package's own.
  globalThis.__mcpImport = (specifier) => import(specifier)
  const fresh = []
  const compile = Module.prototype._compile
  Module.prototype._compile = function (content, filename) {
    if (!filename.startsWith(dist)) return compile.call(this, content, filename)
    // One entry per file (a rebuild replaces it, the cache does not grow), headed by what it was
    // made from: a different build, Node or arch makes it stale.
    let file
    let stamp
    let cachedData
    try {
      const {size, mtimeMs} = fs.statSync(filename)
      file = path.join(dir, `${hash(filename)}.bin`)
      stamp = Buffer.from(`${size} ${mtimeMs} ${process.version} ${process.arch}\n`)
      const entry = fs.readFileSync(file)
      if (entry.subarray(0, stamp.length).equals(stamp)) cachedData = entry.subarray(stamp.length)
    } catch {
      // No entry yet (or no cache at all): compile from source.
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
    if (fresh.length === 0) return
    let temp
    try {
      // Only in a place of the user's own: `sudo mcp …` with another user's HOME must not leave
      // root-owned directories in it.
      const base = path.dirname(path.dirname(dir))
      const owner = fs.statSync(fs.existsSync(base) ? base : path.dirname(base)).uid
      if (process.getuid && owner !== process.getuid()) return
      // Level by level: mkdirSync({recursive}) spins forever on some errors (a path under /proc).
      for (const level of [base, path.dirname(dir), dir]) {
        try {
          fs.mkdirSync(level, {mode: 0o700})
        } catch (error) {
          if (error.code !== 'EEXIST') throw error
        }
      }
      for (const {script, file, stamp} of fresh) {
        temp = `${file}.${process.pid}.tmp`
        fs.writeFileSync(temp, Buffer.concat([stamp, script.createCachedData()]))
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

/** $XDG_CACHE_HOME/mcp/compile-cache (~/.cache when unset): a directory of the user's own. */
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
