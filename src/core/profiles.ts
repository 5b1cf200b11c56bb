import {existsSync, mkdirSync, readFileSync, realpathSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, resolve as resolvePath} from 'node:path'
import {isMap, isScalar, isSeq, parseDocument} from 'yaml'

import {writeFileAtomic} from './atomic-write.js'
import {
  ConnectionFlagValues,
  DockerConnection,
  Origin,
  profileFormat,
  resolveConnections,
  selectProfile,
  SettingOrigin,
} from './connections.js'
import {docsUrl} from './docs-url.js'
import {formatDuration} from './duration.js'
import {InputError, McpError, UsageError} from './errors.js'
import {fileDigest, findProjectConfig, loadProjectConfig, ProjectConfig, userConfigPath} from './project-config.js'
import {redact} from './redact.js'
import {didYouMean} from './suggest.js'

/** `mcp config list`: every profile, the file it came from, and which one is current. */
export interface ProfileList {
  profiles: {name: string; file: string; scope: 'user' | 'project'; current: boolean}[]
  /** The profile in use and what chose it; null when none is selected. */
  current: {name: string; selectedBy: 'flag' | 'env' | 'current-profile'; file?: string; defined: boolean} | null
  /** The config files read, user first. */
  files: string[]
}

export function listProfiles(
  config: ProjectConfig,
  flagProfile: string | undefined,
  env: NodeJS.ProcessEnv,
): ProfileList {
  const user = userConfigPath(env)
  const selectedBy: 'flag' | 'env' | 'current-profile' | undefined = flagProfile
    ? 'flag'
    : env.MCP_PROFILE
      ? 'env'
      : config.currentProfile
        ? 'current-profile'
        : undefined
  const currentName = flagProfile || env.MCP_PROFILE || config.currentProfile
  const profiles = Object.keys(config.profiles ?? {})
    .sort()
    .map((name) => {
      const file = config.profileFiles?.[name] ?? ''
      return {
        name,
        file,
        scope: file === user ? ('user' as const) : ('project' as const),
        current: name === currentName,
      }
    })
  const current =
    currentName && selectedBy
      ? {
          name: currentName,
          selectedBy,
          file: selectedBy === 'current-profile' ? config.currentProfileFile : undefined,
          defined: Boolean(config.profiles && Object.hasOwn(config.profiles, currentName)),
        }
      : null
  return {profiles, current, files: config.files}
}

/** One resolved setting of `mcp config show`. Secrets carry a description, never their value. */
export interface ShownSetting {
  key: string
  value: string | null
  from: Origin
  /** The flag, variable or profile key it came from. */
  via?: string
  secret?: boolean
  /** e.g. "file not found" for a TLS file that does not exist. */
  note?: string
}

export interface ProfileShow {
  profile: {name: string; file?: string; selectedBy: 'flag' | 'env' | 'current-profile'} | null
  settings: ShownSetting[]
}

const FILE_SETTINGS = new Set(['docker.certPath', 'etcd.cacert', 'etcd.cert', 'etcd.key'])

/**
 * Resolve the connection settings exactly as a command would (flag > environment > profile >
 * default) and say where each came from. Unreadable secret files are noted, not fatal.
 */
