// An esbuild plugin that makes a CommonJS package's top-level requires lazy inside the bundle.
//
// Why: @oclif/core (CommonJS, compiled by tsc) requires most of itself when its first module loads —
// help rendering, spinners, glob matching, semver, debug's tty set-up — although running a command
// from a manifest touches little of it. Evaluating all of it cost ~40 ms of every command's start.
// tsc writes each import as one line, `const x_1 = require("./x");` (or wrapped in __importDefault /
// __importStar), and every use as `x_1.name`; those are rewritten so the module is required on first
// use: `const x_1 = require("./x")` becomes a getter, and each `x_1` a call of it. A use at the top
// level still requires at once, in the same order as before.
//
// Only names of tsc's own form (`<name>_<n>`) are rewritten, so a word in a string or comment is never
// touched; a file where a name is also assigned or declared elsewhere is left as it is.
import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'

const IMPORT_LINE = /^(?:const|var) (\w+_\d+) = ((?:__importDefault|__importStar)\()?require\(("[^"]+")\)(\))?;$/gm

/** The rewritten source, and how many requires became lazy. */
export function lazyRequires(source) {
  const names = []
  let text = source.replaceAll(IMPORT_LINE, (line, name, wrapOpen, specifier, wrapClose) => {
    if (Boolean(wrapOpen) !== Boolean(wrapClose)) return line
    names.push(name)
    const value = wrapOpen ? `${wrapOpen}require(${specifier}))` : `require(${specifier})`
    return `let __lazy_${name}; const __get_${name} = () => (__lazy_${name} ??= ${value});`
  })
  for (const name of names) {
    // Declared or assigned again elsewhere: not a plain import binding, leave the file alone.
    if (new RegExp(`(?:\\b(?:const|let|var) ${name}\\b|\\b${name}\\s*=[^=])`).test(text))
      return {text: source, count: 0}
    text = text.replaceAll(new RegExp(`(?<![.\\w$])${name}\\b`, 'g'), `(__get_${name}())`)
  }

  return {text, count: names.length}
}

/**
 * esbuild plugin: lazy requires in every file whose path matches `filter`, and the exact text
 * replacements given for files whose path ends as a key of `replace` — each must be found, or the
 * build fails (a new version of the package has moved on, and the replacement needs a look).
 */
export function lazyRequirePlugin(filter, {replace = {}, stats = {files: 0, requires: 0}} = {}) {
  return {
    name: 'lazy-require',
    setup(build) {
      build.onLoad({filter}, async (args) => {
        let source = await readFile(args.path, 'utf8')
        for (const [suffix, edits] of Object.entries(replace)) {
          if (!args.path.endsWith(suffix)) continue
          for (const [from, to] of edits) {
            if (!source.includes(from))
              throw new Error(
                `lazy-require: ${suffix} no longer contains ${JSON.stringify(from)}; check the replacement in scripts/build.mjs`,
              )
            source = source.replace(from, to)
          }
        }

        const {text, count} = lazyRequires(source)
        if (count) {
          stats.files++
          stats.requires += count
        }

        return {contents: text, loader: 'js'}
      })
    },
  }
}

/**
 * esbuild plugin: the packages named, when a file matching `importer` requires them, are left out
 * of the bundle and required at run time from `dir/<name>.cjs` (a bundle of their own, made by
 * buildSeparately), resolved against the requiring chunk. With lazy requires they load only when
 * used: oclif's help templates (ejs), spinners, glob matching and text wrapping are needed by few
 * runs, and compiling them cost every run's start.
 */
export function separatePackagesPlugin(names, importer, dir) {
  const wanted = new Set(names)
  return {
    name: 'separate-packages',
    setup(build) {
      build.onResolve({filter: /^[@\w][\w./@-]*$/}, (args) => {
        if (!wanted.has(args.path) || !importer.test(args.importer)) return undefined
        return {path: `../${dir}/${args.path.replaceAll('/', '__')}.cjs`, external: true}
      })
    },
  }
}

/** Bundle each package (resolved from `from`, a file inside the package that requires them) to outdir/<name>.cjs. */
export async function buildSeparately(esbuild, names, from, outdir, options = {}) {
  const {resolve} = createRequire(from)
  await esbuild.build({
    entryPoints: Object.fromEntries(names.map((name) => [name.replaceAll('/', '__'), resolve(name)])),
    outdir,
    outExtension: {'.js': '.cjs'},
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    ...options,
  })
}
