import {existsSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {InputError} from './errors.js'
import {readTextDocument} from './input.js'
import {parseYamlSource, toPlain} from './yaml-source.js'

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
}

export const PROJECT_CONFIG_NAMES = ['.mcp.yaml', '.mcp.yml']

/** Nearest .mcp.yaml from cwd upward (stopping at the filesystem root). */
export function findProjectConfig(cwd = process.cwd()): string | undefined {
  let dir = resolve(cwd)
  for (;;) {
    for (const name of PROJECT_CONFIG_NAMES) {
      const p = join(dir, name)
      if (existsSync(p)) return p
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

export function userConfigPath(env = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'mcp', 'config.yaml')
}

function readConfigFile(path: string): Omit<ProjectConfig, 'files'> {
  const {text} = readTextDocument(path, {allowEmpty: true})
  // Same reader as every other YAML input: positions, duplicate keys, alias and depth limits.
  const value = toPlain(parseYamlSource(path, text)) ?? {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('expected a mapping at the top level', {where: path})
  }
  const v = value as Record<string, unknown>
  return {
    rules: (v.rules as Record<string, string>) ?? undefined,
    profiles: (v.profiles as Record<string, Profile>) ?? undefined,
    currentProfile: (v['current-profile'] ?? v.currentProfile) as string | undefined,
  }
}

let cached: {key: string; config: ProjectConfig} | undefined

/** Load and merge the user and project config files (project wins, key by key). */
export function loadProjectConfig(cwd = process.cwd(), env = process.env): ProjectConfig {
  const key = `${cwd}\0${env.XDG_CONFIG_HOME ?? ''}\0${env.MCP_CONFIG ?? ''}`
  if (cached?.key === key) return cached.config
  const files: string[] = []
  const layers: Omit<ProjectConfig, 'files'>[] = []
  const user = userConfigPath(env)
  if (existsSync(user)) {
    files.push(user)
    layers.push(readConfigFile(user))
  }
  const project = env.MCP_CONFIG || findProjectConfig(cwd)
  if (project) {
    files.push(project)
    layers.push(readConfigFile(project))
  }
  const config: ProjectConfig = {files}
  for (const layer of layers) {
    if (layer.rules) config.rules = {...config.rules, ...layer.rules}
    if (layer.profiles) config.profiles = {...config.profiles, ...layer.profiles}
    if (layer.currentProfile) config.currentProfile = layer.currentProfile
  }
  cached = {key, config}
  return config
}
