import {createHash} from 'node:crypto'
import {existsSync, readFileSync, realpathSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, isAbsolute, join, resolve} from 'node:path'

import {InputError} from './errors.js'
import {readTextDocument} from './input.js'
import {didYouMean} from './suggest.js'

/** One named environment: where Docker, etcd and Consul are, and how mcp should talk to them. */
export interface Profile {
  docker?: {host?: string; context?: string; tlsVerify?: boolean; certPath?: string}
  etcd?: {
    endpoints?: string[] | string
    user?: string
    /** Secrets are referenced, never written in the file: an environment variable or a file. */
    passwordEnv?: string
    passwordFile?: string
    cacert?: string
    cert?: string
    key?: string
  }
  consul?: {addr?: string; datacenter?: string; tokenEnv?: string; tokenFile?: string}
  labelPrefix?: string
  registryPrefix?: string
  timeout?: string
  format?: string
}

/** `.mcp.yaml` (project) merged over `$XDG_CONFIG_HOME/mcp/config.yaml` (user). */
export interface ProjectConfig {
  /** Rule severity overrides for the checking commands: id → off|info|warning|error. */
  rules?: Record<string, string>
  profiles?: Record<string, Profile>
  /** The profile used when neither --profile nor MCP_PROFILE says otherwise. */
  currentProfile?: string
  /** Where each part came from, for `mcp config` and error messages. */
  files: string[]
  /** The file each profile was read from (a project profile replaces a user one of the same name). */
  profileFiles?: Record<string, string>
  /** The file that set current-profile. */
  currentProfileFile?: string
  /** What an untrusted project file set that was not used (profile connections, current-profile). */
  ignored?: {file: string; settings: string[]; changed: boolean}
}

/** A project file the user trusted (`mcp config trust`), as recorded in the user config. */
export interface TrustedProject {
  path: string
  sha256: string
}

/** The keys a profile may hold, per section (a typo is an input error with a did-you-mean). */
const PROFILE_KEYS: Record<string, string[] | null> = {
  docker: ['host', 'context', 'tlsVerify', 'certPath'],
  etcd: ['endpoints', 'user', 'passwordEnv', 'passwordFile', 'cacert', 'cert', 'key'],
  consul: ['addr', 'datacenter', 'tokenEnv', 'tokenFile'],
  labelPrefix: null,
  registryPrefix: null,
  timeout: null,
  format: null,
}
/** Values that name files: relative paths are taken from the config file's directory (as kubeconfig does). */
const PATH_KEYS: Record<string, string[]> = {
  docker: ['certPath'],
  etcd: ['passwordFile', 'cacert', 'cert', 'key'],
  consul: ['tokenFile'],
}
/** Secrets written into the file itself are refused: they belong in the environment or a file. */
const LITERAL_SECRETS: Record<string, string> = {
  password: 'passwordEnv or passwordFile',
  token: 'tokenEnv or tokenFile',
}

function expandPath(value: string, base: string): string {
  if (value === '~' || value.startsWith('~/')) return join(homedir(), value.slice(1))
  return isAbsolute(value) ? value : resolve(base, value)
}

/** Check one profile's shape and make its file paths absolute. */
function checkProfile(name: string, raw: unknown, file: string): Profile {
  const where = `${file}: profiles.${name}`
  if (raw === null || raw === undefined) return {}
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError('expected a mapping of settings', {where})
  const out: Record<string, unknown> = {}
  for (const [section, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!(section in PROFILE_KEYS)) {
      const guess = didYouMean(section, Object.keys(PROFILE_KEYS))
      throw new InputError(`unknown setting "${section}"`, {
        where,
        hint: guess ? `did you mean "${guess}"?` : `settings: ${Object.keys(PROFILE_KEYS).join(', ')}`,
      })
    }

    const keys = PROFILE_KEYS[section]
    if (keys === null) {
      if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number') {
        throw new InputError(`${section}: expected a string`, {where})
      }

      if (value !== undefined && value !== null) out[section] = String(value)
      continue
    }

    if (value === null || value === undefined) continue
    if (typeof value !== 'object' || Array.isArray(value))
      throw new InputError(`${section}: expected a mapping`, {where})
    const part: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key in LITERAL_SECRETS && keys.includes(`${key}Env`)) {
        throw new InputError(`${section}.${key}: secrets are not written in config files`, {
          where,
          hint: `reference it with ${section}.${LITERAL_SECRETS[key]}`,
        })
      }

      if (section === 'etcd' && key === 'user' && typeof v === 'string' && v.includes(':')) {
        throw new InputError('etcd.user: "name:password" writes a secret into the file', {
          where,
          hint: 'set etcd.user to the name and reference the password with etcd.passwordEnv or etcd.passwordFile',
        })
      }

      if (!keys.includes(key)) {
        const guess = didYouMean(key, keys)
        throw new InputError(`unknown setting "${section}.${key}"`, {
          where,
          hint: guess ? `did you mean "${section}.${guess}"?` : `${section} settings: ${keys.join(', ')}`,
        })
      }

      part[key] = typeof v === 'string' && PATH_KEYS[section]?.includes(key) ? expandPath(v, dirname(file)) : v
    }

    out[section] = part
  }

  return out as Profile
}

