import {existsSync} from 'node:fs'
import {dirname, isAbsolute, join, normalize, relative, resolve} from 'node:path'
import {isAlias, isMap, isScalar, isSeq, Node, Scalar, YAMLMap} from 'yaml'

import type {FileLocation} from '../../report/findings/finding.js'
import type {LabelEntry, LabelScope} from '../types.js'

import {parseDotenv} from '../../core/dotenv.js'
import {InputError} from '../../core/errors.js'
import {interpolate} from '../../core/interpolate.js'
import {ParsedYaml, parseYamlDocuments, toPlain} from '../../core/yaml-source.js'
import {composeScalar} from './compose-scalar.js'

/**
 * The compose model as compose-go builds it, kept as a tree whose every scalar remembers where it was
 * written: documents of a file merged, `extends` and `include` applied, `-f` files merged by the
 * compose-spec merge rules (`!reset` / `!override` honoured), labels merged by key.
 */

export type Vars = Record<string, string | undefined>

interface Base {
  loc: FileLocation
  tag?: 'reset' | 'override'
}
export interface TScalar extends Base {
  kind: 'scalar'
  /** The value as compose-go reads it (YAML 1.2 with yaml.v3's int/float forms), interpolated; null for YAML null. */
  text: string | null
  isString: boolean
  /** Variables referenced, not set and without default. */
  unresolved: string[]
  /** The directory relative paths in this value resolve against. */
  dir: string
  /** Where character `index` of the value was written, when the source shows it literally. */
  at(index: number, expected: string): FileLocation
}
export interface TEntry {
  key: string
  keyLoc: FileLocation
  value: TNode
}
export interface TMap extends Base {
  kind: 'map'
  entries: Map<string, TEntry>
}
export interface TSeq extends Base {
  kind: 'seq'
  items: TNode[]
}
/** A labels field after it took part in a merge: entries by key, later files winning. */
export interface TLabels extends Base {
  kind: 'labels'
  entries: Map<string, LabelEntry>
}
export type TNode = TScalar | TMap | TSeq | TLabels

/** One file as read: the name findings use for it, and where it is. */
export interface FileRef {
  display: string
  abs: string
}

export interface ModelContext {
  /** Read a file's text (throws an InputError naming `display`). */
  read(file: FileRef): string
  warn(line: string): void
  /** Every file read, by display name, in order. */
  files: string[]
}

interface FileScope {
  file: FileRef
  /** Relative paths resolve against it: the project directory, or an extended file's own directory. */
  dir: string
  vars: Vars
}

const LABEL_FIELDS = new Map<string, LabelScope>([
  ['labels', 'labels'],
  ['build.labels', 'build.labels'],
  ['deploy.labels', 'deploy.labels'],
])

export function isRemote(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('git@') || path.startsWith('oci:')
}

/** How a file found by reference is named in findings: next to the file that named it, as that one is named. */
export function displayOf(parent: FileRef, abs: string): FileRef {
  if (isAbsolute(parent.display)) return {display: abs, abs}
  return {display: normalize(join(dirname(parent.display), relative(dirname(parent.abs), abs))), abs}
}

export function entry(node: TNode | undefined, key: string): TNode | undefined {
  return node?.kind === 'map' ? node.entries.get(key)?.value : undefined
}

export function text(node: TNode | undefined): string | undefined {
  return node?.kind === 'scalar' && node.text !== null ? node.text : undefined
}

/**
 * Read one compose file: each YAML document converted, interpolated, its services' `extends` applied,
 * its `include`s loaded, and the documents merged in order (compose-go's loadYamlFile).
 */
export function loadComposeFile(
  ctx: ModelContext,
  scope: FileScope,
  options: {include: boolean; stack: string[]},
  below?: TMap,
): TMap {
  const body = ctx.read(scope.file)
  ctx.files.push(scope.file.display)
  const docs = parseYamlDocuments(scope.file.display, body)
  // Each document merges onto everything before it (earlier files included), so its !reset reaches them.
  let merged: TMap | undefined = below
  for (const parsed of docs) {
    if (!checkComposeDocument(parsed)) continue
    const root = new Converter(parsed, body, scope).convert(parsed.doc.contents as Node)
    if (root?.kind !== 'map') continue
    applyExtends(ctx, root, scope, options.stack)
    if (options.include) applyInclude(ctx, root, scope, options.stack)
    merged = merged ? (mergeNodes(merged, root, []) as TMap) : (mergeNodes(undefined, root, []) as TMap)
  }

  return merged ?? {kind: 'map', entries: new Map(), loc: {kind: 'file', file: scope.file.display, line: 1, column: 1}}
}

