// Stryker's tap runner is given the .ts test files (stryker.config.mjs): they exist in the project, so
// the incremental file records their source and the next run can re-use its results. What runs is
// the .js that scripts/mutation-build.mjs wrote beside each in the sandbox: this hook swaps the name.
import {register} from 'node:module'

const hooks = `export async function resolve(specifier, context, next) {
  return next(/\\.test\\.ts$/.test(specifier) ? specifier.replace(/\\.ts$/, '.js') : specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)
