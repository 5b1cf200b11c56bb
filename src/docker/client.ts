import type Docker from 'dockerode'
import type * as Crypto from 'node:crypto'

import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {DockerConnection} from '../core/connections.js'
import {UsageError} from '../core/errors.js'
import {knownHostsFile, knownHostVerifier} from './known-hosts.js'

/** Where and how to reach one Docker daemon, resolved from flags, environment and the context store. */
export interface DockerTarget {
  /** What people recognise: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host. */
  endpoint: string
  /** The context it came from, if any. */
  context?: string
  /** How to name this daemon when several are asked: the context name, else the endpoint. */
  label: string
  /** Host name to tag instances with, and to use for host-networked containers' address. */
  hostAddress: string
  options: Docker.DockerOptions
}

export interface DockerClient {
  /** dockerode, created (and loaded) on first use: the list path does not need it. */
  readonly docker: Docker
  target: DockerTarget
  /** The request timeout the client was made with (0: none, for streams). */
  timeoutMs: number
}

const require = createRequire(import.meta.url)

const DEFAULT_SOCKET = 'unix:///var/run/docker.sock'

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker')
}

/** The context `docker context use` selected (config.json currentContext), if any. */
export function currentContextName(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = join(dockerConfigDir(env), 'config.json')
  if (!existsSync(file)) return undefined
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as {currentContext?: string}
    return config.currentContext || undefined
  } catch {
    return undefined
  }
}

interface ContextMeta {
  Name: string
  Endpoints?: {docker?: {Host?: string; SkipTLSVerify?: boolean}}
}

/** Read a context from the docker CLI's store: contexts/meta/<sha256(name)>/meta.json (+ tls/). */
export function readContext(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): {host: string; tlsDir?: string; skipTlsVerify?: boolean} {
  if (name === 'default') return {host: env.DOCKER_HOST || DEFAULT_SOCKET}
  // node:crypto is loaded only here, for the rare --context: it costs every other run its load.
  const id = (require('node:crypto') as typeof Crypto).createHash('sha256').update(name).digest('hex')
  const base = join(dockerConfigDir(env), 'contexts')
  const metaFile = join(base, 'meta', id, 'meta.json')
  if (!existsSync(metaFile)) {
    throw new UsageError(`Docker context "${name}" does not exist`, {
      where: metaFile,
      hint: 'list contexts with `docker context ls`',
    })
  }

  let meta: ContextMeta
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ContextMeta
  } catch (error) {
    throw new UsageError(`Docker context "${name}" cannot be read: ${(error as Error).message}`, {where: metaFile})
  }

  const host = meta.Endpoints?.docker?.Host
  if (!host) throw new UsageError(`Docker context "${name}" has no docker endpoint`, {where: metaFile})
  const tlsDir = join(base, 'tls', id, 'docker')
  return {host, tlsDir: existsSync(tlsDir) ? tlsDir : undefined, skipTlsVerify: meta.Endpoints?.docker?.SkipTLSVerify}
}

function readTlsFiles(dir: string): {ca?: Buffer; cert?: Buffer; key?: Buffer} {
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f)) : undefined)
  return {ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem')}
}

/**
 * Resolve the daemon to talk to: --docker-host / DOCKER_HOST, else --context / DOCKER_CONTEXT /
 * `docker context use`, else the default socket — the docker CLI's own order.
 */
export function resolveDockerTarget(conn: DockerConnection, env: NodeJS.ProcessEnv = process.env): DockerTarget {
  let {host} = conn
  let {context} = conn
  let tlsDir = conn.certPath
  let {tlsVerify} = conn
  if (!host) {
    context ??= currentContextName(env)
    if (context) {
      const ctx = readContext(context, env)
      host = ctx.host
      if (ctx.tlsDir) {
        tlsDir = ctx.tlsDir
        tlsVerify = !ctx.skipTlsVerify
      }
    }
  }

  host ||= DEFAULT_SOCKET
  const target = dockerOptionsFor(host, tlsDir, tlsVerify)
  return {...target, context, label: context ?? target.endpoint}
}

