import {InputError} from '../core/errors.js'
import {splitInstructions} from './sources/dockerfile.js'

// A mistyped path in CI (`-f gateway.yaml`, `--dockerfile compose.yaml`) must not pass as "no problems":
// a file that is not what it was named as is an input error (exit 3). Called by lint.ts on what the
// readers return, so the readers stay as they are.

// `services:` or `include:` at the top level, in block style or in a flow mapping / JSON document.
const COMPOSE_TOP_LEVEL = /^["']?(?:services|include)["']?[ \t]*:|^\s*\{[^]*?["']?(?:services|include)["']?\s*:/m

/**
 * A compose file that yielded no services is refused when it has no `services:` (nor `include:`) at all:
 * `services: {}` is a compose file with nothing in it, `hello: world` is not a compose file.
 */
export function assertComposeDocument(file: string, text: string, serviceCount: number): void {
  if (serviceCount > 0 || COMPOSE_TOP_LEVEL.test(text)) return
  throw new InputError('not a compose file (no services:)', {
    where: file,
    hint: 'name a compose file with -f, a Dockerfile with --dockerfile; a gateway config is checked by mcp lint-config',
  })
}

/** A Dockerfile has a FROM (docker build refuses one without); anything else was named by mistake. */
export function assertDockerfile(file: string, text: string): void {
  if (splitInstructions(text).some((instruction) => instruction.keyword === 'FROM')) return
  throw new InputError('not a Dockerfile (no FROM)', {
    where: file,
    hint: 'name a Dockerfile with --dockerfile, a compose file with -f',
  })
}
