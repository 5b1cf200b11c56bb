import {readFileSync} from 'node:fs'

import {docsUrl} from './docs-url.js'
import {parseDurationFlag} from './duration.js'
import {InputError, UsageError} from './errors.js'
import {Profile, ProjectConfig} from './project-config.js'
import {registerSecret} from './redact.js'
import {didYouMean} from './suggest.js'

export type SourceName = 'docker' | 'etcd' | 'consul'
export const SOURCE_NAMES: SourceName[] = ['docker', 'etcd', 'consul']

export interface DockerConnection {
  /** A DOCKER_HOST-style URL: unix:///var/run/docker.sock, tcp://host:2376, ssh://... */
  host?: string
  /** A docker CLI context name (read from the context store). */
  context?: string
  /** Every context in the store (expanded by src/docker/client.ts expandDockerConnections). */
  allContexts?: boolean
  tlsVerify?: boolean
  certPath?: string
}

export interface EtcdConnection {
  endpoints: string[]
  user?: string
  password?: string
  cacert?: string
  cert?: string
  key?: string
  /** True when the endpoints came from a flag, environment or profile rather than the default. */
  configured: boolean
}

export interface ConsulConnection {
  addr: string
  token?: string
  datacenter?: string
}

/** Everything the sources need to connect, resolved once: flag > environment > profile > default. */
export interface Connections {
  /** The first (usually only) Docker daemon: what single-host consumers use. */
  docker: DockerConnection
  /**
   * Every Docker daemon to ask (repeated --docker-host / --context, --all-contexts), in order;
   * docker is dockers[0]. discover and doctor ask them all in parallel.
   */
  dockers: DockerConnection[]
  etcd: EtcdConnection
  consul?: ConsulConnection
  /** Connect/request timeout for each source. */
  timeoutMs: number
  labelPrefix: string
  registryPrefix: string
  /** Which sources to ask. */
  sources: SourceName[]
  profileName?: string
  /** Where each setting came from (for `mcp config show`); secrets are described, never included. */
  origins?: Record<string, SettingOrigin>
}

/** The flag values commands collect with the shared connection flags (src/cli/flags.ts). */
export interface ConnectionFlagValues {
  'docker-host'?: string | string[]
  context?: string | string[]
  'all-contexts'?: boolean
  'etcd-endpoints'?: string
  'etcd-user'?: string
  'etcd-cacert'?: string
  'etcd-cert'?: string
  'etcd-key'?: string
  'registry-prefix'?: string
  'consul-addr'?: string
  timeout?: string
  'label-prefix'?: string
  source?: string
  profile?: string
}

export const DEFAULT_ETCD_ENDPOINT = 'http://127.0.0.1:2379'
export const DEFAULT_TIMEOUT = '3s'
export const DEFAULT_LABEL_PREFIX = 'mcp'
export const DEFAULT_REGISTRY_PREFIX = '/services/'

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

const splitList = (v: string | string[] | undefined): string[] | undefined => {
  if (v === undefined) return undefined
  const list = (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean)
  return list.length > 0 ? list : undefined
}

/** Where a resolved setting came from: flag > environment > profile > default. */
export type Origin = 'flag' | 'env' | 'profile' | 'default'

export interface SettingOrigin {
  from: Origin
  /** The flag (--etcd-endpoints), variable (ETCDCTL_ENDPOINTS) or profile key (etcd.endpoints). */
  via?: string
  /** For secrets: where the value is read from, never the value: "[from env X]", "[from file F]", "[set]". */
  secret?: string
}

export interface ResolveOptions {
  /**
   * Do not fail on an unreadable secret file; note it in the origin instead (`mcp config show`
   * shows what it can).
   */
  lenient?: boolean
}

function readSecretFile(path: string, what: string, onError?: (message: string) => void): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (error) {
    const message = `cannot read ${what} from ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`
    if (onError) {
      onError(message)
      return undefined
    }

    throw new InputError(message, {hint: 'check the file named in the profile or the environment'})
  }
}

