#!/usr/bin/env node
// The build: TypeScript is type-checked and compiled by tsc into .build/, then esbuild bundles that
// JavaScript into dist/ — one file per command (oclif still finds them by pattern, and the manifest
// is unchanged) plus shared chunks, with @oclif/core and the other pure-JS dependencies inside.
//
// Why bundle: loading ~200 small CommonJS and ESM files (oclif and its dependencies, yaml, our
// modules) cost more than discover's whole work: ~300 ms of a 10,000-key discover was module
// resolution, reading and compiling. Bundled, that start-up is about a third of it.
//
// Left out of the bundle and loaded from node_modules when a command needs them: packages that
// are required lazily on purpose through createRequire (etcd3 with gRPC, dockerode with ssh2,
// autocannon's request builder, the ajv runtime the generated validator needs), the oclif plugins,
// and TypeScript (oclif only wants it in development mode).
import * as esbuild from 'esbuild'
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'

import {buildSeparately, lazyRequirePlugin, separatePackagesPlugin} from './lazy-require.mjs'

const root = new URL('..', import.meta.url).pathname
process.chdir(root)

rmSync('.build', {recursive: true, force: true})
rmSync('dist', {recursive: true, force: true})
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', '.build'], {stdio: 'inherit'})

const files = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]))
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

// Packages only some oclif paths use (help templates, spinners, globs, semver ranges, text wrapping):
// bundled apart in dist/oclif-deps/ and required from there on first use.
const OCLIF_OCCASIONAL = ['ejs', 'semver', 'minimatch', 'tinyglobby', 'cli-spinners', 'lilconfig', 'ansi-escapes', 'wordwrap', 'clean-stack', 'widest-line', 'wrap-ansi', 'indent-string']
const oclifFiles = /node_modules\/@oclif\/core\/lib\/.*\.js$/

const lazy = {files: 0, requires: 0}
const result = await esbuild.build({
  // @oclif/core's modules are required on first use, not all at start (scripts/lazy-require.mjs).
  plugins: [
    separatePackagesPlugin(OCLIF_OCCASIONAL, oclifFiles, 'oclif-deps'),
    lazyRequirePlugin(oclifFiles, {
      stats: lazy,
      replace: {
        // Sorting the command ids with localeCompare sets up an ICU collator (~10 ms) on every run;
        // the ids are ASCII, where code-unit order is the same order.
        '@oclif/core/lib/config/plugin.js': [['.sort((a, b) => a.id.localeCompare(b.id));', '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));']],
        // Each core plugin is named in full (no glob): matching by name, not by compiling it as a
        // minimatch pattern against every dependency (~4 ms, and minimatch's load).
        '@oclif/core/lib/config/plugin-loader.js': [['patterns.some((w) => (0, minimatch_1.minimatch)(p, w))', 'patterns.some((w) => (/[*?[\\]{}]|[!+@]\\(/.test(w) ? (0, minimatch_1.minimatch)(p, w) : p === w))']],
      },
    }),
  ],
  entryPoints,
  outbase: '.build',
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Chunks sit at the same depth as dist/<dir>/<file>.js, so paths like '../../schema/…' that are
  // resolved against import.meta.url mean the same in a chunk as in the module they came from.
  chunkNames: 'chunks/[name]-[hash]',
  // MCP_BUILD_READABLE=1 keeps lines and names for profiling.
  minifySyntax: !process.env.MCP_BUILD_READABLE,
  minifyWhitespace: !process.env.MCP_BUILD_READABLE,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  external: ['typescript', '@oclif/plugin-*', 'etcd3', 'dockerode', 'ssh2', 'cpu-features', 'autocannon'],
  // Bundled CommonJS (oclif) calls require() for Node's own modules: give ESM chunks a real one.
  banner: {js: 'import {createRequire as __mcpCreateRequire} from "node:module";const require=__mcpCreateRequire(import.meta.url);'},
})

if (lazy.files < 20) throw new Error(`build: lazy requires applied to only ${lazy.files} @oclif/core files; has its compiled form changed? (scripts/lazy-require.mjs)`)
await buildSeparately(esbuild, OCLIF_OCCASIONAL, join(root, 'node_modules/@oclif/core/lib/index.js'), 'dist/oclif-deps', {
  minifySyntax: !process.env.MCP_BUILD_READABLE,
  minifyWhitespace: !process.env.MCP_BUILD_READABLE,
  legalComments: 'none',
})

// Worker scripts are found at run time by URL ('../logs/scan-worker.js'); a missing one would only
// make a command fall back to one thread, silently. Every such URL must name a built file.
for (const file of files('.build').filter((f) => f.endsWith('.js'))) {
  const source = readFileSync(file, 'utf8')
  for (const [, target] of source.matchAll(/new URL\('(\.\.\/[\w-]+\/[\w.-]+\.js)', import\.meta\.url\)/g)) {
    const built = join('dist', target.replace(/^\.\.\//, ''))
    if (!existsSync(built)) throw new Error(`build: ${file} starts ${target}, but ${built} was not built (add it to entryPoints)`)
  }
}

if (process.env.MCP_BUILD_REPORT) {
  const outputs = Object.entries(result.metafile.outputs).sort((a, b) => b[1].bytes - a[1].bytes)
  for (const [file, out] of outputs.slice(0, 15)) console.log(String(out.bytes).padStart(9), relative(root, file))
}
