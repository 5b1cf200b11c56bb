import {existsSync} from 'node:fs'
import {basename, dirname, isAbsolute, join, relative, resolve} from 'node:path'

import type {FileLocation} from '../../report/findings/finding.js'
import type {LabelEntry, LabelScope, LabelSet, PortDeclaration} from '../types.js'

import {parseDotenv} from '../../core/dotenv.js'
import {InputError} from '../../core/errors.js'
import {readTextDocument} from '../../core/input.js'
import {parseYamlDocuments} from '../../core/yaml-source.js'
import {
  checkComposeDocument,
  displayOf,
  entry,
  FileRef,
  isRemote,
  loadComposeFiles,
  ModelContext,
  text,
  TMap,
  TNode,
  toLabels,
  TScalar,
  Vars,
} from './compose-model.js'

/** The file names `docker compose` looks for, in its order, and the override it adds. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']
export const COMPOSE_OVERRIDE_NAMES = [
  'compose.override.yaml',
  'compose.override.yml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
]

export interface ComposeOptions {
  /** Variables for `${VAR}` interpolation: --env-file values under the environment. */
  vars: Record<string, string | undefined>
  /** Enabled profiles (--profile); default: COMPOSE_PROFILES from `vars`. */
  profiles?: string[]
}

/** A compose service as compose would create it: effective labels and ports. */
export interface ComposeService {
  set: LabelSet
  /** The service key under `services:`. */
  key: string
  /** The Dockerfile its `build:` names, resolved against the project directory. */
  dockerfile?: string
}

export interface ComposeProjectOptions {
  /** Compose files as the user named them (-f, COMPOSE_FILE), relative to cwd; merged in order. */
  files: string[]
  cwd: string
  /** The environment: wins over env files, as in compose. */
  env: Vars
  /** --env-file (relative to cwd); default: the project directory's `.env`. */
  envFiles?: string[]
  /** --profile; default: COMPOSE_PROFILES. */
  profiles?: string[]
  /** Reads a file; default: readTextDocument. */
  read?: (file: FileRef) => string
}

export interface ComposeProject {
  /** The project name (COMPOSE_PROJECT_NAME, top-level `name:`, the directory), normalised. */
  name: string
  services: ComposeService[]
  /** Services whose profiles are all disabled: compose does not create them, so they are not judged. */
  inactive: string[]
  /** Features read only in part: one line each (what, where, what is not judged). */
  warnings: string[]
  /** Every file read, by the name findings use. */
  files: string[]
}

/**
 * Load the services compose would create from a set of `-f` files: documents, `extends`, `include`,
 * `-f` merge, `!reset`/`!override`, profiles, `label_file`, env files and interpolation, as compose-go
 * does. Throws the InputErrors of every top-level file that cannot be read or parsed (compose refuses
 * the project), else the first semantic error (a missing required variable, an unknown extends base).
 */
export function loadComposeProject(options: ComposeProjectOptions): ComposeProject {
  const texts = new Map<string, string>()
  const read = options.read ?? ((file: FileRef) => readFile(file))
  // A file reached twice (two services extending from it) is read once.
  const cachedRead = (file: FileRef) => {
    let body = texts.get(file.abs)
    if (body === undefined) texts.set(file.abs, (body = read(file)))
    return body
  }

  const refs: FileRef[] = options.files.map((f) => ({display: f, abs: f === '-' ? '-' : resolve(options.cwd, f)}))
  // Every top-level file is checked first, so each one's error is reported, not only the first.
  const errors: InputError[] = []
  for (const ref of refs) {
    try {
      const body = read(ref)
      texts.set(ref.abs, body)
      for (const doc of parseYamlDocuments(ref.display, body)) checkComposeDocument(doc)
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      errors.push(error)
    }
  }

  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new ProjectInputErrors(errors)

  const projectDir = dirname(refs[0]!.abs === '-' ? resolve(options.cwd, 'compose.yaml') : refs[0]!.abs)
  const vars = projectVariables(options, projectDir, refs[0]!)
  const warnings: string[] = []
  const ctx: ModelContext = {read: cachedRead, warn: (line) => warnings.push(line), files: []}
  let model: ReturnType<typeof loadComposeFiles>
  try {
    model = loadComposeFiles(ctx, refs, projectDir, vars, [])
  } catch (error) {
    // The model is built recursively: a hostile depth (nesting, aliases) surfaces as a stack overflow.
    if (error instanceof RangeError)
      throw new InputError('is nested too deeply to read', {
        where: refs[0]!.display,
        hint: 'no real compose file nests like this: is it generated or hostile?',
      })
    throw error
  }

  const profiles = options.profiles?.length ? options.profiles : splitList(vars.COMPOSE_PROFILES, ',')
  const name = projectName(vars.COMPOSE_PROJECT_NAME ?? text(entry(model, 'name')) ?? basename(projectDir))
  const show = (abs: string) => {
    const rel = relative(options.cwd, abs)
    return rel.startsWith('..') || isAbsolute(rel) ? abs : rel
  }

  const built = servicesOf({...ctx, show}, model, name, vars, profiles)
  return {name, ...built, warnings, files: [...new Set(ctx.files)]}
}

