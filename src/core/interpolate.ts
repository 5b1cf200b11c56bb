import {InputError} from './errors.js'
import {readTextDocument} from './input.js'

export interface InterpolationResult {
  value: string
  /** Variables referenced but not set, and with no default. */
  unresolved: string[]
}

// Compose's forms: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, ${VAR:+alt}, $$ (a literal $).
const VAR_RE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g

/** Interpolate ${VAR} / ${VAR:-default} the way docker compose does, reporting what stayed unresolved. */
export function interpolate(text: string, vars: Record<string, string | undefined>): InterpolationResult {
  const unresolved: string[] = []
  const value = text.replace(VAR_RE, (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$'
    const name = (braced ?? bare)!
    const v = vars[name]
    const set = v !== undefined
    const nonEmpty = set && v !== ''
    switch (op) {
      case ':-':
        return nonEmpty ? v! : interpolate(arg ?? '', vars).value
      case '-':
        return set ? v! : interpolate(arg ?? '', vars).value
      case ':+':
        return nonEmpty ? interpolate(arg ?? '', vars).value : ''
      case '+':
        return set ? interpolate(arg ?? '', vars).value : ''
      case ':?':
      case '?':
        if ((op === ':?' && nonEmpty) || (op === '?' && set)) return v!
        unresolved.push(name)
        return match
      default:
        if (set) return v!
        unresolved.push(name)
        return match
    }
  })
  return {value, unresolved}
}

/** Does the text reference a variable at all? */
export function hasVariables(text: string): boolean {
  VAR_RE.lastIndex = 0
  return [...text.matchAll(VAR_RE)].some((m) => m[0] !== '$$')
}

/** Parse a compose-style .env file: KEY=VALUE lines, # comments, optional quotes, `export ` prefix. */
export function parseEnvFile(path: string): Record<string, string> {
  // `mcp: nope.env: no such file` and the other input errors, worded as for every file mcp reads.
  const {text} = readTextDocument(path, {allowEmpty: true})
  const out: Record<string, string> = {}
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (!line || line.startsWith('#')) return
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line)
    if (!m) throw new InputError('expected KEY=VALUE', {where: `${path}:${i + 1}:1`})
    let value = m[2]!
    if (/^".*"$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, '\n').replace(/\\"/g, '"')
    else if (/^'.*'$/.test(value)) value = value.slice(1, -1)
    else value = value.replace(/\s+#.*$/, '')
    out[m[1]!] = value
  })
  return out
}