/**
 * Is this YAML document a compose document? false for an empty one; throws an InputError for one that
 * is not a mapping or whose `services` is not a mapping. Expands aliases once with the limit on, so an
 * alias bomb stops here.
 */
export function checkComposeDocument(parsed: ParsedYaml): boolean {
  const plain = toPlain(parsed)
  if (plain === null || plain === undefined) return false
  if (typeof plain !== 'object' || Array.isArray(plain)) {
    throw new InputError('expected a mapping at the top level (is this a compose file?)', {where: `${parsed.path}:1:1`})
  }

  const {services} = plain as Record<string, unknown>
  if (services !== undefined && services !== null && (typeof services !== 'object' || Array.isArray(services))) {
    const root = parsed.doc.contents
    const pair = isMap(root) ? root.items.find((p) => isScalar(p.key) && p.key.value === 'services') : undefined
    const p = parsed.positionOf((pair?.value as Node | undefined) ?? null)
    throw new InputError('`services` is not a mapping of service names', {
      where: `${parsed.path}:${p.line}:${p.column}`,
    })
  }

  return true
}

/** Several files of one project (`-f a -f b`, an include's `path:` list), merged in order. */
export function loadComposeFiles(ctx: ModelContext, files: FileRef[], dir: string, vars: Vars, stack: string[]): TMap {
  let model: TMap | undefined
  for (const file of files)
    model = loadComposeFile(ctx, {file, dir, vars}, {include: true, stack: [...stack, file.abs]}, model)
  return model!
}

class Converter {
  constructor(
    private readonly parsed: ParsedYaml,
    private readonly body: string,
    private readonly scope: FileScope,
  ) {}

  location(node: Node | null | undefined): FileLocation {
    const p = this.parsed.positionOf(node)
    return {kind: 'file', file: this.scope.file.display, line: p.line, column: p.column}
  }

  convert(input: Node | null | undefined): TNode | undefined {
    let node = input
    if (isAlias(node)) node = node.resolve(this.parsed.doc) as Node | undefined
    if (node === null || node === undefined) return undefined
    const tag = node.tag === '!reset' ? 'reset' : node.tag === '!override' ? 'override' : undefined
    if (isScalar(node)) return this.scalar(node, tag)
    if (isSeq(node)) {
      const items: TNode[] = []
      for (const item of node.items) {
        const converted = this.convert(item as Node)
        if (converted) items.push(converted)
      }

      return {kind: 'seq', items, loc: this.location(node), ...(tag ? {tag} : {})}
    }

    if (isMap(node)) return {kind: 'map', entries: this.entries(node), loc: this.location(node), ...(tag ? {tag} : {})}
    return undefined
  }

  /** A mapping's entries with YAML merge keys: an explicit key always wins, then the first listed source. */
  private entries(map: YAMLMap): Map<string, TEntry> {
    const out = new Map<string, TEntry>()
    const merges: Node[] = []
    for (const pair of map.items) {
      const key = pair.key as Node | null
      if (isScalar(key) && key.value === '<<' && key.type === 'PLAIN') {
        merges.push(pair.value as Node)
        continue
      }

      const name = isScalar(key) ? (composeScalar(key).text ?? '') : undefined
      if (name === undefined) continue
      const value = this.convert(pair.value as Node) ?? this.nullAt(pair.value as Node | null, key)
      out.set(name, {key: name, keyLoc: this.location(key), value})
    }

    for (const merge of merges) {
      const target = isAlias(merge) ? (merge.resolve(this.parsed.doc) as Node) : merge
      const sources = isSeq(target)
        ? target.items.map((i) => (isAlias(i) ? (i.resolve(this.parsed.doc) as Node) : (i as Node)))
        : [target]
      for (const source of sources) {
        if (!isMap(source)) {
          const l = this.location(source)
          throw new InputError('a merge key (<<) needs a mapping or a list of mappings', {
            where: `${l.file}:${l.line}:${l.column}`,
          })
        }

        for (const [k, e] of this.entries(source)) if (!out.has(k)) out.set(k, e)
      }
    }

    return out
  }

  private nullAt(node: Node | null, key: Node | null): TScalar {
    return this.scalarNode(null, false, [], this.location(node ?? key), () => this.location(node ?? key))
  }

