import {parseDotenv} from './dotenv.js'
import {readTextDocument} from './input.js'

export interface InterpolationResult {
  value: string
  /** Variables referenced but not set, and with no default. */
  unresolved: string[]
  /**
   * Why docker compose would refuse the text: a `${VAR:?msg}` / `${VAR?msg}` whose variable is
   * missing, or a `$` that starts no valid reference. Empty when compose accepts it.
   */
  errors: string[]
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*/
/** Defaults nest at most this deep: each level rescans its text, so the bound keeps hostile input linear. */
const MAX_NESTING = 32
const BRACED_RE = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/

/** The index of the `}` closing the `${` at `start`, counting nested `${` as compose-go does; -1 when none. */
function closingBrace(text: string, start: number): number {
  let depth = 0
  for (let i = start; i < text.length; i++) {
    if (text[i] === '}') {
      depth--
      if (depth === 0) return i
    } else if (text[i] === '$' && text[i + 1] === '{') {
      depth++
      i++
    }
  }

  return -1
}

/**
 * Interpolate `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`,
 * `${VAR:+alt}`, `${VAR+alt}` and `$$` the way compose-go's template package does, defaults and
 * messages nested to any depth. A variable that is not set and has no default stays as written and is
 * listed in `unresolved` (compose would use an empty string and warn); what compose refuses is in `errors`.
 */
export function interpolate(
  text: string,
  vars: Record<string, string | undefined>,
  options: {unsetAsEmpty?: boolean} = {},
): InterpolationResult {
  const unresolved: string[] = []
  const errors: string[] = []
  const value = substitute(text, vars, unresolved, errors, options.unsetAsEmpty ?? false)
  return {value, unresolved, errors}
}

function substitute(
  text: string,
  vars: Record<string, string | undefined>,
  unresolved: string[],
  errors: string[],
  empty: boolean,
  depth = 0,
): string {
  if (depth > MAX_NESTING) {
    errors.push(`interpolation nested more than ${MAX_NESTING} levels deep`)
    return text
  }

  let out = ''
  let i = 0
  while (i < text.length) {
    const dollar = text.indexOf('$', i)
    if (dollar === -1) {
      out += text.slice(i)
      break
    }

    out += text.slice(i, dollar)
    const next = text[dollar + 1]
    if (next === '$') {
      out += '$'
      i = dollar + 2
      continue
    }

    if (next !== '{') {
      const name = NAME_RE.exec(text.slice(dollar + 1, dollar + 1 + 256))?.[0]
      if (!name) {
        errors.push(
          `invalid interpolation format: ${clip(text.slice(dollar))} (a $ must start $VAR or \${VAR}; write $$ for a literal $)`,
        )
        out += '$'
        i = dollar + 1
        continue
      }

      const v = vars[name]
      if (v === undefined) {
        unresolved.push(name)
        out += empty ? '' : '$' + name
      } else out += v
      i = dollar + 1 + name.length
      continue
    }

    const close = closingBrace(text, dollar)
    const m = close < 0 ? null : BRACED_RE.exec(text.slice(dollar + 2, close))
    if (!m) {
      errors.push(
        `invalid interpolation format: ${clip(text.slice(dollar))} (a $ must start $VAR or \${VAR}; write $$ for a literal $)`,
      )
      out += text.slice(dollar, close < 0 ? text.length : close + 1)
      i = close < 0 ? text.length : close + 1
      continue
    }

    i = close + 1
    const [match, name, op, arg = ''] = [text.slice(dollar, close + 1), m[1]!, m[2], m[3]]
    const v = vars[name]
    const set = v !== undefined
    const nonEmpty = set && v !== ''
    const nested = () => substitute(arg, vars, unresolved, errors, empty, depth + 1)
    switch (op) {
      case ':-': {
        out += nonEmpty ? v : nested()
        break
      }

      case '-': {
        out += set ? v : nested()
        break
      }

      case ':+': {
        out += nonEmpty ? nested() : ''
        break
      }

      case '+': {
        out += set ? nested() : ''
        break
      }

      case ':?':
      case '?': {
        if ((op === ':?' && nonEmpty) || (op === '?' && set)) {
          out += v
          break
        }

        const message = substitute(arg, vars, [], [], true, depth + 1)
        errors.push(`required variable ${name} is missing a value${message ? `: ${message}` : ''}`)
        unresolved.push(name)
        out += match
        break
      }

      default: {
        if (set) out += v
        else {
          unresolved.push(name)
          out += empty ? '' : match
        }
      }
    }
  }

  return out
}

/** Quoted, and at most 40 characters of it: messages stay one short line whatever the input. */
export function clip(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

/** Does the text reference a variable at all? */
export function hasVariables(text: string): boolean {
  return /(?:^|[^$])(?:\$\$)*\$[A-Za-z_{]/.test(text)
}

/** Read an env file by compose-go's dotenv rules (see core/dotenv.ts); `${VAR}` in it sees `lookup` first. */
export function parseEnvFile(path: string, lookup: Record<string, string | undefined> = {}): Record<string, string> {
  // `mcp: nope.env: no such file` and the other input errors, worded as for every file mcp reads.
  const {text} = readTextDocument(path, {allowEmpty: true})
  const out: Record<string, string> = {}
  for (const [key, entry] of parseDotenv(text, path, lookup)) out[key] = entry.value
  return out
}