/** Every context in the docker CLI's store, "default" first. */
export function listContextNames(env: NodeJS.ProcessEnv = process.env): string[] {
  const metaDir = join(dockerConfigDir(env), 'contexts', 'meta')
  const names: string[] = []
  if (existsSync(metaDir)) {
    for (const id of readdirSync(metaDir)) {
      try {
        const meta = JSON.parse(readFileSync(join(metaDir, id, 'meta.json'), 'utf8')) as ContextMeta
        if (meta.Name && meta.Endpoints?.docker?.Host) names.push(meta.Name)
      } catch {
        // An unreadable context is reported when it is used by name; --all-contexts skips it.
      }
    }
  }

  return ['default', ...names.filter((n) => n !== 'default').sort()]
}

/** Expand --all-contexts into one connection per context; others pass through. */
export function expandDockerConnections(
  conns: DockerConnection[],
  env: NodeJS.ProcessEnv = process.env,
): DockerConnection[] {
  return conns.flatMap((c) =>
    c.allContexts
      ? listContextNames(env).map((context) => ({context, tlsVerify: c.tlsVerify, certPath: c.certPath}))
      : [c],
  )
}

function dockerOptionsFor(
  host: string,
  tlsDir: string | undefined,
  tlsVerify: boolean | undefined,
): Omit<DockerTarget, 'context' | 'label'> {
  if (host.startsWith('unix://') || host.startsWith('/')) {
    const socketPath = host.replace(/^unix:\/\//, '')
    return {endpoint: `unix://${socketPath}`, hostAddress: '127.0.0.1', options: {socketPath}}
  }

  let url: URL
  try {
    url = new URL(host)
  } catch {
    throw new UsageError(`Docker host "${host}" is not a URL`, {
      hint: 'use unix:///var/run/docker.sock, tcp://HOST:2376 or ssh://USER@HOST',
    })
  }

  const endpoint = `${url.protocol}//${url.username ? url.username + '@' : ''}${url.host}`
  if (url.protocol === 'ssh:') {
    const port = url.port ? Number(url.port) : 22
    return {
      endpoint,
      hostAddress: url.hostname,
      options: {
        protocol: 'ssh',
        host: url.hostname,
        port,
        username: url.username || undefined,
        // The host key must be the one in ~/.ssh/known_hosts (fail closed, as StrictHostKeyChecking=yes).
        sshOptions: {agent: process.env.SSH_AUTH_SOCK, hostVerifier: knownHostVerifier(url.hostname, port)},
      } as Docker.DockerOptions,
    }
  }

  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`Docker host "${endpoint}" has an unsupported scheme`, {hint: 'use unix://, tcp:// or ssh://'})
  }

  const tls = tlsDir ? readTlsFiles(tlsDir) : {}
  const https = url.protocol === 'https:' || Boolean(tlsVerify) || Boolean(tls.cert) || url.port === '2376'
  return {
    endpoint,
    hostAddress: url.hostname,
    options: {
      protocol: https ? 'https' : 'http',
      host: url.hostname,
      port: url.port ? Number(url.port) : https ? 2376 : 2375,
      ...tls,
    },
  }
}

/**
 * A client for one daemon. `timeoutMs` bounds each request (a hung socket fails, not hangs); pass
 * 0 for streams that stay open (events, followed logs), where an idle timeout would cut them.
 */
export function connectDocker(
  conn: DockerConnection,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): DockerClient {
  const target = resolveDockerTarget(conn, env)
  let docker: Docker | undefined
  return {
    target,
    timeoutMs,
    // Loading dockerode (and ssh2 under it) is the dearest load of all (docs/performance.md): only
    // when something needs more than the plain GETs of src/docker/api.ts.
    get docker(): Docker {
      if (!docker) {
        const Dockerode = require('dockerode') as typeof Docker
        const options: Docker.DockerOptions = {...target.options}
        if (timeoutMs > 0) options.timeout = timeoutMs
        docker = new Dockerode(options)
      }

      return docker
    },
  }
}

/** The hint for a daemon that does not answer, by how we tried to reach it. */
export function dockerUnreachableHint(target: DockerTarget): string {
  if (target.endpoint.startsWith('unix://')) {
    return `is dockerd running? (${target.endpoint}) — start it, or set DOCKER_HOST / --docker-host / --context`
  }

  if (target.endpoint.startsWith('ssh://')) {
    return `is the daemon at ${target.endpoint} up, and its host key in ${knownHostsFile()}? (\`ssh ${target.endpoint.slice(6)}\` once checks and records it)`
  }

  return `is the daemon at ${target.endpoint} up and reachable? check DOCKER_HOST / --docker-host / --context and TLS settings`
}
