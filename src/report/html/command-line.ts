import {redact, REDACTED} from '../../core/redact.js'

/** POSIX shell quoting: bare when safe, else single quotes. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

const HEADER_FLAGS = new Set(['-H', '--header'])

/** "Name: value" → "Name: [redacted]": header values are often credentials. */
function maskHeader(value: string): string {
  const i = value.indexOf(':')
  return i < 0 ? value : `${value.slice(0, i)}: ${REDACTED}`
}

/**
 * The command line that produced a report, as a user could paste it — except secrets: header values
 * are masked (Authorization, cookies, API keys), and URL passwords, bearer tokens and key=value
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
    } else {
      out.push(redact(arg))
    }
  }
  return out.map(shellQuote).join(' ')
}