  private scalar(node: Scalar, tag: Base['tag']): TScalar {
    const read = composeScalar(node)
    const loc = this.location(node)
    if (!read.isString || read.text === null) {
      return {...this.scalarNode(read.text, false, [], loc, () => loc), ...(tag ? {tag} : {})}
    }

    const raw = read.text
    const r = interpolate(raw, this.scope.vars)
    if (r.errors.length > 0) {
      throw new InputError(r.errors[0]!, {
        where: `${loc.file}:${loc.line}:${loc.column}`,
        hint: 'set the variable (environment or --env-file), or write $$ for a literal $',
      })
    }

    const at = (index: number, expected: string): FileLocation => {
      const {range} = node
      if (range && index > 0 && r.value === raw) {
        const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0
        const offset = range[0] + quoted + index
        if (this.body.slice(offset, offset + expected.length) === expected) {
          const p = this.parsed.positionAt(offset)
          return {kind: 'file', file: this.scope.file.display, line: p.line, column: p.column}
        }
      }

      return loc
    }

    return {...this.scalarNode(r.value, true, r.unresolved, loc, at), ...(tag ? {tag} : {})}
  }

  private scalarNode(
    value: string | null,
    isString: boolean,
    unresolved: string[],
    loc: FileLocation,
    at: TScalar['at'],
  ): TScalar {
    return {kind: 'scalar', text: value, isString, unresolved, dir: this.scope.dir, loc, at}
  }
}

function where(loc: FileLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`
}

/** compose-go's ApplyExtends: each service's `extends` (same file or `file:`) merged under it, recursively. */
function applyExtends(ctx: ModelContext, root: TMap, scope: FileScope, stack: string[]): void {
  const services = entry(root, 'services')
  if (services?.kind !== 'map') return
  const done = new Set<string>()
  const resolveService = (name: string, table: TMap, tableScope: FileScope, chain: string[]): TMap | undefined => {
    const e = table.entries.get(name)
    if (!e || e.value.kind !== 'map') return undefined
    const svc = e.value
    const ext = svc.entries.get('extends')
    const id = `${tableScope.file.abs}#${name}`
    if (!ext || (table === services && done.has(name))) return svc
    if (chain.includes(id))
      throw new InputError(
        `extends: service ${name} extends itself (through ${chain.map((c) => c.split('#')[1]).join(' → ')})`,
        {where: where(ext.keyLoc)},
      )
    let ref: string | undefined
    let fileNode: TScalar | undefined
    if (ext.value.kind === 'scalar') ref = text(ext.value)
    else if (ext.value.kind === 'map') {
      ref = text(entry(ext.value, 'service'))
      const f = entry(ext.value, 'file')
      if (f?.kind === 'scalar') fileNode = f
    }

    if (!ref) throw new InputError(`extends.${name}.service is required`, {where: where(ext.keyLoc)})
    let baseTable = table
    let baseScope = tableScope
    if (fileNode && fileNode.text) {
      if (isRemote(fileNode.text)) {
        ctx.warn(
          `${where(fileNode.loc)}: extends from a remote file (${fileNode.text}) is not read; service ${name} is checked without what it inherits`,
        )
        return withoutKey(svc, 'extends')
      }

      const abs = resolve(fileNode.dir, fileNode.text)
      if (abs !== tableScope.file.abs) {
        if (stack.includes(abs))
          throw new InputError(`extends cycle: ${fileNode.text} is already being loaded`, {where: where(fileNode.loc)})
        const file = displayOf(tableScope.file, abs)
        baseScope = {file, dir: dirname(abs), vars: tableScope.vars}
        const loaded = loadComposeFile(ctx, baseScope, {include: false, stack: [...stack, abs]})
        const baseServices = entry(loaded, 'services')
        if (baseServices?.kind !== 'map') {
          throw new InputError(`cannot extend service ${name}: ${file.display} has no services section`, {
            where: where(fileNode.loc),
          })
        }

        baseTable = baseServices
      }

      if (!baseTable.entries.has(ref)) {
        throw new InputError(`cannot extend service ${name}: service ${ref} not found in ${fileNode.text}`, {
          where: where(fileNode.loc),
        })
      }
    } else if (!table.entries.has(ref)) {
      throw new InputError(`cannot extend service ${name}: service ${ref} not found`, {where: where(ext.keyLoc)})
    }

    const base = resolveService(ref, baseTable, baseScope, [...chain, id])
    const merged = base
      ? (mergeNodes(base, withoutKey(svc, 'extends'), ['services', name]) as TMap)
      : withoutKey(svc, 'extends')
    // The service keeps its own place in the file: findings about it point at its key.
    merged.loc = svc.loc
    if (table === services) {
      table.entries.set(name, {...e, value: merged})
      done.add(name)
    }

    return merged
  }

  for (const name of services.entries.keys()) resolveService(name, services, scope, [])
}

function withoutKey(map: TMap, key: string): TMap {
  const entries = new Map(map.entries)
  entries.delete(key)
  return {...map, entries}
}