export interface ProfileSelection {
  name?: string
  profile: Profile
  /** What chose it: --profile, MCP_PROFILE, or current-profile in a config file. */
  selectedBy?: 'flag' | 'env' | 'current-profile'
}

export function selectProfile(
  config: ProjectConfig | undefined,
  flagProfile: string | undefined,
  env: NodeJS.ProcessEnv,
): ProfileSelection {
  const selectedBy = flagProfile
    ? 'flag'
    : env.MCP_PROFILE
      ? 'env'
      : config?.currentProfile
        ? 'current-profile'
        : undefined
  const name = flagProfile || env.MCP_PROFILE || config?.currentProfile
  if (!name) return {profile: {}}
  // Own properties only: `current-profile: toString` names no profile.
  const profile = config?.profiles && Object.hasOwn(config.profiles, name) ? config.profiles[name] : undefined
  if (!profile) {
    const known = Object.keys(config?.profiles ?? {})
    const guess = didYouMean(name, known)
    const by =
      selectedBy === 'env'
        ? ' (from MCP_PROFILE)'
        : selectedBy === 'current-profile'
          ? ` (current-profile in ${config?.currentProfileFile})`
          : ''
    throw new UsageError(`profile "${name}"${by} is not defined`, {
      hint: guess
        ? `did you mean "${guess}"? (mcp config list shows them all)`
        : known.length > 0
          ? `known profiles: ${known.join(', ')}`
          : `define profiles in .mcp.yaml or ~/.config/mcp/config.yaml (${docsUrl('profiles.md')})`,
    })
  }

  return {name, profile, selectedBy}
}

/** The first defined candidate wins; its origin is recorded under key. */
type Candidate<T> = [Origin, string | undefined, T | undefined]
function pick<T>(origins: Record<string, SettingOrigin>, key: string, candidates: Candidate<T>[]): T | undefined {
  for (const [from, via, value] of candidates) {
    if (value !== undefined && value !== '') {
      origins[key] = via ? {from, via} : {from}
      return value
    }
  }

  return undefined
}

/** What every per-source resolver reads, and where it records each setting's origin. */
interface ResolveContext {
  flags: ConnectionFlagValues
  env: NodeJS.ProcessEnv
  /** The selected profile ({} when none). */
  profile: Profile
  origins: Record<string, SettingOrigin>
  /** A secret file that cannot be read is noted in its origin, not thrown (mcp config show). */
  lenient: boolean
}

/**
 * Connection settings, each source resolved on its own (Docker, etcd, Consul, then the settings
 * every command shares) with one precedence: flag > environment > profile > default.
 */
export function resolveConnections(
  flags: ConnectionFlagValues,
  env: NodeJS.ProcessEnv = process.env,
  config?: ProjectConfig,
  options: ResolveOptions = {},
): Connections {
  const {name: profileName, profile} = selectProfile(config, flags.profile, env)
  const ctx: ResolveContext = {flags, env, profile, origins: {}, lenient: Boolean(options.lenient)}
  const dockers = resolveDockers(ctx)
  const etcd = resolveEtcd(ctx)
  const consul = resolveConsul(ctx)
  const shared = resolveShared(ctx)
  const sources = resolveSources(flags.source, etcd, consul)
  ctx.origins.sources = flags.source ? {from: 'flag', via: '--source'} : {from: 'default'}
  return {docker: dockers[0]!, dockers, etcd, consul, ...shared, sources, profileName, origins: ctx.origins}
}

/** The precedence of one string setting: --flag > ENV > profile key > default; its origin recorded under key. */
function layered(
  ctx: ResolveContext,
  key: string,
  flag: keyof ConnectionFlagValues,
  envName: string,
  profileValue: string | undefined,
  fallback?: string,
): string | undefined {
  return pick(ctx.origins, key, [
    ['flag', `--${flag}`, ctx.flags[flag] as string | undefined],
    ['env', envName, ctx.env[envName]],
    ['profile', key, profileValue],
    ['default', undefined, fallback],
  ])
}