/** Several top-level files that cannot be read or parsed: each one is reported. */
export class ProjectInputErrors extends InputError {
  constructor(readonly errors: InputError[]) {
    super(errors.map((e) => e.line).join('; '), {where: errors[0]!.where, hint: errors[0]!.hint})
  }
}

/**
 * Read one compose file's text into a service per entry under `services:` (the file alone, no env
 * files read): kept for callers that have the text; loadComposeProject is the whole model.
 */
export function parseComposeFile(path: string, body: string, options: ComposeOptions): ComposeService[] {
  const project = loadComposeProject({
    files: [path],
    cwd: process.cwd(),
    env: options.vars,
    envFiles: [],
    profiles: options.profiles,
    read: (file) => (file.display === path ? body : readFile(file)),
  })
  return project.services
}

function readFile(file: FileRef): string {
  try {
    return readTextDocument(file.abs).text
  } catch (error) {
    if (error instanceof InputError && error.where?.startsWith(file.abs) && file.abs !== file.display) {
      throw new InputError(error.message, {where: file.display + error.where.slice(file.abs.length), hint: error.hint})
    }

    throw error
  }
}

function splitList(value: string | undefined, separator: string): string[] {
  return (value ?? '')
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean)
}

/** The project's variables: its env files (each seeing the environment and the files before it), the environment on top. */
function projectVariables(options: ComposeProjectOptions, projectDir: string, first: FileRef): Vars {
  const env: Record<string, string> = {}
  for (const k in options.env) if (options.env[k] !== undefined) env[k] = options.env[k]!
  const files = options.envFiles?.length
    ? options.envFiles.map((f) => ({display: f, abs: resolve(options.cwd, f)}))
    : options.envFiles
      ? []
      : [join(projectDir, '.env')]
          .filter((f) => existsSync(f))
          .map((abs) => displayOf(first.abs === '-' ? {display: '.env', abs} : first, abs))
  const fromFiles: Record<string, string> = {}
  for (const file of files) {
    let body: string
    try {
      body = readTextDocument(file.abs, {allowEmpty: true}).text
    } catch (error) {
      if (error instanceof InputError)
        throw new InputError(`cannot read env file: ${error.message}`, {where: file.display, hint: error.hint})
      throw error
    }

    for (const [k, e] of parseDotenv(body, file.display, {...fromFiles, ...env})) fromFiles[k] = e.value
  }

  return {...fromFiles, ...env}
}

/** A project name as compose normalises it: lower case, only a-z 0-9 _ -. */
function projectName(raw: string): string {
  return raw.toLowerCase().replaceAll(/[^a-z0-9_-]/g, '')
}