/**
 * compose-go's ApplyInclude: each included project loaded with its own project directory and env
 * files (the including project's variables win), its services added; a service defined twice is an error.
 */
function applyInclude(ctx: ModelContext, root: TMap, scope: FileScope, stack: string[]): void {
  const include = root.entries.get('include')
  if (!include) return
  root.entries.delete('include')
  const items = include.value.kind === 'seq' ? include.value.items : [include.value]
  for (const item of items) {
    let paths: TScalar[] = []
    let projectDir: TScalar | undefined
    let envFiles: TScalar[] | undefined
    if (item.kind === 'scalar') paths = [item]
    else if (item.kind === 'map') {
      const p = entry(item, 'path')
      paths =
        p?.kind === 'scalar' ? [p] : p?.kind === 'seq' ? p.items.filter((i): i is TScalar => i.kind === 'scalar') : []
      const d = entry(item, 'project_directory')
      if (d?.kind === 'scalar') projectDir = d
      const env = entry(item, 'env_file')
      if (env)
        envFiles =
          env.kind === 'scalar'
            ? [env]
            : env.kind === 'seq'
              ? env.items.filter((i): i is TScalar => i.kind === 'scalar')
              : []
    }

    paths = paths.filter((p) => p.text)
    if (paths.length === 0) throw new InputError('include: an entry needs a path', {where: where(item.loc)})
    const remote = paths.find((p) => isRemote(p.text!))
    if (remote) {
      ctx.warn(
        `${where(remote.loc)}: include of a remote file (${remote.text}) is not read; its services are not checked`,
      )
      continue
    }

    const files = paths.map((p) => {
      const abs = resolve(p.dir, p.text!)
      if (stack.includes(abs))
        throw new InputError(`include cycle: ${p.text} is already being loaded`, {where: where(p.loc)})
      return displayOf(scope.file, abs)
    })
    const dir = projectDir?.text ? resolve(projectDir.dir, projectDir.text) : dirname(files[0]!.abs)
    const envPaths = envFiles
      ? envFiles.filter((e) => e.text).map((e) => resolve(e.dir, e.text!))
      : [join(dir, '.env')].filter((f) => existsSync(f))
    const fromFiles: Vars = {}
    for (const abs of envPaths) {
      const file = displayOf(scope.file, abs)
      const entries = parseDotenv(ctx.read(file), file.display, {...fromFiles, ...definedOnly(scope.vars)})
      for (const [k, e] of entries) fromFiles[k] = e.value
    }

    const vars = {...fromFiles, ...definedOnly(scope.vars)}
    const model = loadComposeFiles(ctx, files, dir, vars, stack)
    // Top-level networks come along (their `name:` is how services' networks are named).
    const networks = entry(model, 'networks')
    if (networks?.kind === 'map') {
      const own = root.entries.get('networks')
      if (!own || own.value.kind !== 'map')
        root.entries.set('networks', {key: 'networks', keyLoc: include.keyLoc, value: networks})
      else for (const [k, e] of networks.entries) if (!own.value.entries.has(k)) own.value.entries.set(k, e)
    }

    const imported = entry(model, 'services')
    if (imported?.kind !== 'map') continue
    let services = root.entries.get('services')
    if (!services || services.value.kind !== 'map') {
      services = {
        key: 'services',
        keyLoc: include.keyLoc,
        value: {kind: 'map', entries: new Map(), loc: include.keyLoc},
      }
      root.entries.set('services', services)
    }

    const own = services.value as TMap
    for (const [name, e] of imported.entries) {
      if (own.entries.has(name)) {
        throw new InputError(
          `service ${name} is defined both here and in the included ${files.map((f) => f.display).join(', ')}`,
          {
            where: where(own.entries.get(name)!.keyLoc),
            hint: 'rename one of them: compose refuses a service an include also defines',
          },
        )
      }

      own.entries.set(name, e)
    }
  }
}

function definedOnly(vars: Vars): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in vars) if (vars[k] !== undefined) out[k] = vars[k]!
  return out
}

/** The label scope of a path (`services.*.labels` and friends), else undefined. */
function labelScope(path: string[]): LabelScope | undefined {
  if (path[0] !== 'services' || path.length < 3) return undefined
  return LABEL_FIELDS.get(path.slice(2).join('.'))
}

/**
 * compose-spec's merge rules (compose-go's override.Merge): mappings merge key by key, sequences
 * append, scalars are replaced; labels merge by key whatever their form; `!reset` removes what is
 * below, `!override` replaces instead of merging.
 */
