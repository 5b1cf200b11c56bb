import {
  Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Node,
  Pair,
  parseAllDocuments,
  parseDocument,
  Scalar,
} from 'yaml'

import {InputError} from './errors.js'

/** yaml's alias expansion limit stays on: an alias bomb is refused, not expanded. */
export const MAX_ALIAS_COUNT = 100

export interface SourcePosition {
  line: number
  column: number
  endLine?: number
  endColumn?: number
}

export interface ParsedYaml {
  path: string
  doc: Document.Parsed
  lineCounter: LineCounter
  /** 1-based line/column of a node's start (and end), for findings. */
  positionOf(node: Node | Pair | null | undefined): SourcePosition
  /** Position of an offset into the text. */
  positionAt(offset: number): SourcePosition
}

/**
 * Parse YAML (JSON is YAML) keeping source positions. Syntax errors and duplicate keys become one
 * InputError with file:line:col; warnings are ignored. The document's plain value is read with
 * toPlain() so the alias limit applies.
 */
export function parseYamlSource(path: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter()
  let doc: Document.Parsed
  try {
    doc = parseDocument(text, {lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false})
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(path)
    throw error
  }

  return checked(path, doc, lineCounter)
}

/** Every document of a YAML stream (`---` separated), each parsed as parseYamlSource does; none for an empty stream. */
export function parseYamlDocuments(path: string, text: string): ParsedYaml[] {
  const lineCounter = new LineCounter()
  let docs: Document.Parsed[]
  try {
    const all = parseAllDocuments(text, {lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false})
    docs = Array.isArray(all) ? all : []
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(path)
    throw error
  }

  return docs.map((doc) => checked(path, doc, lineCounter))
}

function checked(path: string, doc: Document.Parsed, lineCounter: LineCounter): ParsedYaml {
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    const pos = lineCounter.linePos(e.pos[0])
    // The parser recurses per nesting level: a hostile depth surfaces as a stack overflow.
    if (/call stack/i.test(e.message)) throw tooDeep(`${path}:${pos.line}:${pos.col}`)
    const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new InputError(e.code === 'DUPLICATE_KEY' ? `duplicate key: ${first}` : first, {
      where: `${path}:${pos.line}:${pos.col}`,
      hint: e.code === 'DUPLICATE_KEY' ? 'remove or rename one of the keys' : 'fix the syntax',
    })
  }

  const positionAt = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset)
    return {line: p.line, column: p.col}
  }

  const positionOf = (node: Node | Pair | null | undefined): SourcePosition => {
    const target = isPair(node) ? ((node.key as Node | null) ?? (node.value as Node | null)) : node
    const range = (target as Node | null | undefined)?.range
    if (!range) return {line: 1, column: 1}
    const start = lineCounter.linePos(range[0])
    const end = lineCounter.linePos(range[1])
    return {line: start.line, column: start.col, endLine: end.line, endColumn: end.col}
  }

  return {path, doc, lineCounter, positionOf, positionAt}
}

function tooDeep(where: string): InputError {
  return new InputError('is nested too deeply to read (thousands of levels)', {
    where,
    hint: 'no real config or compose file nests like this: is it generated or hostile?',
  })
}

/** The document as plain JS, with the alias limit on (an alias bomb throws an InputError). */
export function toPlain(parsed: ParsedYaml): unknown {
  let value: unknown
  try {
    value = parsed.doc.toJS({maxAliasCount: MAX_ALIAS_COUNT})
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(parsed.path)
    throw new InputError(`${(error as Error).message} (alias expansion limit ${MAX_ALIAS_COUNT})`, {
      where: parsed.path,
      hint: 'the document expands aliases too many times; is it an alias bomb?',
    })
  }

  // `api: &a {<<: *a}` makes a value that contains itself: every reader after this would recurse forever.
  if (containsCycle(value)) {
    throw new InputError('an alias refers to a node that contains it (a cycle)', {
      where: parsed.path,
      hint: 'an anchor cannot be merged or used inside itself',
    })
  }

  return value
}

/** Whether plain data refers to one of its own ancestors (each node explored once: shared aliases cost nothing more). */
function containsCycle(root: unknown): boolean {
  const done = new WeakSet<object>()
  const open = new WeakSet<object>()
  // Iterative: a deep document must not overflow the stack here either.
  const stack: {node: object; children: unknown[]; next: number}[] = []
  const enter = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object' || done.has(v)) return false
    if (open.has(v)) return true
    open.add(v)
    stack.push({node: v, children: v instanceof Map ? [...v.values()] : Object.values(v), next: 0})
    return false
  }

  if (enter(root)) return true
  while (stack.length > 0) {
    const top = stack.at(-1)!
    if (top.next < top.children.length) {
      if (enter(top.children[top.next++])) return true
    } else {
      stack.pop()
      open.delete(top.node)
      done.add(top.node)
    }
  }

  return false
}

/**
 * Find the node at a JSON-pointer-like path of keys/indices (e.g. ajv's instancePath split on '/').
 * Returns the deepest node found and whether the whole path resolved.
 */
export function nodeAtPath(
  doc: Document.Parsed,
  path: (string | number)[],
): {node: Node | Pair | null; complete: boolean} {
  let current: Node | Pair | null = doc.contents as Node | null
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!
    const container: unknown = isPair(current) ? current.value : current
    if (isMap(container)) {
      const pair = container.items.find((p) => isScalar(p.key) && String((p.key as Scalar).value) === String(seg))
      if (!pair) return {node: current, complete: false}
      current = i === path.length - 1 ? pair : (pair.value as Node | null)
      if (i === path.length - 1) return {node: pair, complete: true}
    } else if (isSeq(container)) {
      const item = container.items[Number(seg)] as Node | undefined
      if (item === undefined) return {node: current, complete: false}
      current = item
    } else {
      return {node: current, complete: false}
    }
  }

  return {node: current, complete: true}
}