/**
 * Docker: flags beat the environment; DOCKER_HOST beats DOCKER_CONTEXT, as the docker CLI does.
 * Several --docker-host / --context flags (or --all-contexts) ask several daemons; none given, one
 * daemon at docker's own default.
 */
function resolveDockers({flags, env, profile, origins}: ResolveContext): DockerConnection[] {
  const tlsEnv =
    env.DOCKER_TLS_VERIFY === undefined ? undefined : env.DOCKER_TLS_VERIFY !== '0' && env.DOCKER_TLS_VERIFY !== ''
  const tlsVerify = pick(origins, 'docker.tlsVerify', [
    ['env', 'DOCKER_TLS_VERIFY', tlsEnv],
    ['profile', 'docker.tlsVerify', profile.docker?.tlsVerify],
  ])
  const certPath = pick(origins, 'docker.certPath', [
    ['env', 'DOCKER_CERT_PATH', env.DOCKER_CERT_PATH],
    ['profile', 'docker.certPath', profile.docker?.certPath],
  ])
  const flagHosts = asList(flags['docker-host'])
  const flagContexts = asList(flags.context)
  const flagDockers: DockerConnection[] = [
    ...flagHosts.map((host) => ({host})),
    ...flagContexts.map((context) => ({context})),
  ]
  const targets = pick<DockerConnection[]>(origins, 'docker', [
    ['flag', '--all-contexts', flags['all-contexts'] ? [{allContexts: true}] : undefined],
    ['flag', flagHosts.length > 0 ? '--docker-host' : '--context', flagDockers.length > 0 ? flagDockers : undefined],
    ['env', 'DOCKER_HOST', env.DOCKER_HOST ? [{host: env.DOCKER_HOST}] : undefined],
    ['env', 'DOCKER_CONTEXT', env.DOCKER_CONTEXT ? [{context: env.DOCKER_CONTEXT}] : undefined],
    ['profile', 'docker.host', profile.docker?.host ? [{host: profile.docker.host}] : undefined],
    ['profile', 'docker.context', profile.docker?.context ? [{context: profile.docker.context}] : undefined],
  ])
  return (targets ?? [{}]).map((d) => ({...d, tlsVerify, certPath}))
}

/** etcd: endpoints, user and password, TLS files; an endpoint without a scheme is TLS when TLS files are given. */
function resolveEtcd(ctx: ResolveContext): EtcdConnection {
  const {flags, env, profile, origins} = ctx
  const endpointList = pick(origins, 'etcd.endpoints', [
    ['flag', '--etcd-endpoints', splitList(flags['etcd-endpoints'])],
    ['env', 'ETCDCTL_ENDPOINTS', splitList(env.ETCDCTL_ENDPOINTS)],
    ['profile', 'etcd.endpoints', splitList(profile.etcd?.endpoints)],
  ])
  origins['etcd.endpoints'] ??= {from: 'default'}
  const {user, password} = resolveEtcdCredentials(ctx)
  const cacert = layered(ctx, 'etcd.cacert', 'etcd-cacert', 'ETCDCTL_CACERT', profile.etcd?.cacert)
  const cert = layered(ctx, 'etcd.cert', 'etcd-cert', 'ETCDCTL_CERT', profile.etcd?.cert)
  const key = layered(ctx, 'etcd.key', 'etcd-key', 'ETCDCTL_KEY', profile.etcd?.key)
  // As etcdctl: never the password in clear to an endpoint that only looks local.
  const tls = Boolean(cacert || cert || key)
  const endpoints = (endpointList ?? [DEFAULT_ETCD_ENDPOINT]).map((e) => normalizeEtcdEndpoint(e, tls))
  if (key) origins['etcd.key']!.secret = `[file ${key}]`
  return {endpoints, user, password, cacert, cert, key, configured: endpointList !== undefined}
}

/**
 * etcdctl's --user takes "name" or "name:password"; then ETCDCTL_PASSWORD, then the profile's
 * passwordEnv, then its passwordFile. The password is registered as a secret (never printed).
 */
