import type {FileLocation} from '../../report/findings/finding.js'
import type {LabelEntry, LabelSet, PortDeclaration} from '../types.js'

import {InputError} from '../../core/errors.js'
import {clip} from '../../core/interpolate.js'

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
  /** The key and value as written (quotes and variables in them). */
  keyText: string
  valueText: string
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
    const value = m[2]!.trim() || m[2]!.replaceAll(/[\n\r\u2028\u2029]/g, '').slice(-1)
    return value && !/[\n\r\u2028\u2029]/.test(value) ? [m[0], m[1]!, value] : null
  },
}
// BuildKit's reHeredoc, matched against each word of the line as written (quotes kept).
const HEREDOC_WORD_RE = /^(\d*)<<(-?)([^<]*)$/

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
    const heredocs =
      ['ADD', 'COPY', 'RUN'].includes(kw.toUpperCase()) && text.includes('<<') ? heredocsOf(text, escape) : []
    for (const h of heredocs) {
      const terminator = h.name
      const strip = h.chomp
      while (i < lines.length) {
        const body = lines[i++]!
        if ((strip ? body.replace(/^\t+/, '') : body) === terminator) break
      }
    }
  }

  return out
}

/**
 * The heredocs an instruction line opens, as BuildKit finds them: a whole word `<<NAME`, `<<-NAME`,
 * `<<"NAME"` (quotes kept while splitting, so `echo "cat <<EOF"` opens none).
 */
