import {basename, dirname, isAbsolute, join, resolve} from 'node:path'
import {Document, isAlias, isMap, isPair, isScalar, isSeq, Node, Pair, Scalar, YAMLMap} from 'yaml'

import {InputError} from '../../core/errors.js'
import {interpolate} from '../../core/interpolate.js'
import {ParsedYaml, parseYamlSource, toPlain} from '../../core/yaml-source.js'
import type {FileLocation} from '../../report/finding.js'
import type {LabelEntry, LabelScope, LabelSet, PortDeclaration} from '../types.js'

/** The file names `docker compose` looks for, in its order, and the override it adds. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']
export const COMPOSE_OVERRIDE_NAMES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yml', 'docker-compose.override.yaml']

export interface ComposeOptions {
  /** Variables for `${VAR}` interpolation: --env-file values under the environment. */
  vars: Record<string, string | undefined>
}

/** A compose service's labels and ports, before files given together are merged. */
export interface ComposeService {
  set: LabelSet
  /** The service key under `services:`. */
  key: string
  /** The Dockerfile its `build:` names, resolved against the compose file's directory. */
  dockerfile?: string
}

type AnyNode = Node | null | undefined

/**
 * Read one compose file into a LabelSet per service: both label forms, service `labels`,
 * `build.labels` and `deploy.labels`, `expose`/`ports`, networks, `${VAR}` interpolation.
 * Throws an InputError (with file:line:col) for YAML that cannot be parsed, duplicate keys,
 * an alias bomb, or a document that is not a compose file.
 */
export function parseComposeFile(path: string, text: string, options: ComposeOptions): ComposeService[] {
  const parsed = parseYamlSource(path, text)
  // Expands aliases once with the limit on, so an alias bomb stops here (the AST walk below does not expand).
  const plain = toPlain(parsed)
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new InputError('expected a mapping at the top level (is this a compose file?)', {where: `${path}:1:1`})
  }
  const walker = new Walker(parsed, text, options)
  const root = walker.deref(parsed.doc.contents)
  const servicesPair = walker.pair(root, 'services')
  if (!servicesPair) return []
  const services = walker.deref(servicesPair.value as AnyNode)
  if (services === null || services === undefined || (isScalar(services) && services.value === null)) return []
  if (!isMap(services)) {
    const p = parsed.positionOf(servicesPair.value as Node)
    throw new InputError('`services` is not a mapping of service names', {where: `${path}:${p.line}:${p.column}`})
  }
  const project = walker.projectName(root)
  const topNetworks = walker.deref(walker.pair(root, 'networks')?.value as AnyNode)
  return walker.pairs(services).map((pair) => walker.service(pair, project, topNetworks))
}

/** Walks the YAML AST (not the plain value) so every label keeps its source position. */
class Walker {
  constructor(
    private readonly parsed: ParsedYaml,
    private readonly text: string,
    private readonly options: ComposeOptions,
  ) {}

  private get doc(): Document.Parsed {
    return this.parsed.doc
  }

  deref(node: AnyNode | unknown): AnyNode {
    if (isAlias(node)) return node.resolve(this.doc) as AnyNode
    return node as AnyNode
  }

  /** A map's pairs with `<<: *anchor` merge keys expanded (explicit keys come last, so they win). */
  pairs(node: AnyNode): Pair[] {
    const map = this.deref(node)
    if (!isMap(map)) return []
    const out: Pair[] = []
    for (const pair of (map as YAMLMap).items) {
      if (isScalar(pair.key) && pair.key.value === '<<') {
        const v = this.deref(pair.value as AnyNode)
        const sources = isSeq(v) ? v.items : [v]
        for (const s of sources) out.push(...this.pairs(s as AnyNode))
      } else {
        out.push(pair)
      }
    }
    return out
  }

  pair(node: AnyNode, key: string): Pair | undefined {
    let found: Pair | undefined
    for (const p of this.pairs(node)) if (keyText(p) === key) found = p
    return found
  }

