/**
 * A fast reader for the plain subset of YAML that gateway configs are written in: block mappings and
 * sequences, one-line plain and quoted scalars, one-line flow collections, comments. It returns the
 * document's value, or undefined as soon as it meets anything else (anchors, tags, block scalars,
 * multi-line scalars, duplicate keys, odd numbers...), and the caller falls back to the `yaml` package.
 *
 * Why: `yaml` builds a full CST, many times slower on a 5,000-route file (docs/performance.md, backed
 * by bench/lint-config.sh). It never has to be right about hard YAML, only to refuse it. Only space and tab are white space (YAML's
 * own rule: no String.prototype.trim), a character YAML treats specially anywhere (control characters,
 * U+0085/U+2028/U+2029 line breaks, a BOM, lone surrogates) sends the whole document to `yaml`, keys
 * longer than YAML's 1024-character limit too, and every step is linear in the line length.
 * test/unit/config/fast-yaml.test.ts checks it against `yaml` on generated documents.
 */

class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported()
}

interface Line {
  indent: number
  text: string
}

const PLAIN_KEY = /^[A-Za-z0-9_$/][\w$./-]*$/
// YAML's limit for an implicit key; the yaml package refuses longer ones.
const MAX_KEY = 1024
// Characters the fast path leaves to yaml: C0 controls but tab and LF, CR (a line break of its own unless
// before LF, checked per line), DEL, C1 (NEL included), the Unicode line separators, BOM, lone surrogates.
const NOT_OURS =
  /[\u0000-\u0008\u000B-\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Remove leading and trailing spaces and tabs (YAML's white space), and nothing else, in linear time. */
function trimBlanks(s: string): string {
  let start = 0
  let end = s.length
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

const INT = /^[-+]?[0-9]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/
const NULLS = new Set(['~', 'null', 'Null', 'NULL'])
const TRUES = new Set(['true', 'True', 'TRUE'])
const FALSES = new Set(['false', 'False', 'FALSE'])
// Starts YAML gives a meaning to (anchor, alias, tag, block scalar, directive, reserved, key, ...).
const SPECIAL_START = /^[&*!|>%@`?:,\]}#]/
// A one-line block value that is not a simple plain scalar: a special start, "- ", ": " or a tab.
const NOT_PLAIN = /^[&*!|>%@`?:,\]}#]|^-(?:[ \t]|$)|:(?:[ \t]|$)|\t/

/** A plain scalar's value under YAML 1.2's core schema (the `yaml` package's default). */
function plainValue(s: string): unknown {
  if (s === '' || NULLS.has(s)) return null
  if (TRUES.has(s)) return true
  if (FALSES.has(s)) return false
  // Only text starting with a digit, sign or dot can be a number.
  const c = s.charCodeAt(0)
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e)) return s
  if (INT.test(s)) return Number(s)
  if (FLOAT.test(s)) return Number(s)
  // Hex/octal ints and .inf/.nan are rare in configs: leave them to the real parser.
  if (/^[-+]?(?:0[ox]|\.(?:inf|Inf|INF|nan|NaN|NAN)$)/.test(s)) unsupported()
  return s
}