function resolveEtcdCredentials(ctx: ResolveContext): {user?: string; password?: string} {
  const {env, profile, origins} = ctx
  let user = layered(ctx, 'etcd.user', 'etcd-user', 'ETCDCTL_USER', profile.etcd?.user)
  let password: string | undefined
  if (user?.includes(':')) {
    const i = user.indexOf(':')
    password = user.slice(i + 1)
    user = user.slice(0, i)
    origins['etcd.password'] = {...origins['etcd.user']!, secret: '[set]'}
  }

  if (!password && env.ETCDCTL_PASSWORD) {
    password = env.ETCDCTL_PASSWORD
    origins['etcd.password'] = {from: 'env', via: 'ETCDCTL_PASSWORD', secret: '[from env ETCDCTL_PASSWORD]'}
  }

  const passwordEnv = profile.etcd?.passwordEnv
  if (!password && passwordEnv) {
    password = env[passwordEnv] || undefined
    origins['etcd.password'] = {
      from: 'profile',
      via: 'etcd.passwordEnv',
      secret: `[from env ${passwordEnv}]${password ? '' : ' (not set)'}`,
    }
  }

  if (!password && profile.etcd?.passwordFile) {
    origins['etcd.password'] = {
      from: 'profile',
      via: 'etcd.passwordFile',
      secret: `[from file ${profile.etcd.passwordFile}]`,
    }
    password = readSecretFile(
      profile.etcd.passwordFile,
      'the etcd password',
      ctx.lenient ? noteError(origins, 'etcd.password') : undefined,
    )
  }

  registerSecret(password)
  return {user, password}
}

/** Consul: asked only with an address; the token from CONSUL_HTTP_TOKEN(_FILE), then the profile's tokenEnv, tokenFile. */
function resolveConsul(ctx: ResolveContext): ConsulConnection | undefined {
  const {env, profile, origins} = ctx
  const addr = layered(ctx, 'consul.addr', 'consul-addr', 'CONSUL_HTTP_ADDR', profile.consul?.addr)
  if (!addr) return undefined
  let token: string | undefined
  const tokenOrigin = (from: Origin, via: string, secret: string) => (origins['consul.token'] = {from, via, secret})
  const unreadable = () => (ctx.lenient ? noteError(origins, 'consul.token') : undefined)
  if (env.CONSUL_HTTP_TOKEN) {
    token = env.CONSUL_HTTP_TOKEN
    tokenOrigin('env', 'CONSUL_HTTP_TOKEN', '[from env CONSUL_HTTP_TOKEN]')
  } else if (env.CONSUL_HTTP_TOKEN_FILE) {
    tokenOrigin('env', 'CONSUL_HTTP_TOKEN_FILE', `[from file ${env.CONSUL_HTTP_TOKEN_FILE}]`)
    token = readSecretFile(env.CONSUL_HTTP_TOKEN_FILE, 'the Consul token', unreadable())
  }

  if (!token && profile.consul?.tokenEnv) {
    token = env[profile.consul.tokenEnv] || undefined
    tokenOrigin('profile', 'consul.tokenEnv', `[from env ${profile.consul.tokenEnv}]${token ? '' : ' (not set)'}`)
  }

  if (!token && profile.consul?.tokenFile) {
    tokenOrigin('profile', 'consul.tokenFile', `[from file ${profile.consul.tokenFile}]`)
    token = readSecretFile(profile.consul.tokenFile, 'the Consul token', unreadable())
  }

  registerSecret(token)
  const datacenter = pick(origins, 'consul.datacenter', [['profile', 'consul.datacenter', profile.consul?.datacenter]])
  return {addr: normalizeConsulAddr(addr), token, datacenter}
}