function where(loc: FileLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`
}

/** The model context, and how a file found on the way is named in findings. */
type BuildContext = ModelContext & {show(abs: string): string}

function servicesOf(
  ctx: BuildContext,
  model: TMap,
  project: string,
  vars: Vars,
  profiles: string[],
): {services: ComposeService[]; inactive: string[]} {
  const services = entry(model, 'services')
  const out: ComposeService[] = []
  const inactive: string[] = []
  if (services?.kind !== 'map') return {services: out, inactive}
  const topNetworks = entry(model, 'networks')
  for (const [key, e] of services.entries) {
    const node = e.value.kind === 'map' ? e.value : undefined
    const own = entry(node, 'profiles')
    const list = own?.kind === 'seq' ? own.items.map(text).filter((p): p is string => Boolean(p)) : []
    if (list.length > 0 && !profiles.includes('*') && !list.some((p) => profiles.includes(p))) {
      inactive.push(key)
      continue
    }

    out.push(serviceOf(ctx, key, e.keyLoc, node, project, topNetworks, vars))
  }

  return {services: out, inactive}
}

function labelsOf(node: TNode | undefined, scope: LabelScope): LabelEntry[] {
  return node ? [...toLabels(node, scope).entries.values()] : []
}

function serviceOf(
  ctx: BuildContext,
  key: string,
  keyLoc: FileLocation,
  node: TMap | undefined,
  project: string,
  topNetworks: TNode | undefined,
  vars: Vars,
): ComposeService {
  const build = entry(node, 'build')
  const labels = new Map<string, LabelEntry>()
  // label_file first: what `labels:` says wins, as in compose.
  for (const l of labelFile(ctx, entry(node, 'label_file'), vars)) labels.set(l.key, l)
  for (const l of labelsOf(entry(node, 'labels'), 'labels')) {
    labels.delete(l.key)
    labels.set(l.key, l)
  }

  const set: LabelSet = {
    kind: 'compose',
    name: key,
    displayName: `service ${key}`,
    location: keyLoc,
    labels: [
      ...labelsOf(entry(build, 'labels'), 'build.labels'),
      ...labels.values(),
      ...labelsOf(entry(entry(node, 'deploy'), 'labels'), 'deploy.labels'),
    ],
  }
  const networkMode = text(entry(node, 'network_mode'))
  if (networkMode === 'host') {
    set.portsNotApplicable = 'network_mode: host'
    set.networks = ['host']
  } else if (networkMode && /^(service|container):/.test(networkMode)) {
    set.portsNotApplicable = `network_mode: ${networkMode}`
  } else {
    const {ports, dynamic, declared} = portsOf(node)
    if (declared) set.ports = ports
    if (dynamic) set.portsDynamic = true
    set.networks = networkMode ? [networkMode] : networksOf(node, project, topNetworks)
  }

  return {set, key, dockerfile: dockerfileOf(ctx, key, build)}
}

/** `label_file:` (one file or a list), read as env files; relative to the project directory. */
function labelFile(ctx: BuildContext, node: TNode | undefined, vars: Vars): LabelEntry[] {
  if (!node) return []
  const items = node.kind === 'seq' ? node.items : [node]
  const out: LabelEntry[] = []
  for (const item of items) {
    const path = text(item)
    if (!path || item.kind !== 'scalar') continue
    const abs = resolve(item.dir, path)
    const file = {display: ctx.show(abs), abs}
    ctx.files.push(file.display)
    const defined: Record<string, string> = {}
    for (const k in vars) if (vars[k] !== undefined) defined[k] = vars[k]!
    for (const [k, e] of parseDotenv(ctx.read(file), file.display, defined)) {
      const loc: FileLocation = {kind: 'file', file: file.display, line: e.line, column: 1}
      out.push({
        key: k,
        value: e.value,
        scope: 'labels',
        form: 'list',
        keyLocation: loc,
        valueLocation: loc,
        unresolved: [],
        unknownValue: false,
      })
    }
  }

  return out
}

/** Container ports from `expose` and the target side of `ports` (short and long syntax). */
function portsOf(node: TNode | undefined): {ports: PortDeclaration[]; dynamic: boolean; declared: boolean} {
  const ports: PortDeclaration[] = []
  let dynamic = false
  let declared = false
  const add = (item: TScalar, via: 'expose' | 'ports') => {
    if (item.text === null) return
    if (item.unresolved.length > 0) {
      dynamic = true
      return
    }

    // [[ip:]published:]target[/proto]: the container side is after the last colon.
    const target = item.text
      .replace(/\/(tcp|udp|sctp)$/i, '')
      .split(':')
      .at(-1)!
      .trim()
    const m = /^(\d+)(?:-(\d+))?$/.exec(target)
    if (m) ports.push(m[2] ? {port: Number(m[1]), endPort: Number(m[2]), via} : {port: Number(m[1]), via})
  }

  for (const [field, via] of [
    ['expose', 'expose'],
    ['ports', 'ports'],
  ] as const) {
    const list = entry(node, field)
    if (list?.kind !== 'seq') continue
    declared = true
    for (const item of list.items) {
      if (item.kind === 'scalar') add(item, via)
      else if (item.kind === 'map') {
        const target = entry(item, 'target')
        if (target?.kind === 'scalar') add(target, via)
      }
    }
  }

  return {ports, dynamic, declared}
}

/**
 * The names a service's networks go by: the compose key, the `name:` it was given, and the
 * `<project>_<key>` name compose creates. No `networks:` means the project's default network.
 */
function networksOf(node: TNode | undefined, project: string, topNetworks: TNode | undefined): string[] {
  const list = entry(node, 'networks')
  let keys: string[] = []
  if (list?.kind === 'seq') keys = list.items.map(text).filter((k): k is string => Boolean(k))
  else if (list?.kind === 'map') keys = [...list.entries.keys()]
  else keys = ['default']
  const out = new Set<string>()
  for (const k of keys) {
    out.add(k)
    const explicit = text(entry(entry(topNetworks, k), 'name'))
    out.add(explicit ?? `${project}_${k}`)
  }

  return [...out]
}

/** The Dockerfile `build:` uses (relative to the project directory), or undefined when there is none to read. */
function dockerfileOf(ctx: BuildContext, service: string, build: TNode | undefined): string | undefined {
  let context: TScalar | undefined
  let file = 'Dockerfile'
  if (build?.kind === 'scalar') context = build
  else if (build?.kind === 'map') {
    const inline = entry(build, 'dockerfile_inline')
    if (inline) {
      ctx.warn(
        `${where(inline.loc)}: build.dockerfile_inline is not read; the LABELs and EXPOSEs of service ${service}'s image are not checked`,
      )
      return undefined
    }

    const c = entry(build, 'context')
    context = c?.kind === 'scalar' ? c : undefined
    file = text(entry(build, 'dockerfile')) ?? file
    if (!context) return ctx.show(resolve(dirOf(build), file))
  } else return undefined
  const path = text(context)
  if (!path) return undefined
  if (isRemote(path) || /\.git(#|$)/i.test(path)) {
    ctx.warn(
      `${where(context.loc)}: build context ${path} is remote; the LABELs and EXPOSEs of service ${service}'s image are not checked`,
    )
    return undefined
  }

  const dir = resolve(context.dir, path)
  return ctx.show(resolve(dir, file))
}

function dirOf(node: TNode): string {
  if (node.kind === 'scalar') return node.dir
  if (node.kind === 'map') {
    const first = node.entries.values().next()
    if (!first.done) return dirOf(first.value.value)
  }

  return '.'
}
