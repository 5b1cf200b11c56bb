import {InputError} from '../../core/errors.js'
import type {FileLocation} from '../../report/finding.js'
import type {LabelEntry, LabelSet, PortDeclaration} from '../types.js'

/** A character's 1-based line and column in the Dockerfile. */
interface Pos {
  line: number
  column: number
}

/** One instruction with continuations joined; pos[i] is where text[i] was written. */
export interface DockerInstruction {
  keyword: string
  /** The arguments after the keyword, continuations removed. */
  args: string
  pos: Pos[]
  line: number
}

/** A word of an instruction's arguments (quotes and escapes still in it) and where it starts in args. */
interface RawWord {
  text: string
  start: number
}

/** A word after quote removal and escape processing; `vars` are the variables it expands. */
export interface ShellWord {
  value: string
  vars: string[]
}

/** One LABEL key=value pair, with offsets into the instruction's args. */
export interface LabelPair {
  key: ShellWord
  value: ShellWord
  keyStart: number
  valueStart: number
  /** Legacy `LABEL key value` form (one pair, the rest of the line is the value). */
  legacy: boolean
}

// BuildKit's directive pattern, /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/, backtracks quadratically in
// V8 (`# syntax=x` + 60,000 spaces + `y` took 15 s; Go's RE2 does not backtrack): the same match in linear
// time, the value's surrounding whitespace trimmed in code.
const DIRECTIVE_RE = {
  exec(line: string): [string, string, string] | null {
    const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=([\s\S]*)$/.exec(line)
    if (!m) return null
    // All whitespace: (.+?) took the last character that is not a line terminator.
    const value = m[2]!.trim() || m[2]!.replace(/[\n\r\u2028\u2029]/g, '').slice(-1)
    return value && !/[\n\r\u2028\u2029]/.test(value) ? [m[0], m[1]!, value] : null
  },
}
const HEREDOC_RE = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g

/**
 * Split a Dockerfile into instructions the way BuildKit does: parser directives (`# escape=`` ` ``),
 * comments, line continuations (with comment and blank lines inside them), heredoc bodies skipped.
 */
