/**
 * Secrets never reach output: container environment, tokens, passwords, TLS keys.
 * Sources keep secrets out of the records they return; this is the last line of defence for
 * anything that echoes text we did not write (error messages from libraries, URLs with userinfo).
 * It runs over whole outputs, so every step is linear in the text's length: no pattern here may
 * backtrack over a long run (docs/security.md; test/unit/core/linear-patterns.test.ts holds them to it).
 */
const registered = new Set<string>()
/** Registered secrets, longest first, so a secret that contains another is replaced whole. */
let ordered: string[] = []

/** Register a secret value so redact() removes it wherever it appears, however short. */
export function registerSecret(value: string | undefined): void {
  if (!value || registered.has(value)) return
  registered.add(value)
  ordered = [...registered].sort((a, b) => b.length - a.length)
}

// Bounded where a pattern could otherwise rescan a long run from every position.
/** From the literal "://" (the scheme before it needs no matching to hide what follows). */
const URL_USERINFO = /:\/\/([^/@\s:]{1,4096}):([^/@\s]{1,4096})@/g
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g
/** One word at a time (a word is scanned once), then SECRET_NAME over that word alone. */
const WORD = /[A-Za-z0-9_]+/g
const SECRET_NAME = /TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE_KEY/i
const SEPARATOR = /\s*[=:]\s*/y
const UNQUOTED = /\S+/y
const PEM_BEGIN = /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/g
const PEM_END = /-----END [A-Z ]{0,40}PRIVATE KEY-----/g

export const REDACTED = '[redacted]'

/** A secret this short is replaced only where it stands alone (not inside a longer word): "root:pw", not "pwd". */
const SHORT_SECRET = 4
const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c)

function replaceRegistered(text: string, secret: string): string {
  if (secret.length >= SHORT_SECRET) return text.split(secret).join(REDACTED)
  let out = ''
  let from = 0
  for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + secret.length)) {
    if (isWordChar(text[at - 1]) || isWordChar(text[at + secret.length])) continue
    out += text.slice(from, at) + REDACTED
    from = at + secret.length
  }

  return from === 0 ? text : out + text.slice(from)
}

/** PEM private keys, BEGIN to END; a key with no END is redacted to the end of the text. */
function redactPem(text: string): string {
  if (!text.includes('PRIVATE KEY-----')) return text
  let out = ''
  let from = 0
  PEM_BEGIN.lastIndex = 0
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    PEM_END.lastIndex = PEM_BEGIN.lastIndex
    const end = PEM_END.exec(text)
    out += text.slice(from, m.index) + REDACTED
    from = end ? PEM_END.lastIndex : text.length
    if (!end) break
    PEM_BEGIN.lastIndex = from
  }

  return out + text.slice(from)
}

/** NAME=value and NAME: value where NAME holds TOKEN, PASSWORD, SECRET, API_KEY…: the value goes. */
function redactKeyValues(text: string): string {
  let out = ''
  let from = 0
  // Where no closing quote of each kind is left: an unclosed quote is looked for once, not at every key.
  const noQuoteAfter: Record<string, number> = {'"': Infinity, "'": Infinity}
  WORD.lastIndex = 0
  for (let m = WORD.exec(text); m; m = WORD.exec(text)) {
    if (!SECRET_NAME.test(m[0])) continue
    SEPARATOR.lastIndex = WORD.lastIndex
    if (!SEPARATOR.test(text)) continue
    const valueStart = SEPARATOR.lastIndex
    const quote = text[valueStart]
    let valueEnd = -1
    if ((quote === '"' || quote === "'") && valueStart < noQuoteAfter[quote]!) {
      const close = text.indexOf(quote, valueStart + 1)
      if (close === -1) noQuoteAfter[quote] = valueStart
      else valueEnd = close + 1
    }

    if (valueEnd < 0) {
      UNQUOTED.lastIndex = valueStart
      if (!UNQUOTED.test(text)) continue
      valueEnd = UNQUOTED.lastIndex
    }

    out += text.slice(from, valueStart) + REDACTED
    from = valueEnd
    WORD.lastIndex = valueEnd
  }

  return from === 0 ? text : out + text.slice(from)
}

export function redact(text: string): string {
  let out = text
  for (const secret of ordered) out = replaceRegistered(out, secret)
  out = redactPem(out)
  return redactKeyValues(out.replaceAll(URL_USERINFO, `://$1:${REDACTED}@`).replaceAll(BEARER, `$1 ${REDACTED}`))
}

/**
 * At most `max` characters of a long text from outside (a check's output, a response body), redacted:
 * cut first, with room to spare so a secret across the cut is still recognised whole, then redacted.
 */
export function redactExcerpt(text: string, max: number): string {
  return redact(text.length > max + 4096 ? text.slice(0, max + 4096) : text).slice(0, max)
}
