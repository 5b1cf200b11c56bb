#!/usr/bin/env node
// The build: TypeScript is type-checked and compiled by tsc into .build/, then esbuild bundles that
// JavaScript into dist/ as CommonJS — one file per command (oclif still finds them by pattern) with
// the pure-JS dependencies inside, and @oclif/core once, in dist/vendor/ (see below).
//
// Why bundle: loading ~200 small CommonJS and ESM files (oclif and its dependencies, yaml, our
// modules) cost more than discover's whole work: ~300 ms of a 10,000-key discover was module
// resolution, reading and compiling. Bundled, that start-up is about a third of it; with the code
// cache that bin/run.js keeps for these CommonJS files, V8 no longer compiles them on every run.
//
// Left out of the bundle and loaded from node_modules when a command needs them: packages that
// are required lazily on purpose through createRequire (etcd3 with gRPC, dockerode with ssh2,
// the ajv runtime the generated validator needs), the oclif plugins,
// and TypeScript (oclif only wants it in development mode).
import * as esbuild from 'esbuild'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join, relative} from 'node:path'

import {buildSeparately, lazyRequirePlugin, separatePackagesPlugin} from './lazy-require.mjs'

const root = new URL('..', import.meta.url).pathname
process.chdir(root)

rmSync('.build', {recursive: true, force: true})
rmSync('dist', {recursive: true, force: true})
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', '.build'], {stdio: 'inherit'})

const files = (dir) =>
  readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)],
  )
const entryPoints = [
  ...files('.build/commands'),
  ...files('.build/hooks'),
  // bin/run.js imports oclif from here, so commands and runtime share one @oclif/core.
  '.build/cli/oclif-runtime.js',
  // Worker threads start from a file of their own.
  '.build/logs/scan-worker.js',
  '.build/logs/gunzip-worker.js',
  '.build/loadtest/worker.js',
  // Imported by path by the loadtest integration test (it drives the threads directly).
  '.build/loadtest/threads.js',
  '.build/loadtest/options.js',
].filter((f) => f.endsWith('.js'))

// Packages only some oclif paths use (help templates, spinners, globs, text wrapping):
// bundled apart in dist/oclif-deps/ and required from there on first use.
const OCLIF_OCCASIONAL = [
  'ejs',
  'minimatch',
  'tinyglobby',
  'cli-spinners',
  'lilconfig',
  'ansi-escapes',
  'wordwrap',
  'clean-stack',
  'widest-line',
  'wrap-ansi',
  'indent-string',
]
const oclifFiles = /node_modules\/@oclif\/core\/lib\/.*\.js$/

// Exact-text patches of dependencies' code, each named. Each one's package is pinned to an exact
// version in package.json (a lockfile refresh must not change what is patched), and the build fails
// when a text is gone. Only patches that gain ~2 ms or more stay: docs/performance.md lists each
// with its measured gain, and those dropped. To measure one again, build without it:
// MCP_BUILD_WITHOUT=<name>[,<name>…] npm run build (bench/patches.sh does it for every patch).
const without = new Set((process.env.MCP_BUILD_WITHOUT ?? '').split(',').filter(Boolean))
const OCLIF_PATCHES = [
  // Sorting the command ids with localeCompare sets up an ICU collator on every run; the ids are
  // ASCII, where code-unit order is the same order.
  [
    'oclif-sort',
    '@oclif/core/lib/config/plugin.js',
    [['.sort((a, b) => a.id.localeCompare(b.id));', '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));']],
  ],
  // package.json and the manifest are read through node:fs/promises: each file is four trips through
  // libuv's thread pool (open, stat, read, close), and loading fs/promises brings readline and the
  // fs watchers with it; read them at once.
  [
    'oclif-fs-sync',
    '@oclif/core/lib/util/fs.js',
    [
      [
        "const contents = await (0, promises_1.readFile)(path, 'utf8');",
        "const contents = (0, node_fs_1.readFileSync)(path, 'utf8');",
      ],
    ],
  ],
  // The platform check loads all of wsl-utils (node:child_process with dgram and the rest, PowerShell
  // helpers) to ask is-wsl, which it re-exports; ask is-wsl itself, and only on Linux.
  [
    'oclif-is-wsl',
    '@oclif/core/lib/util/os.js',
    [["(await import('wsl-utils')).isWsl", "(process.platform === 'linux' && (await import('is-wsl')).default)"]],
  ],
]
const oclifPatches = {}
for (const [name, file, edits] of OCLIF_PATCHES) if (!without.has(name)) oclifPatches[file] = edits

