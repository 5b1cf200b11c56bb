import {createHmac} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

/**
 * ssh:// Docker hosts are checked against ~/.ssh/known_hosts as OpenSSH does with
 * StrictHostKeyChecking=yes: a host whose key is not recorded, or recorded differently, is refused
 * (the connection would hand the Docker API to whoever answers). Supported: plain and hashed
 * (`|1|salt|hash`) host names, `[host]:port`, `*`/`?` patterns and `!` negation, `@revoked`.
 * `@cert-authority` lines are skipped (host certificates are not checked here).
 */
export const KNOWN_HOSTS_MAX_BYTES = 4 * 1024 * 1024

export function knownHostsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), '.ssh', 'known_hosts')
}

/** The name OpenSSH looks up: `host`, or `[host]:port` when the port is not 22. */
function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

function globMatch(pattern: string, name: string): boolean {
  // Linear: one pass with the last `*` remembered (no backtracking regex).
  let p = 0
  let n = 0
  let star = -1
  let mark = 0
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p++
      n++
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++
      mark = n
    } else if (star >= 0) {
      p = star + 1
      n = ++mark
    } else {
      return false
    }
  }

  while (pattern[p] === '*') p++
  return p === pattern.length
}

function hostsMatch(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [salt, hash] = field.split('|').slice(2)
    if (!salt || !hash) return false
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
  }

  let matched = false
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!')
    if (globMatch((negated ? pattern.slice(1) : pattern).toLowerCase(), name.toLowerCase())) {
      if (negated) return false
      matched = true
    }
  }

  return matched
}

export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked'

/** Whether `key` (the SSH wire-format public key blob) is the one recorded for host:port. */
export function checkHostKey(text: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = lookupName(host, port)
  let sawHost = false
  let known = false
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const fields = line.split(/[ \t]+/)
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined
    if (marker === '@cert-authority' || fields.length < 3) continue
    if (!hostsMatch(fields[0]!, name)) continue
    const same = Buffer.from(fields[2]!, 'base64').equals(key)
    if (marker === '@revoked') {
      if (same) return 'revoked'
      continue
    }

    sawHost = true
    if (same) known = true
  }

  return known ? 'known' : sawHost ? 'changed' : 'unknown'
}

/**
 * An ssh2 hostVerifier for host:port: true only for a key recorded in known_hosts. `onRefused`
 * learns why (for the error's hint).
 */
export function knownHostVerifier(
  host: string,
  port: number,
  env: NodeJS.ProcessEnv = process.env,
  onRefused?: (verdict: HostKeyVerdict, file: string) => void,
) {
  return (key: Buffer): boolean => {
    const file = knownHostsFile(env)
    let text = ''
    try {
      text = readFileSync(file, 'utf8').slice(0, KNOWN_HOSTS_MAX_BYTES)
    } catch {
      // No file: every host is unknown.
    }

    const verdict = checkHostKey(text, host, port, key)
    if (verdict !== 'known') onRefused?.(verdict, file)
    return verdict === 'known'
  }
}
