#!/usr/bin/env node
import {build} from 'esbuild'
// Stryker's buildCommand (stryker.config.mjs), run inside its sandbox after the sources are
// instrumented: every .ts under src/ and test/ (fixtures aside) transpiled to a .js beside it. The
// imports already name .js files, so plain node runs the tests without tsx: a third of the CPU per
// test process (docs/mutation.md), which is what a mutation run spends its time on.
import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

function tsFiles(dir) {
  const out = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (name !== 'fixtures' && name !== 'corpus') out.push(...tsFiles(path))
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path)
  }

  return out
}

await build({
  entryPoints: [...tsFiles('src'), ...tsFiles('test')],
  outdir: '.',
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
})
