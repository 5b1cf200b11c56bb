/**
 * Secrets never reach output: container environment, tokens, passwords, TLS keys.
 * Sources keep secrets out of the records they return; this is the last line of defence for
 * anything that echoes text we did not write (error messages from libraries, URLs with userinfo).
 */
const registered = new Set<string>()

/** Register a secret value so redact() removes it wherever it appears. Short values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) registered.add(value)
}

const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g
const KEY_VALUE = /\b((?:[A-Z0-9_]*?(?:TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE_KEY)[A-Z0-9_]*)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi
const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g

export const REDACTED = '[redacted]'

export function redact(text: string): string {
  let out = text
  for (const secret of registered) out = out.split(secret).join(REDACTED)
  return out
    .replace(PEM, REDACTED)
    .replace(URL_USERINFO, `$1$2:${REDACTED}@`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(KEY_VALUE, `$1${REDACTED}`)
}