/** The settings every source shares: the timeout, the label prefix, the registry prefix. */
function resolveShared(ctx: ResolveContext): Pick<Connections, 'timeoutMs' | 'labelPrefix' | 'registryPrefix'> {
  const {profile} = ctx
  const timeoutMs = parseDurationFlag(
    'timeout',
    layered(ctx, 'timeout', 'timeout', 'MCP_TIMEOUT', profile.timeout, DEFAULT_TIMEOUT)!,
  )
  const labelPrefix = layered(
    ctx,
    'labelPrefix',
    'label-prefix',
    'MCP_LABEL_PREFIX',
    profile.labelPrefix,
    DEFAULT_LABEL_PREFIX,
  )!
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(labelPrefix)) {
    throw new UsageError(`--label-prefix "${labelPrefix}" is not a label key prefix`, {
      hint: 'use lowercase letters, digits, dots and dashes, e.g. mcp',
    })
  }

  let registryPrefix = layered(
    ctx,
    'registryPrefix',
    'registry-prefix',
    'MCP_REGISTRY_PREFIX',
    profile.registryPrefix,
    DEFAULT_REGISTRY_PREFIX,
  )!
  if (!registryPrefix.startsWith('/')) registryPrefix = '/' + registryPrefix
  if (!registryPrefix.endsWith('/')) registryPrefix += '/'
  return {timeoutMs, labelPrefix, registryPrefix}
}

function noteError(origins: Record<string, SettingOrigin>, key: string): (message: string) => void {
  return (message) => {
    origins[key]!.secret += ` (unreadable: ${message.replace(/^.*: /, '')})`
  }
}

/**
 * Default sources: Docker always; Consul when an address is configured; etcd when configured, or
 * when Consul is not (the gateway uses one registry, and etcd at etcdctl's default is the usual one).
 */
function resolveSources(
  flag: string | undefined,
  etcd: EtcdConnection,
  consul: ConsulConnection | undefined,
): SourceName[] {
  if (flag) {
    const list = splitList(flag) ?? []
    for (const s of list) {
      if (!SOURCE_NAMES.includes(s as SourceName)) {
        throw new UsageError(`--source "${s}" is not a source`, {
          hint: `use a comma list of ${SOURCE_NAMES.join(', ')}`,
        })
      }
    }

    if (list.includes('consul') && !consul) {
      throw new UsageError('--source consul needs a Consul address', {hint: 'set --consul-addr or CONSUL_HTTP_ADDR'})
    }

    return SOURCE_NAMES.filter((s) => list.includes(s))
  }

  const out: SourceName[] = ['docker']
  if (etcd.configured || !consul) out.push('etcd')
  if (consul) out.push('consul')
  return out
}

function normalizeEtcdEndpoint(endpoint: string, tls: boolean): string {
  if (/^[a-z]+:\/\//i.test(endpoint)) return endpoint.replace(/(?<!\/)\/+$/, '')
  return `${tls ? 'https' : 'http'}://${endpoint}`
}

function normalizeConsulAddr(addr: string): string {
  if (/^[a-z]+:\/\//i.test(addr)) return addr.replace(/(?<!\/)\/+$/, '')
  return `http://${addr}`
}

export const DEFAULT_FORMAT = 'stylish'

/**
 * The checking commands' output format when --format is not given: MCP_FORMAT (oclif reads it for
 * the flag itself), then the selected profile's `format`, then stylish.
 */
export function profileFormat(
  flagProfile: string | undefined,
  env: NodeJS.ProcessEnv,
  config: ProjectConfig,
  known: readonly string[],
): {format: string; origin: SettingOrigin} {
  const {name, profile} = selectProfile(config, flagProfile, env)
  if (env.MCP_FORMAT) return {format: env.MCP_FORMAT, origin: {from: 'env', via: 'MCP_FORMAT'}}
  if (profile.format === undefined) return {format: DEFAULT_FORMAT, origin: {from: 'default'}}
  if (!known.includes(profile.format)) {
    const guess = didYouMean(profile.format, known)
    throw new UsageError(`profile "${name}": format "${profile.format}" is not an output format`, {
      where: config.profileFiles?.[name!],
      hint: guess ? `did you mean "${guess}"?` : `use one of ${known.join(', ')}`,
    })
  }

  return {format: profile.format, origin: {from: 'profile', via: 'format'}}
}