function doubleQuoted(s: string): string {
  // YAML's escapes that JSON shares mean the same; any other escape goes to the real parser.
  if (/\\[^"\\/bfnrtu]/.test(s)) unsupported()
  try {
    return JSON.parse(s) as string
  } catch {
    return unsupported()
  }
}

function singleQuoted(s: string): string {
  const inner = s.slice(1, -1)
  if (inner.replaceAll("''", '').includes("'")) unsupported()
  return inner.replaceAll("''", "'")
}

/** A whole one-line value: quoted, flow collection, or plain scalar. */
function inlineValue(s: string): unknown {
  const c = s[0]
  if (c === '"') {
    if (s.length < 2 || !s.endsWith('"')) unsupported()
    return doubleQuoted(s)
  }

  if (c === "'") {
    if (s.length < 2 || !s.endsWith("'")) unsupported()
    return singleQuoted(s)
  }

  if (c === '[' || c === '{') {
    const flow = new FlowReader(s)
    const value = flow.value()
    flow.end()
    return value
  }

  if (NOT_PLAIN.test(s)) unsupported()
  return plainValue(s)
}

/** One-line flow collections: [a, b], {k: v, l: [x]}. */
class FlowReader {
  private i = 0
  /** Flow collections open right now: deep nesting is left to the yaml package, which refuses it. */
  private depth = 0

  constructor(private readonly s: string) {}

  private ws() {
    while (this.s[this.i] === ' ') this.i++
  }

  end() {
    this.ws()
    if (this.i !== this.s.length) unsupported()
  }

  value(): unknown {
    this.ws()
    const c = this.s[this.i]
    if (c === '[' || c === '{') {
      if (++this.depth > 64) unsupported()
      const out = c === '[' ? this.seq() : this.map()
      this.depth--
      return out
    }

    if (c === '"' || c === "'") return this.quoted()
    return plainValue(this.plain())
  }

  private quoted(): string {
    const q = this.s[this.i]!
    let j = this.i + 1
    for (;;) {
      if (j >= this.s.length) unsupported()
      if (this.s[j] === '\\' && q === '"') {
        j += 2
        continue
      }

      if (this.s[j] === q) {
        if (q === "'" && this.s[j + 1] === "'") {
          j += 2
          continue
        }

        break
      }

      j++
    }

    const raw = this.s.slice(this.i, j + 1)
    this.i = j + 1
    return q === '"' ? doubleQuoted(raw) : singleQuoted(raw)
  }

  private plain(): string {
    const start = this.i
    for (; this.i < this.s.length; this.i++) {
      const c = this.s[this.i]!
      if (c === ',' || c === ']' || c === '}' || c === '[' || c === '{') break
      if (c === ':' && /[ \t,\]}]/.test(this.s[this.i + 1] ?? ' ')) break
    }

    const text = trimBlanks(this.s.slice(start, this.i))
    if (
      !text ||
      text.length > MAX_KEY ||
      SPECIAL_START.test(text) ||
      /^-([ \t]|$)/.test(text) ||
      text.includes('#') ||
      text.includes('"') ||
      text.includes("'")
    )
      unsupported()
    return text
  }

  private seq(): unknown[] {
    this.i++
    const out: unknown[] = []
    this.ws()
    if (this.s[this.i] === ']') {
      this.i++
      return out
    }

    for (;;) {
      out.push(this.value())
      this.ws()
      const c = this.s[this.i++]
      if (c === ']') return out
      if (c !== ',') unsupported()
      this.ws()
      if (this.s[this.i] === ']') unsupported() // trailing comma
    }
  }

  private map(): Record<string, unknown> {
    this.i++
    const out: Record<string, unknown> = {}
    this.ws()
    if (this.s[this.i] === '}') {
      this.i++
      return out
    }

    for (;;) {
      this.ws()
      const c = this.s[this.i]
      const key = c === '"' || c === "'" ? this.quoted() : this.plain()
      if (c !== '"' && c !== "'" && !PLAIN_KEY.test(key)) unsupported()
      checkKey(out, key, c === '"' || c === "'")
      this.ws()
      if (this.s[this.i] !== ':') unsupported()
      this.i++
      if (this.s[this.i] !== ' ') unsupported()
      out[key] = this.value()
      this.ws()
      const d = this.s[this.i++]
      if (d === '}') return out
      if (d !== ',') unsupported()
      this.ws()
      if (this.s[this.i] === '}') unsupported()
    }
  }
}

// Config keys repeat thousands of times (name, match, service...): decide each spelling once.
const stringKeys = new Map<string, boolean>()
const plainKeys = new Map<string, boolean>()

/** Keys must be strings YAML would also read as strings, and unique (the real parser reports duplicates). */
function checkKey(map: Record<string, unknown>, key: string, quoted: boolean) {
  if (key === '__proto__' || Object.hasOwn(map, key)) unsupported()
  if (quoted) return
  let ok = stringKeys.get(key)
  if (ok === undefined) stringKeys.set(key, (ok = typeof plainValue(key) === 'string'))
  if (!ok) unsupported()
}

