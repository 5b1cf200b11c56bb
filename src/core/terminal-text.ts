/**
 * Text from outside (labels, container names, log lines, server error messages) shown to a person:
 * control characters become visible escapes, so nothing in a value can move the cursor, set the
 * window title (OSC), plant a hyperlink (OSC 8), clear the screen, or start a new output line (a
 * forged `::error` workflow command in a CI log). C0 and C1 controls, DEL, the Unicode line and
 * paragraph separators and the bidirectional overrides are shown as `\x1b`, `\n`, `\u202e`.
 * Human renderers call it on every value they did not write; JSON, SARIF and JUnit stay exact.
 */
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g
const HAS_CONTROL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/
const NAMED: Record<string, string> = {'\n': String.raw`\n`, '\r': String.raw`\r`, '\t': String.raw`\t`}

function visible(c: string): string {
  const named = NAMED[c]
  if (named) return named
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** One value made safe for a terminal line: every control character shown, never obeyed. */
export function terminalText(value: string): string {
  return HAS_CONTROL.test(value) ? value.replaceAll(CONTROL, visible) : value
}

/** terminalText that keeps line breaks as they are, for formats that escape them in their own way (GitHub annotations). */
export function terminalTextKeepingLineBreaks(value: string): string {
  return HAS_CONTROL.test(value) ? value.replaceAll(CONTROL, (c) => (c === '\n' || c === '\r' ? c : visible(c))) : value
}

/**
 * Plain data (objects, arrays) with every string in it passed through terminalText, keys included:
 * what a renderer shows of a whole view or list of findings it did not write. Copy on write: a part
 * with nothing to escape is the same object (a 5 MB view of clean names costs one walk, no copy).
 * Anything that is not a plain object or array (Dates, Maps, class instances) is kept as it is.
 */
export function terminalSafe<T>(value: T): T {
  if (typeof value === 'string') return terminalText(value) as T
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let out: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const next = terminalSafe(value[i])
      if (next !== value[i]) (out ??= [...value])[i] = next
    }

    return (out ?? value) as T
  }

  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  let out: Record<string, unknown> | undefined
  for (const k of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[k]
    const next = terminalSafe(item)
    const key = terminalText(k)
    if (next === item && key === k) continue
    out ??= {...(value as Record<string, unknown>)}
    if (key !== k) delete out[k]
    Object.defineProperty(out, key, {value: next, enumerable: true, writable: true, configurable: true})
  }

  return (out ?? value) as T
}
