import {redact, REDACTED} from '../core/redact.js'

/** POSIX shell quoting: bare when safe, else single quotes. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

const HEADER_FLAGS = new Set(['-H', '--header'])

/** "Name: value" → "Name: [redacted]": header values are often credentials. */
function maskHeader(value: string): string {
  const i = value.indexOf(':')
  return i === -1 ? value : `${value.slice(0, i)}: ${REDACTED}`
}

/** Keys whose values are credentials, in a JSON body or a form. */
const SECRET_KEY = /pass(word)?|passwd|secret|token|api[-_]?key|auth|credential|session|cookie|private[-_]?key/i

/** A request body with the values of secret-looking keys masked: JSON (at any depth) or a urlencoded form. */
export function maskBody(body: string): string {
  const trimmed = body.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const mask = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(mask)
        if (v === null || typeof v !== 'object') return v
        return Object.fromEntries(
          Object.entries(v).map(([k, x]) => [
            k,
            SECRET_KEY.test(k) && (x === null || typeof x !== 'object') ? REDACTED : mask(x),
          ]),
        )
      }

      return JSON.stringify(mask(JSON.parse(trimmed)))
    } catch {
      // Not JSON after all: the shared redaction below.
    }
  }

  if (/^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$/.test(trimmed)) {
    const form = new URLSearchParams(trimmed)
    for (const [k] of form) if (SECRET_KEY.test(k)) form.set(k, REDACTED)
    return form.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED)
  }

  return redact(body)
}

/** "name:password" → "name:[redacted]" (etcdctl's --user). */
const maskUser = (value: string): string =>
  value.includes(':') ? `${value.slice(0, value.indexOf(':'))}:${REDACTED}` : value

/**
 * The command line that produced a report, as a user could paste it — except secrets: header values
 * are masked (Authorization, cookies, API keys), so are secret-looking keys of a --body (JSON or form)
 * and the password of --etcd-user, and URL passwords, bearer tokens and key=value
 * secrets go through the shared redaction.
 */
export function commandLine(bin: string, argv: string[]): string {
  const out: string[] = [bin]
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (HEADER_FLAGS.has(arg) && i + 1 < argv.length) {
      out.push(arg, maskHeader(argv[++i]!))
    } else if (arg.startsWith('--header=')) {
      out.push(`--header=${maskHeader(arg.slice('--header='.length))}`)
    } else if (arg.startsWith('-H') && arg.length > 2 && !arg.startsWith('--')) {
      out.push(`-H${maskHeader(arg.slice(2))}`)
    } else if (arg === '--body' && i + 1 < argv.length) {
      out.push(arg, maskBody(argv[++i]!))
    } else if (arg.startsWith('--body=')) {
      out.push(`--body=${maskBody(arg.slice('--body='.length))}`)
    } else if (arg === '--etcd-user' && i + 1 < argv.length) {
      out.push(arg, maskUser(argv[++i]!))
    } else if (arg.startsWith('--etcd-user=')) {
      out.push(`--etcd-user=${maskUser(arg.slice('--etcd-user='.length))}`)
    } else {
      out.push(redact(arg))
    }
  }

  return out.map(shellQuote).join(' ')
}