function splitLines(text: string): Line[] {
  const lines: Line[] = []
  let first = true
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    let indent = 0
    while (line.charCodeAt(indent) === 0x20) indent++
    let content = line.slice(indent)
    if (content === '' || content.startsWith('#')) continue
    if (content.startsWith('\t') || content.startsWith('%') || content.startsWith('...')) unsupported()
    // A CR not ending the line is a line break of its own to YAML.
    if (content.includes('\r')) unsupported()
    if (content.startsWith('---') && (content.length === 3 || content[3] === ' ' || content[3] === '\t')) {
      // One document start marker before any content is fine; anything else is a multi-document file.
      if (!first || trimBlanks(content) !== '---' || indent !== 0) unsupported()
      first = false
      continue
    }

    first = false
    const hash = content.includes('#') ? content.search(/(^|[ \t])#/) : -1
    if (hash >= 0) {
      // A quote before a comment could hide a '#' inside a string: let the real parser decide.
      if (/["']/.test(content)) unsupported()
      content = content.slice(0, hash)
    }

    // A loop, not /[ \t]+$/: that regex is quadratic on a long run of blanks inside a line.
    content = trimBlanks(content)
    if (content === '') continue
    lines.push({indent, text: content})
  }

  return lines
}

const isSeqEntry = (text: string) => text === '-' || text.startsWith('- ')

/** `key: rest` → [key, rest]; undefined when the text is not a mapping entry. */
function mapEntry(text: string): [string, string] | undefined {
  const c = text[0]
  if (c === '"' || c === "'") {
    const close = text.indexOf(c, 1)
    if (close === -1 || text[close + 1] !== ':' || !(text.length === close + 2 || text[close + 2] === ' '))
      return undefined
    const rawKey = text.slice(0, close + 1)
    if (c === '"' && rawKey.includes('\\')) unsupported()
    if (c === "'" && text[close + 1] === "'") unsupported()
    if (rawKey.length > MAX_KEY) unsupported()
    return [c === '"' ? doubleQuoted(rawKey) : singleQuoted(rawKey), trimBlanks(text.slice(close + 2))]
  }

  // The key ends at the first ':' followed by a space or the end of the line.
  let colon = text.indexOf(':')
  while (colon !== -1 && colon + 1 < text.length && text.charCodeAt(colon + 1) !== 0x20)
    colon = text.indexOf(':', colon + 1)
  if (colon <= 0) return undefined
  const key = text.slice(0, colon)
  if (key.length > MAX_KEY) unsupported()
  let ok = plainKeys.get(key)
  if (ok === undefined) plainKeys.set(key, (ok = PLAIN_KEY.test(key)))
  if (!ok) unsupported()
  return [key, trimBlanks(text.slice(colon + 1))]
}

class BlockReader {
  i = 0
  /** Blocks open right now: deep nesting is left to the yaml package, which refuses it. */
  private depth = 0

  constructor(private readonly lines: Line[]) {}

  block(indent: number): unknown {
    const line = this.lines[this.i]!
    if (line.indent !== indent || ++this.depth > 64) unsupported()
    const out = isSeqEntry(line.text) ? this.seq(indent) : this.map(indent)
    this.depth--
    return out
  }

  /** The value after `key:` or `-` with nothing on the line: a nested block, or null. */
  private nested(parentIndent: number, allowSameIndentSeq: boolean): unknown {
    const next = this.lines[this.i]
    if (!next) return null
    if (next.indent > parentIndent) return this.block(next.indent)
    if (allowSameIndentSeq && next.indent === parentIndent && isSeqEntry(next.text)) return this.seq(parentIndent)
    return null
  }

  /** After a one-line value, a deeper line would be a multi-line scalar: not ours. */
  private noContinuation(indent: number) {
    const next = this.lines[this.i]
    if (next && next.indent > indent) unsupported()
  }

  private map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!
      if (line.indent < indent) break
      if (line.indent > indent || isSeqEntry(line.text)) unsupported()
      const entry = mapEntry(line.text) ?? unsupported()
      const [key, rest] = entry
      checkKey(out, key, line.text[0] === '"' || line.text[0] === "'")
      this.i++
      if (rest === '') {
        out[key] = this.nested(indent, true)
      } else {
        out[key] = inlineValue(rest)
        this.noContinuation(indent)
      }
    }

    return out
  }

  private seq(indent: number): unknown[] {
    const out: unknown[] = []
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!
      if (line.indent < indent) break
      if (line.indent > indent) unsupported()
      if (!isSeqEntry(line.text)) break
      if (line.text === '-') {
        this.i++
        out.push(this.nested(indent, false))
        continue
      }

      // `- key: v` or `- - x`: the item is a block starting at the column after "- ".
      let offset = 1
      while (line.text[offset] === ' ') offset++
      const rest = line.text.slice(offset)
      if (isSeqEntry(rest) || (rest[0] !== '[' && rest[0] !== '{' && mapEntry(rest))) {
        this.lines[this.i] = {indent: indent + offset, text: rest}
        out.push(this.block(indent + offset))
      } else {
        this.i++
        out.push(inlineValue(rest))
        this.noContinuation(indent)
      }
    }

    return out
  }
}

/** The value of a YAML document in the plain subset, or undefined: then use the `yaml` package. */
export function readPlainYaml(text: string): unknown {
  try {
    if (NOT_OURS.test(text)) return undefined
    const lines = splitLines(text)
    if (lines.length === 0) return undefined
    const reader = new BlockReader(lines)
    const value = reader.block(lines[0]!.indent)
    if (reader.i !== lines.length) return undefined
    return value
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    throw error
  }
}