export function splitInstructions(text: string): DockerInstruction[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''))
  let escape = '\\'
  let i = 0
  // Parser directives are only recognised before anything else.
  for (; i < lines.length; i++) {
    const m = DIRECTIVE_RE.exec(lines[i]!)
    if (!m) break
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2]
  }
  i = 0
  const continuation = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`)
  const out: DockerInstruction[] = []
  while (i < lines.length) {
    const first = lines[i]!
    if (first.trim() === '' || first.trimStart().startsWith('#')) {
      i++
      continue
    }
    let text = ''
    const pos: Pos[] = []
    const startLine = i + 1
    let more = true
    let isFirst = true
    while (more && i < lines.length) {
      const line = lines[i]!
      const lineNo = i + 1
      i++
      if (!isFirst && (line.trimStart().startsWith('#') || line.trim() === '')) continue
      isFirst = false
      const m = continuation.exec(line)
      const content = m ? line.slice(0, m.index) : line
      for (let c = 0; c < content.length; c++) {
        text += content[c]
        pos.push({line: lineNo, column: c + 1})
      }
      more = Boolean(m)
    }
    const lead = /^\s*/.exec(text)![0].length
    const kw = /^\S+/.exec(text.slice(lead))?.[0] ?? ''
    let argStart = lead + kw.length
    while (argStart < text.length && /\s/.test(text[argStart]!)) argStart++
    out.push({keyword: kw.toUpperCase(), args: text.slice(argStart), pos: pos.slice(argStart), line: startLine})
    // Heredoc bodies (RUN <<EOF ... EOF) are data, not instructions.
    const heredocs = ['RUN', 'COPY', 'ADD'].includes(kw.toUpperCase()) ? [...text.matchAll(HEREDOC_RE)] : []
    for (const h of heredocs) {
      const terminator = h[3]!
      const strip = h[1] === '-'
      while (i < lines.length) {
        const body = lines[i++]!
        if ((strip ? body.replace(/^\t+/, '') : body) === terminator) break
      }
    }
  }
  return out
}

/** Split arguments into words on unquoted whitespace, keeping quotes and escapes (BuildKit's parseWords). */
export function splitWords(args: string, escape = '\\'): RawWord[] {
  return scanWords(args, escape).words
}

/** splitWords, and the quote the arguments end inside of ('' when balanced). */
function scanWords(args: string, escape: string): {words: RawWord[]; openQuote: string} {
  const words: RawWord[] = []
  let start = -1
  let quote = ''
  for (let i = 0; i < args.length; i++) {
    const ch = args[i]!
    if (start < 0) {
      if (/\s/.test(ch)) continue
      start = i
    }
    if (ch === escape && quote !== "'" && i + 1 < args.length) {
      i++
      continue
    }
    if (quote) {
      if (ch === quote) quote = ''
      continue
    }
    if (ch === '"' || ch === "'") {
      quote = ch
      continue
    }
    if (/\s/.test(ch)) {
      words.push({text: args.slice(start, i), start})
      start = -1
    }
  }
  if (start >= 0) words.push({text: args.slice(start), start})
  return {words, openQuote: quote}
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*/

/**
 * Remove quotes and escapes the way the Dockerfile shell lexer does, keeping variable references as
 * written (their value is known only at build time) and listing their names.
 */
export function unquote(word: string, escape = '\\'): ShellWord {
  let value = ''
  const vars: string[] = []
  const variable = (i: number): number => {
    // word[i] === '$'
    if (word[i + 1] === '{') {
      const close = word.indexOf('}', i + 2)
      const end = close < 0 ? word.length : close + 1
      const name = VAR_NAME.exec(word.slice(i + 2))?.[0]
      if (name) vars.push(name)
      value += word.slice(i, end)
      return end
    }
    const name = VAR_NAME.exec(word.slice(i + 1))?.[0]
    if (name) {
      vars.push(name)
      value += '$' + name
      return i + 1 + name.length
    }
    value += '$'
    return i + 1
  }
  let i = 0
  while (i < word.length) {
    const ch = word[i]!
    if (ch === "'") {
      const close = word.indexOf("'", i + 1)
      const end = close < 0 ? word.length : close
      value += word.slice(i + 1, end)
      i = end + 1
    } else if (ch === '"') {
      i++
      while (i < word.length && word[i] !== '"') {
        const c = word[i]!
        if (c === escape && i + 1 < word.length && ['"', escape, '$'].includes(word[i + 1]!)) {
          value += word[i + 1]
          i += 2
        } else if (c === '$') {
          i = variable(i)
        } else {
          value += c
          i++
        }
      }
      i++
    } else if (ch === escape && i + 1 < word.length) {
      value += word[i + 1]
      i += 2
    } else if (ch === '$') {
      i = variable(i)
    } else {
      value += ch
      i++
    }
  }
  return {value, vars}
}

/** Index of the first `=` outside quotes and escapes, or -1. */
function unquotedEquals(word: string, escape: string): number {
  let quote = ''
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!
    if (ch === escape && quote !== "'") {
      i++
      continue
    }
    if (quote) {
      if (ch === quote) quote = ''
    } else if (ch === '"' || ch === "'") quote = ch
    else if (ch === '=') return i
  }
  return -1
}

/**
 * The pairs of one LABEL instruction: `LABEL a=b "c d"="e f" g=h`, or the legacy `LABEL key value`.
 * Throws an Error naming the offending word for `LABEL a=b c` (docker build refuses it too).
 */
export function parseLabelArgs(args: string, escape = '\\'): LabelPair[] {
  const {words, openQuote} = scanWords(args, escape)
  if (words.length === 0) throw new Error('LABEL needs at least one key=value pair')
  // docker build refuses it: "unexpected end of statement while looking for matching double-quote".
  if (openQuote) throw new Error(`ends inside a ${openQuote === '"' ? 'double' : 'single'}-quoted value: the closing ${openQuote} is missing`)
  if (unquotedEquals(words[0]!.text, escape) < 0) {
    // Legacy form: the first word is the key, everything after it the value.
    const keyWord = words[0]!
    const rest = words[1]
    return [
      {
        key: unquote(keyWord.text, escape),
        value: rest ? unquote(args.slice(rest.start).trimEnd(), escape) : {value: '', vars: []},
        keyStart: keyWord.start,
        valueStart: rest ? rest.start : keyWord.start + keyWord.text.length,
        legacy: true,
      },
    ]
  }
  return words.map((w) => {
    const eq = unquotedEquals(w.text, escape)
    if (eq < 0) throw Object.assign(new Error(`"${w.text}" is not key=value (a LABEL with several pairs needs = in each)`), {offset: w.start})
    if (eq === 0) throw Object.assign(new Error(`"${w.text}" has an empty key`), {offset: w.start})
    return {
      key: unquote(w.text.slice(0, eq), escape),
      value: unquote(w.text.slice(eq + 1), escape),
      keyStart: w.start,
      valueStart: w.start + eq + 1,
      legacy: false,
    }
  })
}

interface Stage {
  name?: string
  base: string
  labels: LabelEntry[]
  ports: PortDeclaration[]
  portsDynamic: boolean
  /** ENV names (inherited by stages built FROM this one). */
  env: Set<string>
}

/** EXPOSE's `80`, `80/tcp`, `8000-8010/udp`; undefined for a variable. */
export function parseExposeWord(word: string): PortDeclaration | undefined | 'dynamic' {
  if (word.includes('$')) return 'dynamic'
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word)
  if (!m) return undefined
  const port = Number(m[1])
  return m[2] ? {port, endPort: Number(m[2]), via: 'EXPOSE'} : {port, via: 'EXPOSE'}
}

function escapeOf(text: string): string {
  for (const line of text.split('\n')) {
    const m = DIRECTIVE_RE.exec(line.replace(/\r$/, ''))
    if (!m) break
    if (m[1]!.toLowerCase() === 'escape') return m[2] === '`' ? '`' : '\\'
  }
  return '\\'
}

/**
 * The image a Dockerfile builds, as the labels rules see it: the final stage's LABELs and EXPOSEs,
 * with those of earlier stages it is built FROM. Values that use a variable are unknown (a build arg
 * can change them); a variable declared by no ARG/ENV is reported as unresolved.
 */
export function parseDockerfile(path: string, text: string): LabelSet {
  const escape = escapeOf(text)
  const stages: Stage[] = []
  let current: Stage | undefined
  let declared = new Set<string>()
  // A LABEL before any FROM (docker build refuses it) is still checked, as a stage of its own.
  const stageFor = (): Stage => {
    if (!current) stages.push((current = {base: '', labels: [], ports: [], portsDynamic: false, env: new Set()}))
    return current
  }
  const where = (ins: DockerInstruction, offset: number): FileLocation => {
    const p = ins.pos[Math.min(offset, ins.pos.length - 1)] ?? {line: ins.line, column: 1}
    return {kind: 'file', file: path, line: p.line, column: p.column}
  }
  for (const ins of splitInstructions(text)) {
    switch (ins.keyword) {
      case 'FROM': {
        const words = splitWords(ins.args, escape).map((w) => w.text).filter((w) => !w.startsWith('--'))
        const base = words[0] ?? ''
        const name = words[1]?.toLowerCase() === 'as' ? words[2]?.toLowerCase() : undefined
        const parent = stages.find((s) => s.name !== undefined && s.name === base.toLowerCase())
        current = {
          name,
          base,
          labels: parent ? [...parent.labels] : [],
          ports: parent ? [...parent.ports] : [],
          portsDynamic: parent?.portsDynamic ?? false,
          env: new Set(parent?.env),
        }
        stages.push(current)
        declared = new Set(current.env)
        break
      }
      case 'ARG':
      case 'ENV': {
        for (const w of splitWords(ins.args, escape)) {
          const name = VAR_NAME.exec(w.text)?.[0]
          if (name) {
            declared.add(name)
            if (ins.keyword === 'ENV') current?.env.add(name)
          }
          if (ins.keyword === 'ENV' && !w.text.includes('=')) break // legacy `ENV key value`
        }
        break
      }
      case 'LABEL': {
        let pairs: LabelPair[]
        try {
          pairs = parseLabelArgs(ins.args, escape)
        } catch (error) {
          const offset = (error as {offset?: number}).offset ?? 0
          const loc = where(ins, offset)
          throw new InputError(`LABEL: ${(error as Error).message}`, {where: `${path}:${loc.line}:${loc.column}`, hint: 'write LABEL key=value [key=value ...]'})
        }
        const stage = stageFor()
        for (const p of pairs) {
          const vars = p.value.vars
          stage.labels.push({
            key: p.key.value,
            value: p.value.value,
            scope: 'dockerfile',
            form: 'dockerfile',
            keyLocation: where(ins, p.keyStart),
            valueLocation: where(ins, p.valueStart),
            unresolved: vars.filter((v) => !declared.has(v)),
            unknownValue: vars.length > 0,
          })
        }
        break
      }
      case 'EXPOSE': {
        const stage = stageFor()
        for (const w of splitWords(ins.args, escape)) {
          const port = parseExposeWord(unquote(w.text, escape).value)
          if (port === 'dynamic') stage.portsDynamic = true
          else if (port) stage.ports.push(port)
        }
        break
      }
      default:
        break
    }
  }
  const final = stages.at(-1)
  return {
    kind: 'dockerfile',
    name: path,
    displayName: `the image of ${path}`,
    location: {kind: 'file', file: path, line: 1, column: 1},
    labels: final?.labels ?? [],
    ports: final?.ports ?? [],
    portsDynamic: final?.portsDynamic ?? false,
  }
}
