import type {Instance, ProbeResult} from '../model/types.js'

import {addressText, loopbackProbeTarget} from '../model/address.js'
import {httpStream, httpTargetOf} from '../net/http.js'
import {LIMITS} from '../net/limits.js'

export interface ProbeOptions {
  timeoutMs: number
  /**
   * Probe the address a gateway would use even when it is not loopback (a container IP, a remote
   * host). Off by default: mcp then only sends traffic through loopback-published ports.
   */
  any?: boolean
}

/**
 * GET the health path once; 2xx/3xx is ok, told by the status line (the body is not read). Never
 * follows redirects, never retries.
 */
async function httpGet(url: string, timeoutMs: number): Promise<{status: number; ms: number}> {
  const start = process.hrtime.bigint()
  const u = new URL(url)
  const {status, body} = await httpStream(httpTargetOf(u), {
    source: u.host,
    path: u.pathname + u.search,
    headers: {'user-agent': 'mcp-probe'},
    deadline: Date.now() + timeoutMs,
  })
  body.destroy()
  return {status, ms: Number(process.hrtime.bigint() - start) / 1e6}
}

export async function probeInstance(instance: Instance, options: ProbeOptions): Promise<ProbeResult> {
  if (!instance.docker) return {probed: false, reason: 'no container on this host'}
  if (instance.docker.state !== 'running') return {probed: false, reason: 'not running'}
  if (instance.port === undefined) return {probed: false, reason: 'no valid service port label'}
  let hostPort: string | undefined
  const loopback = loopbackProbeTarget(instance.addresses)
  if (loopback) hostPort = `${loopback.host}:${loopback.port}`
  else if (options.any && instance.address) hostPort = addressText(instance.address)
  if (!hostPort) {
    return {
      probed: false,
      reason: 'no loopback-published port (use --probe-any to probe the address a gateway would use)',
    }
  }

  const path = instance.healthPath.startsWith('/') ? instance.healthPath : `/${instance.healthPath}`
  const url = `http://${hostPort}${path}`
  try {
    const {status, ms} = await httpGet(url, options.timeoutMs)
    return {probed: true, url, ok: status >= 200 && status < 400, status, ms: Math.round(ms * 10) / 10}
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    return {
      probed: true,
      url,
      ok: false,
      error:
        code === 'ECONNREFUSED'
          ? 'connection refused'
          : code === 'ECONNRESET'
            ? 'connection reset'
            : (error as Error).message,
    }
  }
}

/** Probe every instance with a container, a few at a time. */
export async function probeAll(
  instances: Instance[],
  options: ProbeOptions,
  concurrency: number = LIMITS.probeConcurrency,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < instances.length) {
      const instance = instances[next++]!
      instance.probe = await probeInstance(instance, options)
    }
  }

  await Promise.all(Array.from({length: Math.min(concurrency, instances.length)}, worker))
}