  value(node: AnyNode, key: string): AnyNode {
    return this.deref(this.pair(node, key)?.value as AnyNode)
  }

  location(node: Node | Pair | null | undefined): FileLocation {
    const p = this.parsed.positionOf(node)
    return {kind: 'file', file: this.parsed.path, line: p.line, column: p.column}
  }

  /** Where character `index` of a scalar's value was written, when the source shows it literally. */
  locationInScalar(scalar: Scalar, index: number, expected: string): FileLocation {
    const range = scalar.range
    if (range && index > 0) {
      const quoted = scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE' ? 1 : 0
      const offset = range[0] + quoted + index
      if (this.text.slice(offset, offset + expected.length) === expected) {
        const p = this.parsed.positionAt(offset)
        return {kind: 'file', file: this.parsed.path, line: p.line, column: p.column}
      }
    }
    return this.location(scalar)
  }

  interpolated(raw: string): {value: string; unresolved: string[]} {
    return interpolate(raw, this.options.vars)
  }

  /** `name:` at the top, else COMPOSE_PROJECT_NAME, else the directory name, normalised as compose does. */
  projectName(root: AnyNode): string {
    const named = this.value(root, 'name')
    const raw = (isScalar(named) && named.value != null ? this.interpolated(String(named.value)).value : undefined) ??
      this.options.vars.COMPOSE_PROJECT_NAME ??
      basename(dirname(resolve(this.parsed.path)))
    return raw.toLowerCase().replace(/[^a-z0-9_-]/g, '')
  }

  service(pair: Pair, project: string, topNetworks: AnyNode): ComposeService {
    const key = keyText(pair) ?? ''
    const node = this.deref(pair.value as AnyNode)
    const labels: LabelEntry[] = []
    const build = this.value(node, 'build')
    labels.push(...this.labels(this.value(build, 'labels'), 'build.labels'))
    labels.push(...this.labels(this.value(node, 'labels'), 'labels'))
    labels.push(...this.labels(this.value(this.value(node, 'deploy'), 'labels'), 'deploy.labels'))

    const set: LabelSet = {
      kind: 'compose',
      name: key,
      displayName: `service ${key}`,
      location: this.location(pair),
      labels,
    }

    const networkMode = this.scalarText(this.value(node, 'network_mode'))
    if (networkMode === 'host') {
      set.portsNotApplicable = 'network_mode: host'
      set.networks = ['host']
    } else if (networkMode && /^(service|container):/.test(networkMode)) {
      set.portsNotApplicable = `network_mode: ${networkMode}`
    } else {
      const {ports, dynamic, declared} = this.ports(node)
      if (declared) set.ports = ports
      if (dynamic) set.portsDynamic = true
      set.networks = networkMode ? [networkMode] : this.networks(node, project, topNetworks)
    }
    return {set, key, dockerfile: this.dockerfile(build)}
  }

  private scalarText(node: AnyNode): string | undefined {
    if (!isScalar(node) || node.value === null || node.value === undefined) return undefined
    return this.interpolated(String(node.value)).value
  }

  /** Labels in map form (`key: value`) or list form (`- key=value`). */
  labels(node: AnyNode, scope: LabelScope): LabelEntry[] {
    const out: LabelEntry[] = []
    if (isMap(node)) {
      for (const pair of this.pairs(node)) {
        const key = keyText(pair)
        if (key === undefined) continue
        const valueNode = this.deref(pair.value as AnyNode)
        const raw = isScalar(valueNode) && valueNode.value !== null && valueNode.value !== undefined ? String(valueNode.value) : ''
        const {value, unresolved} = this.interpolated(raw)
        out.push({
          key,
          value,
          scope,
          form: 'map',
          keyLocation: this.location(pair.key as Node),
          valueLocation: valueNode ? this.location(valueNode) : this.location(pair.key as Node),
          unresolved,
          unknownValue: unresolved.length > 0,
        })
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        const scalar = this.deref(item as AnyNode)
        if (!isScalar(scalar) || scalar.value === null) continue
        const text = String(scalar.value)
        const eq = text.indexOf('=')
        const rawKey = eq < 0 ? text : text.slice(0, eq)
        const rawValue = eq < 0 ? '' : text.slice(eq + 1)
        const {value, unresolved} = this.interpolated(rawValue)
        out.push({
          key: this.interpolated(rawKey).value.trim(),
          value,
          scope,
          form: 'list',
          keyLocation: this.location(scalar),
          valueLocation: eq < 0 ? this.location(scalar) : this.locationInScalar(scalar, eq + 1, rawValue),
          unresolved,
          unknownValue: unresolved.length > 0,
          noEquals: eq < 0,
        })
      }
    }
    return out
  }