export function mergeNodes(base: TNode | undefined, over: TNode, path: string[]): TNode | undefined {
  if (over.tag === 'reset') return undefined
  // A null (`labels:` with nothing after it) leaves what is below, as compose-go's merge does.
  if (base && over.kind === 'scalar' && over.text === null && !over.tag) return base
  const scope = labelScope(path)
  if (over.tag === 'override') {
    const {tag: _tag, ...plain} = over
    return scope ? toLabels(plain as TNode, scope) : (plain as TNode)
  }

  if (scope) {
    const merged = base ? toLabels(base, scope) : undefined
    const added = toLabels(over, scope)
    if (!merged) return added
    const entries = new Map(merged.entries)
    for (const [k, l] of added.entries) {
      entries.delete(k)
      entries.set(k, l)
    }

    return {kind: 'labels', entries, loc: over.loc}
  }

  const field = path.length === 3 && path[0] === 'services' ? path[2] : undefined
  if (field === 'build') {
    base = base && buildAsMap(base)
    over = buildAsMap(over)
  }

  if (field === 'networks' && base) {
    base = listAsMap(base)
    over = listAsMap(over)
  }

  if (over.kind === 'map') {
    const entries = new Map<string, TEntry>()
    if (base?.kind === 'map') for (const [k, e] of base.entries) entries.set(k, e)
    for (const [k, e] of over.entries) {
      const below = base?.kind === 'map' ? base.entries.get(k)?.value : undefined
      const value = mergeNodes(below, e.value, [...path, k])
      if (value === undefined) entries.delete(k)
      else entries.set(k, {...e, keyLoc: below ? (base as TMap).entries.get(k)!.keyLoc : e.keyLoc, value})
    }

    return {kind: 'map', entries, loc: base?.kind === 'map' ? base.loc : over.loc}
  }

  if (over.kind === 'seq') {
    const items = over.items
      .map((i) => mergeNodes(undefined, i, [...path, '*']))
      .filter((i): i is TNode => i !== undefined)
    if (base?.kind === 'seq') return {kind: 'seq', items: [...base.items, ...items], loc: base.loc}
    return {...over, items}
  }

  return over
}

function buildAsMap(node: TNode): TNode {
  if (node.kind !== 'scalar') return node
  return {kind: 'map', loc: node.loc, entries: new Map([['context', {key: 'context', keyLoc: node.loc, value: node}]])}
}

function listAsMap(node: TNode): TNode {
  if (node.kind !== 'seq') return node
  const entries = new Map<string, TEntry>()
  for (const item of node.items) {
    const name = text(item)
    if (name !== undefined)
      entries.set(name, {key: name, keyLoc: item.loc, value: {...(item as TScalar), text: null, isString: false}})
  }

  return {kind: 'map', loc: node.loc, entries}
}

/** A labels field (map or list form) as entries by key, as compose-go's Labels type reads it. */
export function toLabels(node: TNode, scope: LabelScope): TLabels {
  if (node.kind === 'labels') return node
  const entries = new Map<string, LabelEntry>()
  const add = (l: LabelEntry) => {
    entries.delete(l.key)
    entries.set(l.key, l)
  }

  if (node.kind === 'map') {
    for (const [key, e] of node.entries) {
      const v = e.value
      if (v.kind !== 'scalar') {
        throw new InputError(`${scope}.${key}: a label value must be a string, number, boolean or null`, {
          where: where(v.loc),
        })
      }

      add({
        key,
        value: v.text ?? '',
        scope,
        form: 'map',
        keyLocation: e.keyLoc,
        valueLocation: v.loc,
        unresolved: v.unresolved,
        unknownValue: v.unresolved.length > 0,
      })
    }
  } else if (node.kind === 'seq') {
    for (const item of node.items) {
      if (item.kind !== 'scalar')
        throw new InputError(`${scope}: a list label must be a string`, {where: where(item.loc)})
      // Interpolated first, then cut at the first '=': the key is kept as written (no trimming).
      const full = item.text ?? ''
      const eq = full.indexOf('=')
      const value = eq === -1 ? '' : full.slice(eq + 1)
      add({
        key: eq < 0 ? full : full.slice(0, eq),
        value,
        scope,
        form: 'list',
        keyLocation: item.loc,
        valueLocation: eq < 0 ? item.loc : item.at(eq + 1, value),
        unresolved: item.unresolved,
        unknownValue: item.unresolved.length > 0,
        noEquals: eq < 0,
      })
    }
  } else if (node.kind === 'scalar' && node.text !== null) {
    throw new InputError(`${scope}: expected a mapping or a list of key=value`, {where: where(node.loc)})
  }

  return {kind: 'labels', entries, loc: node.loc}
}