function heredocsOf(line: string, escape: string): {name: string; chomp: boolean}[] {
  const out: {name: string; chomp: boolean}[] = []
  for (const word of splitWords(line, escape)) {
    const m = HEREDOC_WORD_RE.exec(word.text)
    if (!m || m[3] === '') continue
    const inner = splitWords(m[3]!, escape)
    if (inner.length !== 1) continue
    out.push({name: unquote(inner[0]!.text, escape).value, chomp: m[2] === '-'})
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
 * What a build knows of a variable at a point of the Dockerfile: an ENV (or a variable it expands)
 * with a fixed value, or an ARG, whose value a --build-arg can change. Absent: not set at all.
 */
export type DockerVar = {value: string} | 'arg'
export type DockerEnv = Map<string, DockerVar>

/** A word after quote removal and escape processing, with its variables expanded where the build fixes them. */
export interface ExpandedWord extends ShellWord {
  /** Variables referenced that are not set and have no default (the value builds empty there). */
  unresolved: string[]
  /** The value depends on an ARG (a build arg can change it): known only at build time. */
  unknown: boolean
  /** Why BuildKit refuses the word (an unterminated quote, `${V:?msg}` with V unset). */
  error?: string
}

/**
 * Remove quotes and escapes the way BuildKit's shell lexer does (ProcessWord). Without `env`, variable
 * references are kept as written and listed; with it, `$V`, `${V}`, `${V:-d}`, `${V-d}`, `${V:+a}`,
 * `${V+a}`, `${V:?m}`, `${V?m}` expand as the build would (defaults nested), a reference to an ARG
 * stays as written and makes the word unknown.
 */
export function unquote(word: string, escape = '\\'): ShellWord {
  const {value, vars} = expandWord(word, escape)
  return {value, vars}
}

export function expandWord(word: string, escape = '\\', env?: DockerEnv, depth = 0): ExpandedWord {
  // Each nesting level rescans its text: the bound keeps a hostile line linear.
  if (depth > 32)
    return {value: word, vars: [], unresolved: [], unknown: true, error: 'variables nested more than 32 levels deep'}
  let value = ''
  const vars: string[] = []
  const unresolved: string[] = []
  let unknown = false
  let error: string | undefined
  const lookup = (name: string): DockerVar | undefined => env?.get(name)
  const variable = (i: number): number => {
    // word[i] === '$'
    if (word[i + 1] === '{') {
      const close = closingBrace(word, i + 2, escape)
      const end = close < 0 ? word.length : close + 1
      const inner = word.slice(i + 2, close < 0 ? word.length : close)
      const name = VAR_NAME.exec(inner)?.[0]
      if (!name) {
        value += word.slice(i, end)
        if (env) error ??= `bad substitution: ${clip(word.slice(i, end))}`
        return end
      }

      vars.push(name)
      if (!env) {
        value += word.slice(i, end)
        return end
      }

      const rest = inner.slice(name.length)
      const op = /^(:?[-+?])/.exec(rest)?.[1] ?? (rest === '' ? '' : undefined)
      const v = lookup(name)
      if (op === undefined || v === 'arg') {
        // A pattern form (${V#p}, ${V%p}, ${V/p/r}) or an ARG: known only when the image is built.
        unknown = true
        value += word.slice(i, end)
        return end
      }

      const set = v !== undefined
      const nonEmpty = set && v.value !== ''
      const arg = () => {
        const r = expandWord(rest.slice(op.length), escape, env, depth + 1)
        vars.push(...r.vars)
        unresolved.push(...r.unresolved)
        unknown ||= r.unknown
        error ??= r.error
        return r.value
      }

      switch (op) {
        case '': {
          if (set) value += v.value
          else {
            unresolved.push(name)
            unknown = true
            value += word.slice(i, end)
          }

          break
        }

        case ':-': {
          value += nonEmpty ? v.value : arg()
          break
        }

        case '-': {
          value += set ? v.value : arg()
          break
        }

        case ':+': {
          value += nonEmpty ? arg() : ''
          break
        }

        case '+': {
          value += set ? arg() : ''
          break
        }

        default: {
          if ((op === ':?' && nonEmpty) || (op === '?' && set)) {
            value += v!.value
            break
          }

          const message = arg()
          error ??= `${name}: ${message || (op === ':?' ? 'is not allowed to be empty' : 'is not allowed to be unset')}`
        }
      }

      return end
    }

    const name = VAR_NAME.exec(word.slice(i + 1))?.[0]
    if (name) {
      vars.push(name)
      const v = lookup(name)
      if (env && v !== undefined && v !== 'arg') value += v.value
      else {
        if (env && v === undefined) unresolved.push(name)
        if (env) unknown = true
        value += '$' + name
      }

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
      if (close === -1) error ??= 'unexpected end of statement while looking for matching single-quote'
      const end = close === -1 ? word.length : close
      value += word.slice(i + 1, end)
      i = end + 1
    } else if (ch === '"') {
      i++
      while (i < word.length && word[i] !== '"') {
        const c = word[i]!
        if (c === escape && i + 1 < word.length && ['"', '$', escape].includes(word[i + 1]!)) {
          value += word[i + 1]
          i += 2
        } else if (c === '$') {
          i = variable(i)
        } else {
          value += c
          i++
        }
      }

      if (i >= word.length) error ??= 'unexpected end of statement while looking for matching double-quote'
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

  return {value, vars, unresolved, unknown, ...(error ? {error} : {})}
}

/** The `}` closing a `${` whose name starts at `from`, nested `${…}` and escapes skipped; -1 when none. */
function closingBrace(word: string, from: number, escape: string): number {
  let depth = 1
  for (let i = from; i < word.length; i++) {
    const c = word[i]!
    if (c === escape) i++
    else if (c === '$' && word[i + 1] === '{') {
      depth++
      i++
    } else if (c === '}' && --depth === 0) return i
  }

  return -1
}

/**
 * The pairs of one LABEL instruction as BuildKit's parser splits them (parseNameVal): `LABEL a=b "c d"="e f"`
 * (each word cut at its first `=`, quoted or not), or the legacy `LABEL key value` when the first word
 * has no `=`. Throws an Error with BuildKit's reason for what it refuses: `LABEL a=b c`, `LABEL key`
 * with no value, a key or value whose quote is not closed (`LABEL "a=1"=2` cuts inside the quotes).
 */
export function parseLabelArgs(args: string, escape = '\\'): LabelPair[] {
  const {words, openQuote} = scanWords(args, escape)
  if (words.length === 0) throw new Error('LABEL needs at least one key=value pair')
  // docker build refuses it: "unexpected end of statement while looking for matching double-quote".
  if (openQuote)
    throw new Error(
      `ends inside a ${openQuote === '"' ? 'double' : 'single'}-quoted value: the closing ${openQuote} is missing`,
    )
  const checked = (text: string, offset: number, what: string): ShellWord => {
    const r = expandWord(text, escape)
    if (r.error?.startsWith('unexpected end')) {
      throw Object.assign(
        new Error(
          `${r.error} in the ${what} ${clip(text)} (BuildKit cuts each word at its first =, inside quotes too)`,
        ),
        {offset},
      )
    }

    return {value: r.value, vars: r.vars}
  }

  if (!words[0]!.text.includes('=')) {
    // Legacy form: the first word is the key, everything after it the value.
    const keyWord = words[0]!
    const rest = words[1]
    if (!rest)
      throw Object.assign(new Error('LABEL must have two arguments (BuildKit refuses a key without a value)'), {
        offset: keyWord.start,
      })
    const valueText = args.slice(rest.start).trimEnd()
    return [
      {
        key: checked(keyWord.text, keyWord.start, 'key'),
        value: checked(valueText, rest.start, 'value'),
        keyText: keyWord.text,
        valueText,
        keyStart: keyWord.start,
        valueStart: rest.start,
        legacy: true,
      },
    ]
  }

  return words.map((w) => {
    const eq = w.text.indexOf('=')
    if (eq === -1)
      throw Object.assign(new Error(`"${w.text}" is not key=value (a LABEL with several pairs needs = in each)`), {
        offset: w.start,
      })
    if (eq === 0) throw Object.assign(new Error(`"${w.text}" has an empty key`), {offset: w.start})
    const keyText = w.text.slice(0, eq)
    const valueText = w.text.slice(eq + 1)
    return {
      key: checked(keyText, w.start, 'key'),
      value: checked(valueText, w.start + eq + 1, 'value'),
      keyText,
      valueText,
      keyStart: w.start,
      valueStart: w.start + eq + 1,
      legacy: false,
    }
  })
}

interface Stage {
  name?: string
  base: string
  /** The image's labels so far, by key: a later LABEL of a key replaces the earlier one. */
  labels: Map<string, LabelEntry>
  ports: PortDeclaration[]
  portsDynamic: boolean
  /** ENV values (inherited by stages built FROM this one). */
  env: DockerEnv
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
  // What a LABEL can expand: the stage's ENVs (inherited), and its ARGs.
  let scope: DockerEnv = new Map()
  // A LABEL before any FROM (docker build refuses it) is still checked, as a stage of its own.
  const stageFor = (): Stage => {
    if (!current) stages.push((current = {base: '', labels: new Map(), ports: [], portsDynamic: false, env: new Map()}))
    return current
  }

  const where = (ins: DockerInstruction, offset: number): FileLocation => {
    const p = ins.pos[Math.min(offset, ins.pos.length - 1)] ?? {line: ins.line, column: 1}
    return {kind: 'file', file: path, line: p.line, column: p.column}
  }

  const refuse = (ins: DockerInstruction, offset: number, message: string, hint: string): InputError => {
    const loc = where(ins, offset)
    return new InputError(message, {where: `${path}:${loc.line}:${loc.column}`, hint})
  }

  for (const ins of splitInstructions(text)) {
    switch (ins.keyword) {
      case 'FROM': {
        const words = splitWords(ins.args, escape)
          .map((w) => w.text)
          .filter((w) => !w.startsWith('--'))
        const base = words[0] ?? ''
        const name = words[1]?.toLowerCase() === 'as' ? words[2]?.toLowerCase() : undefined
        const parent = stages.find((s) => s.name !== undefined && s.name === base.toLowerCase())
        current = {
          name,
          base,
          labels: new Map(parent?.labels),
          ports: parent ? [...parent.ports] : [],
          portsDynamic: parent?.portsDynamic ?? false,
          env: new Map(parent?.env),
        }
        stages.push(current)
        scope = new Map(current.env)
        break
      }

      case 'ARG': {
        for (const w of splitWords(ins.args, escape)) {
          const name = VAR_NAME.exec(w.text)?.[0]
          // An ENV of the same name wins over the ARG, as in BuildKit.
          if (name && !current?.env.has(name)) scope.set(name, 'arg')
        }

        break
      }

      case 'ENV': {
        const words = splitWords(ins.args, escape)
        const legacy = words.length > 0 && !words[0]!.text.includes('=')
        const pairs = legacy
          ? [[words[0]!.text, ins.args.slice(words[1]?.start ?? ins.args.length).trimEnd()]]
          : words.map((w) => [w.text.slice(0, w.text.indexOf('=')), w.text.slice(w.text.indexOf('=') + 1)])
        // Every value of one ENV line sees the variables as they were before it.
        const before = new Map(scope)
        for (const [rawName, rawValue] of pairs) {
          const name = unquote(rawName!, escape).value
          if (!VAR_NAME.test(name)) continue
          const r = expandWord(rawValue!, escape, before)
          const v: DockerVar = r.unknown || r.error ? 'arg' : {value: r.value}
          scope.set(name, v)
          current?.env.set(name, v)
        }

        break
      }

      case 'LABEL': {
        let pairs: LabelPair[]
        try {
          pairs = parseLabelArgs(ins.args, escape)
        } catch (error) {
          throw refuse(
            ins,
            (error as {offset?: number}).offset ?? 0,
            `LABEL: ${(error as Error).message}`,
            'write LABEL key=value [key=value ...]',
          )
        }

        const stage = stageFor()
        for (const p of pairs) {
          const key = expandWord(p.keyText, escape, scope)
          const value = expandWord(p.valueText, escape, scope)
          const failed = key.error ?? value.error
          if (failed)
            throw refuse(
              ins,
              key.error ? p.keyStart : p.valueStart,
              `LABEL: ${failed}`,
              'set the variable with ARG/ENV, or give it a default: ${VAR:-default}',
            )
          // A later LABEL of the same key replaces this one in the image: only the last is judged.
          stage.labels.delete(key.value)
          stage.labels.set(key.value, {
            key: key.value,
            value: value.value,
            scope: 'dockerfile',
            form: 'dockerfile',
            keyLocation: where(ins, p.keyStart),
            valueLocation: where(ins, p.valueStart),
            unresolved: [...new Set(value.unresolved)],
            unknownValue: value.unknown,
          })
        }

        break
      }

      case 'EXPOSE': {
        const stage = stageFor()
        for (const w of splitWords(ins.args, escape)) {
          const r = expandWord(w.text, escape, scope)
          const port = r.unknown ? 'dynamic' : parseExposeWord(r.value)
          if (port === 'dynamic') stage.portsDynamic = true
          else if (port) stage.ports.push(port)
        }

        break
      }

      default: {
        break
      }
    }
  }

  const final = stages.at(-1)
  return {
    kind: 'dockerfile',
    name: path,
    displayName: `the image of ${path}`,
    location: {kind: 'file', file: path, line: 1, column: 1},
    labels: final ? [...final.labels.values()] : [],
    ports: final?.ports ?? [],
    portsDynamic: final?.portsDynamic ?? false,
  }
}