  /** Container ports from `expose` and the target side of `ports` (short and long syntax). */
  ports(node: AnyNode): {ports: PortDeclaration[]; dynamic: boolean; declared: boolean} {
    const ports: PortDeclaration[] = []
    let dynamic = false
    let declared = false
    const add = (text: string, via: 'expose' | 'ports') => {
      const {value, unresolved} = this.interpolated(text)
      if (unresolved.length) {
        dynamic = true
        return
      }
      // [[ip:]published:]target[/proto]: the container side is after the last colon.
      const target = value.replace(/\/(tcp|udp|sctp)$/i, '').split(':').at(-1)!.trim()
      const m = /^(\d+)(?:-(\d+))?$/.exec(target)
      if (m) ports.push(m[2] ? {port: Number(m[1]), endPort: Number(m[2]), via} : {port: Number(m[1]), via})
    }
    for (const [field, via] of [
      ['expose', 'expose'],
      ['ports', 'ports'],
    ] as const) {
      const list = this.value(node, field)
      if (!isSeq(list)) continue
      declared = true
      for (const item of list.items) {
        const v = this.deref(item as AnyNode)
        if (isScalar(v) && v.value !== null) add(String(v.value), via)
        else if (isMap(v)) {
          const target = this.value(v, 'target')
          if (isScalar(target) && target.value !== null) add(String(target.value), via)
        }
      }
    }
    return {ports, dynamic, declared}
  }

  /**
   * The names a service's networks go by: the compose key, the `name:` it was given, and the
   * `<project>_<key>` name compose creates. No `networks:` means the project's default network.
   */
  networks(node: AnyNode, project: string, topNetworks: AnyNode): string[] {
    const list = this.value(node, 'networks')
    let keys: string[] = []
    if (isSeq(list)) keys = list.items.map((i) => this.scalarText(this.deref(i as AnyNode))).filter((k): k is string => Boolean(k))
    else if (isMap(list)) keys = this.pairs(list).map(keyText).filter((k): k is string => Boolean(k))
    else keys = ['default']
    const out = new Set<string>()
    for (const k of keys) {
      out.add(k)
      const def = this.value(topNetworks, k)
      const explicit = this.scalarText(this.value(def, 'name'))
      out.add(explicit ?? `${project}_${k}`)
    }
    return [...out]
  }

  /** The Dockerfile `build:` uses, or undefined for a remote context or inline Dockerfile. */
  dockerfile(build: AnyNode): string | undefined {
    const base = dirname(this.parsed.path)
    let context: string | undefined
    let file = 'Dockerfile'
    if (isScalar(build)) context = this.scalarText(build)
    else if (isMap(build)) {
      if (this.pair(build, 'dockerfile_inline')) return undefined
      context = this.scalarText(this.value(build, 'context')) ?? '.'
      file = this.scalarText(this.value(build, 'dockerfile')) ?? file
    } else return undefined
    if (!context || /^[a-z]+:\/\/|^git@|\.git(#|$)/i.test(context)) return undefined
    const dir = isAbsolute(context) ? context : join(base, context)
    return isAbsolute(file) ? file : join(dir, file)
  }
}

function keyText(pair: Pair | unknown): string | undefined {
  if (!isPair(pair)) return undefined
  const key = pair.key
  if (isScalar(key) && key.value !== null && key.value !== undefined) return String(key.value)
  return undefined
}