export function showProfile(
  flags: ConnectionFlagValues & {source?: string},
  env: NodeJS.ProcessEnv,
  config: ProjectConfig,
  formats: readonly string[],
): ProfileShow {
  const selection = selectProfile(config, flags.profile, env)
  const c = resolveConnections(flags, env, config, {lenient: true})
  const origins = c.origins ?? {}
  const settings: ShownSetting[] = []
  const add = (key: string, value: string | null | undefined, extra: Partial<ShownSetting> = {}): void => {
    const o: SettingOrigin = origins[key] ?? {from: 'default'}
    // A URL setting may carry a password (tcp://user:pw@host): shown, like every secret, only as redacted.
    const s: ShownSetting = {key, value: value ? redact(value) : (value ?? null), from: o.from, ...extra}
    if (o.via) s.via = o.via
    if (FILE_SETTINGS.has(key) && value && !existsSync(value)) s.note = 'file not found'
    settings.push(s)
  }

  const secret = (key: string): void => {
    const o = origins[key]
    settings.push(
      o
        ? {key, value: o.secret ?? '[set]', from: o.from, via: o.via, secret: true}
        : {key, value: null, from: 'default', secret: true},
    )
  }

  add(
    'docker',
    c.dockers.map(dockerTarget).filter(Boolean).join(', ') || undefined,
    origins.docker ? {} : {note: "docker's own default: the current docker context, else unix:///var/run/docker.sock"},
  )
  add('docker.tlsVerify', c.docker.tlsVerify === undefined ? undefined : String(c.docker.tlsVerify))
  add('docker.certPath', c.docker.certPath)
  add('etcd.endpoints', c.etcd.endpoints.join(','))
  add('etcd.user', c.etcd.user)
  secret('etcd.password')
  add('etcd.cacert', c.etcd.cacert)
  add('etcd.cert', c.etcd.cert)
  add('etcd.key', c.etcd.key)
  add('consul.addr', c.consul?.addr)
  if (c.consul) {
    secret('consul.token')
    add('consul.datacenter', c.consul.datacenter)
  }

  add('timeout', formatDuration(c.timeoutMs))
  add('labelPrefix', c.labelPrefix)
  add('registryPrefix', c.registryPrefix)
  add('sources', c.sources.join(','))
  const format = profileFormat(flags.profile, env, config, formats)
  settings.push({
    key: 'format',
    value: format.format,
    from: format.origin.from,
    ...(format.origin.via ? {via: format.origin.via} : {}),
  })
  const profile = selection.name
    ? {name: selection.name, file: config.profileFiles?.[selection.name], selectedBy: selection.selectedBy!}
    : null
  return {profile, settings}
}

function dockerTarget(d: DockerConnection): string | undefined {
  if (d.allContexts) return 'every docker context'
  if (d.host) return d.host
  if (d.context) return `context ${d.context}`
  return undefined
}

export interface UseResult {
  currentProfile: string
  previous: string | null
  /** The user config file written. */
  file: string
  /** Why the new current-profile may not take effect here (MCP_PROFILE, a project current-profile). */
  overriddenBy?: string
}

/**
 * `mcp config use NAME`: set current-profile in the user config file. The file is edited through
 * yaml's Document API (comments, order and other keys kept) and replaced atomically.
 */
export function useProfile(name: string, config: ProjectConfig, env: NodeJS.ProcessEnv): UseResult {
  const known = Object.keys(config.profiles ?? {})
  if (!known.includes(name)) {
    const guess = didYouMean(name, known)
    throw new UsageError(`profile "${name}" is not defined`, {
      hint: guess
        ? `did you mean "${guess}"?`
        : known.length > 0
          ? `known profiles: ${known.join(', ')}`
          : `define profiles in .mcp.yaml or ~/.config/mcp/config.yaml (${docsUrl('profiles.md')})`,
    })
  }

  const file = userConfigPath(env)
  const {text, doc} = readUserConfigDocument(file)
  // Keep the spelling the file already uses.
  const key = doc.has('currentProfile') && !doc.has('current-profile') ? 'currentProfile' : 'current-profile'
  const previous = doc.get(key)
  let updated: string
  const node = doc.get(key, true)
  if (isScalar(node) && node.range) {
    // Replace just the value's bytes: spacing, comments and flow style elsewhere stay exactly as written.
    updated = text.slice(0, node.range[0]) + yamlScalar(name) + text.slice(node.range[1])
  } else {
    doc.set(key, name)
    updated = doc.toString({flowCollectionPadding: false})
  }

  writeUserConfig(file, updated)
  const result: UseResult = {currentProfile: name, previous: typeof previous === 'string' ? previous : null, file}
  const project =
    config.currentProfileFile && config.currentProfileFile !== file ? config.currentProfileFile : undefined
  if (env.MCP_PROFILE) result.overriddenBy = `MCP_PROFILE=${env.MCP_PROFILE}`
  else if (project) result.overriddenBy = `current-profile in ${project}`
  return result
}

