/**
 * Text from outside (labels, container names, log lines, server error messages) shown to a person:
 * control characters become visible escapes, so nothing in a value can move the cursor, set the
 * window title (OSC), plant a hyperlink (OSC 8), clear the screen, or start a new output line (a
 * forged `::error` workflow command in a CI log). C0 and C1 controls, DEL, the Unicode line and
 * paragraph separators and the bidirectional overrides are shown as `\x1b`, `\n`, `\u202e`.
 * Human renderers call it on every value they did not write; JSON, SARIF and JUnit stay exact.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const NAMED: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'}

function visible(c: string): string {
  const named = NAMED[c]
  if (named) return named
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** One value made safe for a terminal line: every control character shown, never obeyed. */
export function terminalText(value: string): string {
  return HAS_CONTROL.test(value) ? value.replace(CONTROL, visible) : value
}

/** terminalText that keeps line breaks as they are, for formats that escape them in their own way (GitHub annotations). */
export function terminalTextKeepingLineBreaks(value: string): string {
  return HAS_CONTROL.test(value) ? value.replace(CONTROL, (c) => (c === '\n' || c === '\r' ? c : visible(c))) : value
}

/**
 * A copy of plain data (objects, arrays) with every string in it passed through terminalText, keys
 * included: what a renderer shows of a whole view or list of findings it did not write.
 * Anything that is not a plain object or array (Dates, Maps, class instances) is kept as it is.
 */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return terminalText(value) as T
  if (Array.isArray(value)) return value.map((v) => terminalSafe(v)) as T
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) return value
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, terminalText(k), {value: terminalSafe(v), enumerable: true, writable: true, configurable: true})
    return out as T
  }
  return value
}
