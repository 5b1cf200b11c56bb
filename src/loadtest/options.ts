import {parseDurationFlag} from '../core/duration.js'
import {UsageError} from '../core/errors.js'

/** Settings for a run, validated; everything the engine and the report need besides the targets. */
export interface LoadSettings {
  connections: number
  durationMs: number
  warmupMs: number
  threads: number
  rate?: number
  requests?: number
  pipelining: number
  timeoutMs: number
  method: string
  headers: [string, string][]
  body?: Buffer
  thresholds: Thresholds
  /** https targets: verify certificates unless insecure (curl's -k); ca adds trusted CAs (--cacert, PEM). */
  tls: {insecure: boolean; ca?: string}
}

export interface Thresholds {
  /** Latency limits, µs. */
  maxP99?: number
  maxP95?: number
  maxLatency?: number
  minRps?: number
  /** 0..1 */
  maxErrorRate?: number
}

export interface RawLoadFlags {
  connections?: number
  duration?: string
  threads?: number
  rate?: string
  requests?: number
  warmup?: string
  pipelining?: number
  timeout?: string
  method?: string
  header?: string[]
  body?: string
  bodyBytes?: Buffer
  insecure?: boolean
  /** The --cacert file's content (read by the command). */
  caText?: string
  'max-p99'?: string
  'max-p95'?: string
  'max-latency'?: string
  'min-rps'?: string
  'max-error-rate'?: string
}

export const DEFAULTS = {connections: 10, duration: '10s', timeout: '2s', method: 'GET', threads: 1, pipelining: 1}

/** Without an explicit --duration, a --requests run stops after this long at most. */
export const REQUESTS_RUN_CAP = '5m'

/** HTTP methods a load may use: RFC 7231's and PATCH (RFC 5789). */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function positiveInteger(flag: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${flag} ${value} must be a whole number of at least 1`)
  if (value > max) throw new UsageError(`--${flag} ${value} is more than the ${max} allowed`)
  return value
}

/** "1000", "1k", "2.5k": requests per second. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(k)?(?:\/s)?$/i.exec(text.trim())
  const n = m ? Number(m[1]) * (m[2] ? 1000 : 1) : Number.NaN
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--rate ${JSON.stringify(text)} is not a positive request rate`, {
      hint: 'give requests per second, e.g. -R 2000 or -R 2k',
    })
  }

  return n
}

/** "1%", "0.5%", "0.01": a share between 0 and 1. */
export function parseErrorRate(text: string): number {
  const s = text.trim()
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(s)
  const n = pct ? Number(pct[1]) / 100 : /^\d+(?:\.\d+)?$/.test(s) ? Number(s) : Number.NaN
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new UsageError(`--max-error-rate ${JSON.stringify(text)} is not a share of requests`, {
      hint: 'give a percentage, e.g. 1% or 0.5%',
    })
  }

  return n
}

