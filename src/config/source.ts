import {extname} from 'node:path'
import {isPair, Node} from 'yaml'

import type {TextDocument} from '../core/input.js'

import {InputError} from '../core/errors.js'
import {nodeAtPath, ParsedYaml, parseYamlSource, SourcePosition, toPlain} from '../core/yaml-source.js'
import {readPlainYaml} from './fast-yaml.js'
import {JsonNode, parseJsonSource} from './json-source.js'

export type PathSegment = string | number
/** Where a finding points: at a key (unknown key, renamed key) or at its value (wrong value). */
export type Target = 'key' | 'value'

export interface SourceRange {
  start: number
  end: number
  /** Source text of the range starts with a quote (the fix keeps the quoting style). */
  quote?: '"' | "'"
}

/**
 * A gateway config read from YAML or JSON: its plain value and a way back from a path in that value
 * to the text (offsets and line:column), for findings and for --fix's text edits.
 */
export interface ConfigSource {
  path: string
  text: string
  format: 'yaml' | 'json'
  value: unknown
  /** The range of the key or value at path; the deepest existing ancestor when the path does not resolve. */
  range(path: PathSegment[], target: Target): SourceRange | undefined
  positionAt(offset: number): SourcePosition
}

/**
 * Parse a config document: a .json file with the JSON parser (its errors are JSON errors), anything
 * else as YAML, except that text starting with "{" is tried as JSON first (the faster parser; a YAML
 * flow mapping that is not JSON falls through to YAML).
 */
export function parseConfigSource(doc: TextDocument): ConfigSource {
  if (extname(doc.path).toLowerCase() === '.json') return jsonSource(doc)
  if (/^\s*\{/.test(doc.text)) {
    try {
      return jsonSource(doc)
    } catch (error) {
      if (!(error instanceof InputError)) throw error
    }
  }

  return yamlSource(doc)
}

function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

function positionFinder(text: string): (offset: number) => SourcePosition {
  let starts: number[] | undefined
  return (offset) => {
    starts ??= lineStarts(text)
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }

    return {line: lo + 1, column: offset - starts[lo]! + 1}
  }
}

function quoteAt(text: string, start: number): SourceRange['quote'] {
  const c = text[start]
  return c === '"' || c === "'" ? c : undefined
}

function jsonSource(doc: TextDocument): ConfigSource {
  const positionAt = positionFinder(doc.text)
  // Values first (no offsets tree); the tree is built on the first position asked for.
  const {value} = parseJsonSource(doc.path, doc.text, positionAt, false)
  let tree: JsonNode | undefined
  const range = (path: PathSegment[], target: Target): SourceRange | undefined => {
    tree ??= parseJsonSource(doc.path, doc.text, positionAt).root!
    let node: JsonNode = tree
    let keyRange: SourceRange | undefined
    for (const seg of path) {
      const member = node.members?.get(String(seg))
      const item = node.items && typeof seg === 'number' ? node.items[seg] : node.items?.[Number(seg)]
      if (member) {
        keyRange = {start: member.keyStart, end: member.keyEnd, quote: '"'}
        node = member.node
      } else if (item) {
        keyRange = undefined
        node = item
      } else {
        return keyRange ?? {start: node.start, end: node.start + 1}
      }
    }

    if (target === 'key' && keyRange) return keyRange
    return {start: node.start, end: node.end, quote: quoteAt(doc.text, node.start)}
  }

  return {path: doc.path, text: doc.text, format: 'json', value, range, positionAt}
}

function yamlSource(doc: TextDocument): ConfigSource {
  // The plain subset is read fast; the full parser runs only when positions are needed (a finding,
  // --fix) or the document uses YAML the fast reader leaves alone.
  const fast = readPlainYaml(doc.text)
  let parsed: ParsedYaml | undefined = fast === undefined ? parseYamlSource(doc.path, doc.text) : undefined
  const value = parsed ? toPlain(parsed) : fast
  const full = (): ParsedYaml => (parsed ??= parseYamlSource(doc.path, doc.text))
  const positionAt = positionFinder(doc.text)
  const nodeRange = (node: Node | null | undefined): SourceRange | undefined => {
    const r = node?.range
    if (!r) return undefined
    return {start: r[0], end: r[1], quote: quoteAt(doc.text, r[0])}
  }

  const range = (path: PathSegment[], target: Target): SourceRange | undefined => {
    const {node, complete} = nodeAtPath(full().doc, path)
    if (isPair(node)) {
      const key = nodeRange(node.key as Node)
      if (target === 'key' || !complete) return key
      return nodeRange(node.value as Node) ?? key
    }

    return nodeRange(node as Node | null)
  }

  return {path: doc.path, text: doc.text, format: 'yaml', value, range, positionAt}
}

/** A document whose value is null (only comments, or `---`) has nothing to check. */
export function assertHasContent(source: ConfigSource): void {
  if (source.value === null || source.value === undefined) {
    throw new InputError('contains no configuration (only comments or an empty document)', {where: source.path})
  }
}
