import {readFileSync} from 'node:fs'

import {parseDurationFlag} from './duration.js'
import {UsageError} from './errors.js'
import {Profile, ProjectConfig} from './project-config.js'
import {registerSecret} from './redact.js'

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
  return list.length ? list : undefined
}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (error) {
    throw new UsageError(`cannot read ${what} from ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      hint: 'check the file named in the profile',
    })
  }
}

export function selectProfile(
  config: ProjectConfig | undefined,
  flagProfile: string | undefined,
  env: NodeJS.ProcessEnv,
): {name?: string; profile: Profile} {
  const name = flagProfile ?? env.MCP_PROFILE ?? config?.currentProfile
  if (!name) return {profile: {}}
  const profile = config?.profiles?.[name]
  if (!profile) {
    const known = Object.keys(config?.profiles ?? {})
    throw new UsageError(`profile "${name}" is not defined`, {
      hint: known.length ? `known profiles: ${known.join(', ')}` : 'define profiles in .mcp.yaml (see README "Profiles")',
    })
  }
  return {name, profile}
}

export function resolveConnections(
  flags: ConnectionFlagValues,
  env: NodeJS.ProcessEnv = process.env,
  config?: ProjectConfig,
): Connections {
  const {name: profileName, profile} = selectProfile(config, flags.profile, env)

  // Docker: flags beat the environment; DOCKER_HOST beats DOCKER_CONTEXT, as the docker CLI does.
  // Several --docker-host / --context flags (or --all-contexts) ask several daemons.
  const tlsVerify = env.DOCKER_TLS_VERIFY ? env.DOCKER_TLS_VERIFY !== '0' && env.DOCKER_TLS_VERIFY !== '' : profile.docker?.tlsVerify
  const certPath = env.DOCKER_CERT_PATH || profile.docker?.certPath
  const flagHosts = asList(flags['docker-host'])
  const flagContexts = asList(flags.context)
  let dockers: DockerConnection[]
  if (flags['all-contexts']) dockers = [{allContexts: true}]
  else if (flagHosts.length || flagContexts.length) dockers = [...flagHosts.map((host) => ({host})), ...flagContexts.map((context) => ({context}))]
  else if (env.DOCKER_HOST) dockers = [{host: env.DOCKER_HOST}]
  else if (env.DOCKER_CONTEXT) dockers = [{context: env.DOCKER_CONTEXT}]
  else if (profile.docker?.host) dockers = [{host: profile.docker.host}]
  else if (profile.docker?.context) dockers = [{context: profile.docker.context}]
  else dockers = [{}]
  dockers = dockers.map((d) => ({...d, tlsVerify, certPath}))
  const docker = dockers[0]!

  const flagEndpoints = splitList(flags['etcd-endpoints'])
  const envEndpoints = splitList(env.ETCDCTL_ENDPOINTS)
  const profileEndpoints = splitList(profile.etcd?.endpoints)
  const endpoints = (flagEndpoints ?? envEndpoints ?? profileEndpoints ?? [DEFAULT_ETCD_ENDPOINT]).map(normalizeEtcdEndpoint)

  // etcdctl's --user takes "name" or "name:password"; ETCDCTL_PASSWORD may carry the password.
  let user = flags['etcd-user'] ?? env.ETCDCTL_USER ?? profile.etcd?.user
  let password: string | undefined
  if (user?.includes(':')) {
    const i = user.indexOf(':')
    password = user.slice(i + 1)
    user = user.slice(0, i)
  }
  password ??= env.ETCDCTL_PASSWORD
  if (!password && profile.etcd?.passwordEnv) password = env[profile.etcd.passwordEnv]
  if (!password && profile.etcd?.passwordFile) password = readSecretFile(profile.etcd.passwordFile, 'the etcd password')
  registerSecret(password)

  const etcd: EtcdConnection = {
    endpoints,
    user,
    password,
    cacert: flags['etcd-cacert'] ?? env.ETCDCTL_CACERT ?? profile.etcd?.cacert,
    cert: flags['etcd-cert'] ?? env.ETCDCTL_CERT ?? profile.etcd?.cert,
    key: flags['etcd-key'] ?? env.ETCDCTL_KEY ?? profile.etcd?.key,
    configured: Boolean(flagEndpoints ?? envEndpoints ?? profileEndpoints),
  }

  const consulAddr = flags['consul-addr'] ?? env.CONSUL_HTTP_ADDR ?? profile.consul?.addr
  let consul: ConsulConnection | undefined
  if (consulAddr) {
    let token = env.CONSUL_HTTP_TOKEN
    if (!token && env.CONSUL_HTTP_TOKEN_FILE) token = readSecretFile(env.CONSUL_HTTP_TOKEN_FILE, 'the Consul token')
    if (!token && profile.consul?.tokenEnv) token = env[profile.consul.tokenEnv]
    if (!token && profile.consul?.tokenFile) token = readSecretFile(profile.consul.tokenFile, 'the Consul token')
    registerSecret(token)
    consul = {addr: normalizeConsulAddr(consulAddr), token, datacenter: profile.consul?.datacenter}
  }

  const timeoutMs = parseDurationFlag('timeout', flags.timeout ?? env.MCP_TIMEOUT ?? profile.timeout ?? DEFAULT_TIMEOUT)
  const labelPrefix = flags['label-prefix'] ?? env.MCP_LABEL_PREFIX ?? profile.labelPrefix ?? DEFAULT_LABEL_PREFIX
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(labelPrefix)) {
    throw new UsageError(`--label-prefix "${labelPrefix}" is not a label key prefix`, {hint: 'use lowercase letters, digits, dots and dashes, e.g. mcp'})
  }
  let registryPrefix = flags['registry-prefix'] ?? env.MCP_REGISTRY_PREFIX ?? profile.registryPrefix ?? DEFAULT_REGISTRY_PREFIX
  if (!registryPrefix.startsWith('/')) registryPrefix = '/' + registryPrefix
  if (!registryPrefix.endsWith('/')) registryPrefix += '/'

  return {
    docker,
    dockers,
    etcd,
    consul,
    timeoutMs,
    labelPrefix,
    registryPrefix,
    sources: resolveSources(flags.source, etcd, consul),
    profileName,
  }
}

/**
 * Default sources: Docker always; Consul when an address is configured; etcd when configured, or
 * when Consul is not (the gateway uses one registry, and etcd at etcdctl's default is the usual one).
 */
function resolveSources(flag: string | undefined, etcd: EtcdConnection, consul: ConsulConnection | undefined): SourceName[] {
  if (flag) {
    const list = splitList(flag) ?? []
    for (const s of list) {
      if (!SOURCE_NAMES.includes(s as SourceName)) {
        throw new UsageError(`--source "${s}" is not a source`, {hint: `use a comma list of ${SOURCE_NAMES.join(', ')}`})
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

function normalizeEtcdEndpoint(endpoint: string): string {
  if (/^[a-z]+:\/\//i.test(endpoint)) return endpoint.replace(/\/+$/, '')
  return `http://${endpoint}`
}

function normalizeConsulAddr(addr: string): string {
  if (/^[a-z]+:\/\//i.test(addr)) return addr.replace(/\/+$/, '')
  return `http://${addr}`
}
