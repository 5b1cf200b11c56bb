import {InputError} from './errors.js'
import {interpolate} from './interpolate.js'

export interface DotenvEntry {
  value: string
  /** 1-based line where the key was written. */
  line: number
}

// Go's unicode.IsSpace, and compose-go's isSpace (white space that is not a line break).
const GO_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/
const INLINE_SPACE = new Set(['\t', '\v', '\f', '\r', ' ', '\u0085', '\u00A0'])
const KEY_CHAR = /[\p{L}\p{N}_.\-[\]]/u
const ESCAPE_SEQ = /\\(?:[abcfnrtv$"\\]|0\d{0,3})/g
const ESCAPES: Record<string, string> = {
  a: '\u0007',
  b: '\b',
  c: String.raw`\c`,
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
}

/**
 * Parse a dotenv file by compose-go's rules (its dotenv package): `export ` prefix, `KEY=value` or
 * `KEY: value`, a bare `KEY` line takes the value from `lookup` (or is left out); unquoted values end at
 * the line, an inline comment starts at ` #`; single quotes are literal (only \' is an escape); double
 * quotes take \n \t \\ \" \$ and octal escapes and may span lines; `${VAR}` expands in unquoted and
 * double-quoted values, `lookup` first, then the keys above it. Throws an InputError at `where:line`.
 */
export function parseDotenv(
  text: string,
  where: string,
  lookup: Record<string, string | undefined> = {},
): Map<string, DotenvEntry> {
  const out = new Map<string, DotenvEntry>()
  let line = 1
  let i = 0
  const fail = (message: string, at = line) =>
    new InputError(message, {
      where: `${where}:${at}:1`,
      hint: "write KEY=value lines (see docker compose's .env syntax)",
    })
  const resolve = (value: string, at: number): string => {
    const vars: Record<string, string | undefined> = {}
    for (const [k, e] of out) vars[k] = e.value
    Object.assign(vars, definedOnly(lookup))
    // compose-go substitutes an empty string for a variable that is not set.
    const r = interpolate(value, vars, {unsetAsEmpty: true})
    if (r.errors.length > 0) throw fail(r.errors[0]!, at)
    return r.value
  }

  while (i < text.length) {
    // Statement start: skip white space (counting lines) and comment lines.
    while (i < text.length && GO_SPACE.test(text[i]!)) {
      if (text[i] === '\n') line++
      i++
    }

    if (i >= text.length) break
    if (text[i] === '#') {
      const nl = text.indexOf('\n', i)
      i = nl === -1 ? text.length : nl
      continue
    }

    const keyLine = line
    if (/^export[\s]/.test(text.slice(i, i + 7))) {
      i += 6
      while (i < text.length && INLINE_SPACE.has(text[i]!)) i++
    }

    // The key ends at '=', ':' or a line break (a bare name); spaces inside it are refused below.
    let end = i
    let terminator = ''
    for (; end < text.length; end++) {
      const c = text[end]!
      if (INLINE_SPACE.has(c)) continue
      if (c === '=' || c === ':' || c === '\n') {
        terminator = c
        break
      }

      if (!KEY_CHAR.test(c)) {
        const shown = text.slice(i, text.includes('\n', i) ? text.indexOf('\n', i) : text.length)
        throw fail(`unexpected character ${JSON.stringify(c)} in variable name ${JSON.stringify(shown)}`)
      }
    }

    const key = trimSpaceEnd(text.slice(i, end))
    if (key.includes(' ')) throw fail('key cannot contain a space')
    if (terminator === '' || terminator === '\n') {
      // A bare name: the value comes from the environment, or the key is left out.
      if (lookup[key] !== undefined) out.set(key, {value: lookup[key]!, line: keyLine})
      if (terminator === '\n') line++
      i = end + 1
      continue
    }

    i = end + 1
    while (i < text.length && INLINE_SPACE.has(text[i]!)) i++
    const quote = text[i]
    if (quote !== '"' && quote !== "'") {
      const nl = text.indexOf('\n', i)
      let value = text.slice(i, nl === -1 ? text.length : nl)
      const comment = value.indexOf(' #')
      if (comment !== -1) value = value.slice(0, comment)
      value = trimSpaceEnd(value)
      out.set(key, {value: resolve(value, keyLine), line: keyLine})
      i = nl === -1 ? text.length : nl
      continue
    }

    let chars = ''
    let escaped = false
    let closed = -1
    for (let j = i + 1; j < text.length; j++) {
      const c = text[j]!
      if (c === '\n') line++
      if (escaped) {
        escaped = false
        // An escaped quote drops its backslash; any other escaped character keeps it.
        if (c !== quote) chars += '\\'
        chars += c
      } else if (c === '\\') escaped = true
      else if (c === quote) {
        closed = j
        break
      } else chars += c
    }

    if (closed < 0) {
      const nl = text.indexOf('\n', i)
      throw fail(`unterminated quoted value ${text.slice(i, nl === -1 ? text.length : nl)}`, keyLine)
    }

    const value = quote === '"' ? resolve(expandEscapes(chars), keyLine) : chars
    out.set(key, {value, line: keyLine})
    i = closed + 1
  }

  return out
}

function expandEscapes(text: string): string {
  return text.replaceAll(ESCAPE_SEQ, (match) => {
    // `\$` is a literal $: the template's own escape is `$$`.
    if (match === String.raw`\$`) return '$$'
    if (match.startsWith(String.raw`\0`)) {
      const digits = match.slice(2)
      // Go's octal escape needs exactly three digits; anything else is kept as written.
      return digits.length === 3 && /^[0-7]{3}$/.test(digits) && Number.parseInt(digits, 8) < 256
        ? String.fromCharCode(Number.parseInt(digits, 8))
        : match
    }

    return ESCAPES[match[1]!] ?? match
  })
}

function definedOnly(vars: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in vars) if (vars[k] !== undefined) out[k] = vars[k]!
  return out
}

/**
 * Go's strings.TrimRightFunc(s, unicode.IsSpace), as compose-go trims. A loop, not /\s+$/: that
 * pattern retries from every blank of a long run that does not end the text (quadratic in V8).
 */
function trimSpaceEnd(s: string): string {
  let end = s.length
  while (end > 0 && /[\s\u0085]/.test(s[end - 1]!)) end--
  return end === s.length ? s : s.slice(0, end)
}