// CommonJS, not ESM: Node 20 keeps no code cache for ES modules, but bin/run.js can give a CommonJS
// file V8's cached data (see there). dist/package.json marks dist/ as CommonJS, so the files keep
// their .js names and oclif's manifest records them as require()d (isESM false).
//
// CommonJS has no code splitting, so @oclif/core is bundled once, into dist/vendor/oclif-core.js,
// and every other bundle requires it from there: the runtime that bin/run.js starts and the
// commands it loads must share one oclif. Paths resolved against import.meta.url
// ('../logs/scan-worker.js', '../../schema/…') are written for a module at dist/<dir>/<file>.js.
mkdirSync('dist', {recursive: true})
writeFileSync('dist/package.json', JSON.stringify({type: 'commonjs'}, null, 2) + '\n')
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // MCP_BUILD_READABLE=1 keeps lines and names for profiling.
  minifySyntax: !process.env.MCP_BUILD_READABLE,
  minifyWhitespace: !process.env.MCP_BUILD_READABLE,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  external: ['typescript', '@oclif/plugin-*', 'etcd3', 'dockerode', 'ssh2', 'cpu-features'],
  // import.meta does not exist in CommonJS: it becomes this file's URL.
  define: {'import.meta.url': '__mcpImportMetaUrl'},
}
// import() inside a script compiled from V8's cached data fails on Node 20 ("dynamic import
// callback was not specified"), so every import() goes through __mcpImport: bin/run.js's own
// import() when it runs the cache, a plain import() when the file is loaded some other way.
const importer = 'var __mcpImport=globalThis.__mcpImport??(s=>import(s));'
// The parts of @oclif/core mcp uses, by the subpath it imports them from; each required on first use.
const OCLIF_SUBPATHS = ['command', 'flags', 'args', 'execute']
const lazy = {files: 0, requires: 0}
const vendor = await esbuild.build({
  ...common,
  stdin: {
    contents: OCLIF_SUBPATHS.map(
      (name) =>
        `Object.defineProperty(exports, ${JSON.stringify(name)}, {enumerable: true, get: () => require('@oclif/core/${name}')})`,
    ).join('\n'),
    resolveDir: root,
    sourcefile: 'oclif-core.cjs',
  },
  banner: {js: importer},
  outfile: 'dist/vendor/oclif-core.js',
  // @oclif/core's modules are required on first use, not all at start (scripts/lazy-require.mjs).
  plugins: [
    separatePackagesPlugin(OCLIF_OCCASIONAL, oclifFiles, 'oclif-deps'),
    lazyRequirePlugin(oclifFiles, {
      stats: lazy,
      replace: oclifPatches,
    }),
  ],
})
// Entries deeper than dist/<dir>/ (dist/commands/config/list.js) reach the vendored oclif one more
// '../' up, and their import.meta.url is taken as if they sat at dist/<dir>/ (what the shared code
// inside them expects).
const depthOf = (entry) => relative('.build', entry).split('/').length - 1
const byDepth = new Map()
for (const entry of entryPoints) byDepth.set(depthOf(entry), [...(byDepth.get(depthOf(entry)) ?? []), entry])
const result = {metafile: {outputs: {...vendor.metafile.outputs}}}
for (const [depth, group] of byDepth) {
  const up = '../'.repeat(depth)
  const here =
    depth === 1
      ? '__filename'
      : `require("node:path").join(__dirname,"${'../'.repeat(depth - 1)}",require("node:path").basename(__filename))`
  const sharedOclif = {
    name: 'shared-oclif',
    setup(b) {
      b.onResolve({filter: /^@oclif\/core\/(command|flags|args|execute)$/}, (args) => ({
        path: args.path.slice('@oclif/core/'.length),
        namespace: 'shared-oclif',
      }))
      b.onResolve({filter: /\/vendor\/oclif-core\.js$/}, (args) => ({path: args.path, external: true}))
      b.onLoad({filter: /.*/, namespace: 'shared-oclif'}, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`${up}vendor/oclif-core.js`)}).${args.path}`,
        loader: 'js',
      }))
      b.onResolve({filter: /^@oclif\/core(\/.*)?$/}, (args) => ({
        errors: [
          {
            text: `${args.path}: import @oclif/core by one of the subpaths ${OCLIF_SUBPATHS.join(', ')} (scripts/build.mjs shares them)`,
          },
        ],
      }))
    },
  }
  const built = await esbuild.build({
    ...common,
    entryPoints: group,
    outbase: '.build',
    outdir: 'dist',
    banner: {js: `${importer}var __mcpImportMetaUrl=require("node:url").pathToFileURL(${here}).href;`},
    plugins: [sharedOclif],
  })
  Object.assign(result.metafile.outputs, built.metafile.outputs)
}

for (const file of Object.keys(result.metafile.outputs)) {
  const source = readFileSync(file, 'utf8')
  const routed = source.replaceAll(/(?<![\w$.'"`])import\((?!s\))/g, '__mcpImport(')
  // What is left is the banner's fall-back or text in a string; anything else would break once cached.
  const left = [...routed.matchAll(/(?<![\w$.'"`])import\(/g)].length
  if (left !== 1)
    throw new Error(`build: ${file} has ${left - 1} import() that could not be routed through __mcpImport`)
  if (routed !== source) writeFileSync(file, routed)
}

if (lazy.files < 20)
  throw new Error(
    `build: lazy requires applied to only ${lazy.files} @oclif/core files; has its compiled form changed? (scripts/lazy-require.mjs)`,
  )
// Resolved as @oclif/core resolves them, wherever npm placed it.
await buildSeparately(
  esbuild,
  OCLIF_OCCASIONAL,
  createRequire(join(root, 'package.json')).resolve('@oclif/core/package.json'),
  'dist/oclif-deps',
  {
    minifySyntax: !process.env.MCP_BUILD_READABLE,
    minifyWhitespace: !process.env.MCP_BUILD_READABLE,
    legalComments: 'none',
  },
)

// Worker scripts are found at run time by URL ('../logs/scan-worker.js'); a missing one would only
// make a command fall back to one thread, silently. Every such URL must name a built file.
for (const file of files('.build').filter((f) => f.endsWith('.js'))) {
  const source = readFileSync(file, 'utf8')
  for (const [, target] of source.matchAll(/new URL\('(\.\.\/[\w-]+\/[\w.-]+\.js)', import\.meta\.url\)/g)) {
    const built = join('dist', target.replace(/^\.\.\//, ''))
    if (!existsSync(built))
      throw new Error(`build: ${file} starts ${target}, but ${built} was not built (add it to entryPoints)`)
  }
}

if (process.env.MCP_BUILD_REPORT) {
  const outputs = Object.entries(result.metafile.outputs).sort((a, b) => b[1].bytes - a[1].bytes)
  for (const [file, out] of outputs.slice(0, 15)) console.log(String(out.bytes).padStart(9), relative(root, file))
}
