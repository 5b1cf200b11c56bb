import type {LoadTarget} from './engine.js'

import {UsageError} from '../core/errors.js'
import {buildRequest, type LoadSettings} from './options.js'

export type TargetRef = {kind: 'url'; url: URL} | {kind: 'service'; name: string}

/** A service name as the gateway's labels spell it. */
const SERVICE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/**
 * The positional target: an http(s) URL, or a service name to resolve through discovery.
 * "localhost:8080/x" (no scheme) is refused with a hint rather than guessed, as wrk does.
 */
export function parseTargetArg(text: string): TargetRef {
  const s = text.trim()
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let url: URL
    try {
      url = new URL(s)
    } catch {
      throw new UsageError(`${JSON.stringify(text)} is not a valid URL`, {hint: 'e.g. http://127.0.0.1:8080/health'})
    }

    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`${JSON.stringify(text)}: only http:// and https:// URLs can be load tested`)
    }

    if (!url.hostname)
      throw new UsageError(`${JSON.stringify(text)} has no host`, {hint: 'e.g. http://127.0.0.1:8080/'})
    // URL keeps ":0" as port "0"; nothing listens there, and Number("0") || 80 would quietly mean 80.
    if (url.port === '0')
      throw new UsageError(`${JSON.stringify(text)}: port 0 is not a port to connect to`, {
        hint: 'give the port the server listens on, 1–65535',
      })
    return {kind: 'url', url}
  }

  if (SERVICE_NAME_RE.test(s) && !/^\d+(\.\d+){3}$/.test(s) && s !== 'localhost') return {kind: 'service', name: s}
  throw new UsageError(`${JSON.stringify(text)} is neither a URL nor a service name`, {
    hint:
      /[:/]/.test(s) || s === 'localhost'
        ? `add the scheme: http://${s}`
        : 'give http://host:port/path or a service name from `mcp discover`',
  })
}

/** Strip the brackets URL keeps around IPv6 literals, for net.connect. */
function connectHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

export function urlTarget(url: URL, settings: LoadSettings, id = url.href): LoadTarget {
  const secure = url.protocol === 'https:'
  const host = connectHost(url)
  return {
    id,
    host,
    port: Number(url.port) || (secure ? 443 : 80),
    tls: secure,
    servername: secure && !/^[\d.]+$|:/.test(host) ? host : undefined,
    ...(secure ? {insecure: settings.tls.insecure, ca: settings.tls.ca} : {}),
    request: buildRequest(settings, url),
  }
}

/** The URL without credentials, for reports (user:password@ never printed). */
export function displayUrl(url: URL): string {
  if (!url.username && !url.password) return url.href
  const copy = new URL(url.href)
  copy.username = ''
  copy.password = ''
  return copy.href
}