function parseMinRps(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(k)?$/i.exec(text.trim())
  const n = m ? Number(m[1]) * (m[2] ? 1000 : 1) : Number.NaN
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--min-rps ${JSON.stringify(text)} is not a number of requests per second`, {
      hint: 'e.g. --min-rps 500',
    })
  return n
}

/** "Name: value" as curl and wrk take it. */
export function parseHeader(text: string): [string, string] {
  const i = text.indexOf(':')
  const name = i > 0 ? text.slice(0, i).trim() : ''
  if (!name || !TOKEN_RE.test(name)) {
    throw new UsageError(`--header ${JSON.stringify(text)} is not "Name: value"`, {
      hint: 'e.g. -H "Authorization: Bearer $TOKEN"',
    })
  }

  const value = text.slice(i + 1).trim()
  if (/[\r\n\0]/.test(value)) throw new UsageError(`--header ${name}: the value contains a line break`)
  return [name, value]
}

function latencyLimit(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  return Math.round(parseDurationFlag(flag, text) * 1000)
}

/** Validate every flag that does not depend on the target; one UsageError for the first bad one. */
export function parseLoadSettings(flags: RawLoadFlags): LoadSettings {
  const connections = positiveInteger('connections', flags.connections, DEFAULTS.connections, 10_000)
  const threads = positiveInteger('threads', flags.threads, DEFAULTS.threads, 64)
  const pipelining = positiveInteger('pipelining', flags.pipelining, DEFAULTS.pipelining, 1000)
  const requests =
    flags.requests === undefined ? undefined : positiveInteger('requests', flags.requests, 1, Number.MAX_SAFE_INTEGER)
  if (threads > connections) {
    throw new UsageError(`--threads ${threads} is more than --connections ${connections}`, {
      hint: 'each thread needs at least one connection (as in wrk)',
    })
  }

  const durationText = flags.duration ?? (requests === undefined ? DEFAULTS.duration : REQUESTS_RUN_CAP)
  const durationMs = parseDurationFlag('duration', durationText)
  const warmupMs = flags.warmup === undefined ? 0 : parseDurationFlag('warmup', flags.warmup, {allowZero: true})
  const timeoutMs = parseDurationFlag('timeout', flags.timeout ?? DEFAULTS.timeout)
  const rate = flags.rate === undefined ? undefined : parseRate(flags.rate)
  const method = (flags.method ?? DEFAULTS.method).toUpperCase()
  if (!METHODS.includes(method)) {
    throw new UsageError(`--method ${JSON.stringify(flags.method)} is not an HTTP method`, {
      hint: 'e.g. GET, POST, PUT, DELETE, HEAD',
    })
  }

  if (flags.body !== undefined && flags.bodyBytes !== undefined)
    throw new UsageError('--body and --body-file both given', {hint: 'use one of them'})
  const body = flags.bodyBytes ?? (flags.body === undefined ? undefined : Buffer.from(flags.body, 'utf8'))
  const headers = (flags.header ?? []).map(parseHeader)
  const thresholds: Thresholds = {
    maxP99: latencyLimit('max-p99', flags['max-p99']),
    maxP95: latencyLimit('max-p95', flags['max-p95']),
    maxLatency: latencyLimit('max-latency', flags['max-latency']),
    minRps: flags['min-rps'] === undefined ? undefined : parseMinRps(flags['min-rps']),
    maxErrorRate: flags['max-error-rate'] === undefined ? undefined : parseErrorRate(flags['max-error-rate']),
  }
  const tls = {insecure: Boolean(flags.insecure), ca: flags.caText}
  return {
    connections,
    durationMs,
    warmupMs,
    threads,
    rate,
    requests,
    pipelining,
    timeoutMs,
    method,
    headers,
    body,
    thresholds,
    tls,
  }
}

/**
 * The request bytes for one target: the request line, Host (unless a header gives one), keep-alive,
 * the headers (a later one of the same name wins), Basic auth from user:password@ in the URL (as
 * curl does), Content-Length for a body. Byte for byte what autocannon's request builder wrote
 * (test/unit/loadtest/request-bytes.test.ts holds the two side by side).
 */
export function buildRequest(settings: Pick<LoadSettings, 'method' | 'headers' | 'body'>, url: URL): Buffer {
  const headers: Record<string, string> = {}
  for (const [k, v] of settings.headers) headers[k] = v
  const hostName = Object.keys(headers).find((k) => k.toLowerCase() === 'host')
  const lines = [`${settings.method} ${(url.pathname || '/') + url.search} HTTP/1.1`]
  if (!(hostName && headers[hostName]))
    lines.push(`Host: ${url.host || `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`}`)
  lines.push('Connection: keep-alive')
  if (url.username) {
    const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    headers.Authorization = `Basic ${Buffer.from(auth).toString('base64')}`
  }

  const body = settings.body ?? Buffer.alloc(0)
  if (body.length > 0) headers['Content-Length'] = String(body.length)
  for (const [key, value] of Object.entries(headers)) lines.push(`${key}: ${value}`)
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8')
  return body.length > 0 ? Buffer.concat([head, body]) : head
}