/** The user config file as a yaml Document (comments and order kept), or an input error naming it. */
function readUserConfigDocument(file: string): {text: string; doc: ReturnType<typeof parseDocument>} {
  let text = ''
  if (existsSync(file)) {
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new InputError(`cannot read config file: ${(error as NodeJS.ErrnoException).code ?? error}`, {where: file})
    }
  }

  const doc = parseDocument(text, {uniqueKeys: true})
  if (doc.errors.length > 0) {
    const pos = doc.errors[0]!.linePos?.[0]
    throw new InputError(doc.errors[0]!.message.split('\n')[0]!, {
      where: pos ? `${file}:${pos.line}:${pos.col}` : file,
      hint: 'fix the YAML syntax; nothing was written',
    })
  }

  if (doc.contents !== null && !isMap(doc.contents))
    throw new InputError('expected a mapping at the top level; nothing was written', {where: file})
  return {text, doc}
}

function writeUserConfig(file: string, updated: string): void {
  try {
    mkdirSync(dirname(file), {recursive: true})
    // An existing file keeps its permissions (writeFileAtomic); a new one is the user's to read.
    writeFileAtomic(file, updated, {mode: 0o644})
  } catch (error) {
    if (error instanceof McpError) throw error
    throw new InputError(`cannot write config file: ${(error as NodeJS.ErrnoException).code ?? error}`, {where: file})
  }
}

export interface TrustResult {
  /** The project file trusted (its real path). */
  file: string
  sha256: string
  /** The user config file written. */
  userFile: string
}

/**
 * `mcp config trust [PATH]`: record a project file (default: the one found from cwd) with the
 * SHA-256 of its content under trusted-projects in the user config, as git's safe.directory and
 * direnv's allow do. Its profiles and current-profile count from then on, until it changes.
 * The file must parse (a broken file is not trusted).
 */
export async function trustProjectFile(
  path: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): Promise<TrustResult> {
  const found = path ? resolvePath(cwd, path) : findProjectConfig(cwd, env.HOME || homedir())
  if (!found)
    throw new UsageError('no .mcp.yaml here or above (up to the repository root or $HOME)', {
      hint: 'give the file: mcp config trust PATH',
    })
  let real: string
  try {
    real = realpathSync(found)
  } catch (error) {
    throw new InputError(`cannot read project file: ${(error as NodeJS.ErrnoException).code ?? error}`, {where: found})
  }

  // Parsed with the project config reader: a file that would fail every command is not recorded.
  await loadProjectConfig(cwd, {...env, MCP_CONFIG: real})
  const sha256 = fileDigest(real)
  const userFile = userConfigPath(env)
  const {doc} = readUserConfigDocument(userFile)
  const list = doc.get('trusted-projects', true)
  const entry = doc.createNode({path: real, sha256})
  if (isSeq(list)) {
    const at = list.items.findIndex((item) => isMap(item) && item.get('path') === real)
    if (at === -1) {
      list.items.push(entry)
    } else {
      list.items[at] = entry
    }
  } else {
    doc.set('trusted-projects', doc.createNode([{path: real, sha256}]))
  }

  writeUserConfig(userFile, doc.toString({flowCollectionPadding: false}))
  return {file: real, sha256, userFile}
}

/** A plain scalar when YAML reads it back as the same string, else a double-quoted one. */
function yamlScalar(value: string): string {
  const plain = /^[A-Za-z_][\w.-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(value)
  return plain ? value : JSON.stringify(value)
}