export const PROJECT_CONFIG_NAMES = ['.mcp.yaml', '.mcp.yml']

/**
 * Nearest .mcp.yaml from cwd upward, stopping at the repository root (a directory holding .git) or
 * $HOME: a file left in a shared directory above them (/tmp) is not the project's.
 */
export function findProjectConfig(cwd = process.cwd(), home = process.env.HOME || homedir()): string | undefined {
  let dir = resolve(cwd)
  const stop = home ? resolve(home) : undefined
  for (;;) {
    for (const name of PROJECT_CONFIG_NAMES) {
      const p = join(dir, name)
      if (existsSync(p)) return p
    }

    if (dir === stop || existsSync(join(dir, '.git'))) return undefined
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

export function userConfigPath(env = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'mcp', 'config.yaml')
}

type ConfigLayer = Pick<ProjectConfig, 'rules' | 'profiles' | 'currentProfile'> & {trustedProjects?: TrustedProject[]}

/** The SHA-256 of a file's bytes: what `mcp config trust` records, so a changed file is trusted again only on request. */
export function fileDigest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** The trusted-projects list of the user config (entries that are not {path, sha256} strings are skipped). */
function trustedList(value: unknown): TrustedProject[] {
  if (!Array.isArray(value)) return []
  return value.filter(
    (e): e is TrustedProject =>
      e !== null &&
      typeof e === 'object' &&
      typeof (e as TrustedProject).path === 'string' &&
      typeof (e as TrustedProject).sha256 === 'string',
  )
}

/** Profile settings that route traffic or name secrets: a project file sets them only once trusted. */
const ROUTING_SECTIONS = ['docker', 'etcd', 'consul'] as const

async function readConfigFile(path: string): Promise<ConfigLayer> {
  const {text} = readTextDocument(path, {allowEmpty: true})
  // The YAML reader is loaded only when there is a file to read: most runs have none, and loading it
  // costs every command's start (docs/performance.md).
  const {parseYamlSource, toPlain} = await import('./yaml-source.js')
  // Same reader as every other YAML input: positions, duplicate keys, alias and depth limits.
  const value = toPlain(parseYamlSource(path, text)) ?? {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('expected a mapping at the top level', {where: path})
  }

  const v = value as Record<string, unknown>
  let profiles: Record<string, Profile> | undefined
  if (v.profiles !== undefined && v.profiles !== null) {
    if (typeof v.profiles !== 'object' || Array.isArray(v.profiles))
      throw new InputError('profiles: expected a mapping of name to settings', {where: path})
    profiles = Object.create(null) as Record<string, Profile>
    for (const [name, raw] of Object.entries(v.profiles as Record<string, unknown>))
      profiles[name] = checkProfile(name, raw, path)
  }

  const current = v['current-profile'] ?? v.currentProfile
  if (current !== undefined && current !== null && typeof current !== 'string') {
    throw new InputError('current-profile: expected a profile name', {where: path})
  }

  return {
    rules: (v.rules as Record<string, string>) ?? undefined,
    profiles,
    currentProfile: (current as string | null) ?? undefined,
    trustedProjects: trustedList(v['trusted-projects']),
  }
}

/**
 * What an untrusted project file may not set: current-profile, and in each profile the docker, etcd
 * and consul sections (endpoints, TLS files, secret references); nor may it replace a user profile.
 * Rules, label and registry prefixes, timeout and format stay. Returns the names of what was dropped.
 */
function withoutRouting(layer: ConfigLayer, user: ConfigLayer | undefined): string[] {
  const dropped: string[] = []
  if (layer.currentProfile) {
    dropped.push(`current-profile ${layer.currentProfile}`)
    layer.currentProfile = undefined
  }

  for (const [name, profile] of Object.entries(layer.profiles ?? {})) {
    if (user?.profiles && Object.hasOwn(user.profiles, name)) {
      dropped.push(`profile ${name} (replaces yours)`)
      delete layer.profiles![name]
      continue
    }

    const sections = ROUTING_SECTIONS.filter((section) => profile[section] !== undefined)
    for (const section of sections) delete profile[section]
    if (sections.length > 0) dropped.push(`profiles.${name}.${sections.join('/')}`)
  }

  return dropped
}

/** Where warnings of the config loader go (BaseCommand routes them through --quiet and escaping). */
let warn: (line: string) => void = (line) => process.stderr.write(line + '\n')
export function setConfigWarningSink(sink: (line: string) => void): void {
  warn = sink
}

let cached: {key: string; config: ProjectConfig} | undefined

/** Load and merge the user and project config files (project wins, key by key). */
export async function loadProjectConfig(cwd = process.cwd(), env = process.env): Promise<ProjectConfig> {
  const key = `${cwd}\0${env.XDG_CONFIG_HOME ?? ''}\0${env.MCP_CONFIG ?? ''}\0${env.HOME ?? ''}`
  if (cached?.key === key) return cached.config
  const files: string[] = []
  const layers: ConfigLayer[] = []
  const user = userConfigPath(env)
  let userLayer: ConfigLayer | undefined
  if (existsSync(user)) {
    files.push(user)
    layers.push((userLayer = await readConfigFile(user)))
  }

  const config: ProjectConfig = {files}
  // MCP_CONFIG is the user's own choice of file; one found by searching is the repository's.
  const project = env.MCP_CONFIG || findProjectConfig(cwd, env.HOME || homedir())
  if (project) {
    files.push(project)
    const layer = await readConfigFile(project)
    if (!env.MCP_CONFIG) {
      const trust = projectTrust(project, userLayer?.trustedProjects ?? [])
      if (trust !== 'trusted') {
        const settings = withoutRouting(layer, userLayer)
        if (settings.length > 0) {
          config.ignored = {file: project, settings, changed: trust === 'changed'}
          warn(untrustedWarning(config.ignored))
        }
      }
    }

    layers.push(layer)
  }

  layers.forEach((layer, i) => {
    if (layer.rules) config.rules = {...config.rules, ...layer.rules}
    if (layer.profiles) {
      config.profiles = Object.assign(config.profiles ?? Object.create(null), layer.profiles)
      config.profileFiles ??= Object.create(null) as Record<string, string>
      for (const name of Object.keys(layer.profiles)) config.profileFiles[name] = files[i]!
    }

    if (layer.currentProfile) {
      config.currentProfile = layer.currentProfile
      config.currentProfileFile = files[i]
    }
  })
  cached = {key, config}
  return config
}

/** Whether the user trusted this file as it is now: recorded by real path with its SHA-256. */
function projectTrust(file: string, trusted: TrustedProject[]): 'trusted' | 'changed' | 'unknown' {
  let real: string
  try {
    real = realpathSync(file)
  } catch {
    return 'unknown'
  }

  const entries = trusted.filter((t) => t.path === real)
  if (entries.length === 0) return 'unknown'
  return entries.some((t) => t.sha256 === fileDigest(real)) ? 'trusted' : 'changed'
}

export function untrustedWarning(ignored: NonNullable<ProjectConfig['ignored']>): string {
  const why = ignored.changed ? 'has changed since you trusted it' : 'is not trusted'
  return (
    `mcp: warning: ${ignored.file} ${why}: ignored ${ignored.settings.join(', ')} (a project file chooses endpoints and secret ` +
    `references only once trusted); if it is yours, run: mcp config trust ${ignored.file}`
  )
}
