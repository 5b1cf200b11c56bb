/**
 * Trace-id spellings and how one id is recognised in log bytes.
 *
 * Every spelling is reduced to lowercase hex: 32 digits for a 128-bit id, 16 for a 64-bit one.
 * Two ids match when they are equal, or when one is 64-bit and equals the low 64 bits of the other
 * (B3 and Jaeger systems that keep only 64 bits truncate to the low half).
 */

export interface TraceQuery {
  /** What the user typed. */
  input: string
  /** Which spelling it was read as. */
  spelling: string
  /** Lowercase hex, 16 or 32 digits. */
  hex: string
  /** The low 64 bits as 16 lowercase hex digits. */
  low64: string
  /**
   * Byte strings whose presence is necessary for a line to match (lower- and uppercase). Every
   * spelling of the id in a log contains one of them: the last 12 significant hex digits are
   * contiguous in plain hex, UUID (the 12-digit last group), X-Ray and zero-dropping Jaeger forms.
   */
  needles: Buffer[]
}

const HEX_RE = /^[0-9a-f]+$/

function isHex(s: string): boolean {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, HEX_RE does not match ''
  return s.length > 0 && HEX_RE.test(s)
}

/** Pad a hex id that dropped leading zeros (Jaeger) to 16 or 32 digits; undefined when longer. */
export function padHexId(hex: string): string | undefined {
  if (hex.length === 0 || hex.length > 32) return undefined
  return hex.padStart(hex.length <= 16 ? 16 : 32, '0')
}

/**
 * Read any trace-id spelling: W3C traceparent, B3 (X-B3-TraceId or the single `b3` header), Jaeger
 * uber-trace-id, AWS X-Ray (Root=1-…-…), OTel JSON trace_id/traceId (hex or, as OTLP/JSON sends it,
 * plain hex), Envoy x-request-id (UUID), nginx $request_id. A leading `header:` or `key=` is ignored.
 * Returns undefined when the text is not a trace id.
 */
export function parseTraceId(text: string): {hex: string; spelling: string} | undefined {
  let s = text.trim().replaceAll(/^["']|["']$/g, '')
  // A pasted header or field: "traceparent: 00-…", "X-Amzn-Trace-Id: Root=…", "trace_id=…", '"traceId":"…"'.
  const header = /^["']?([A-Za-z][\w.-]*)["']?\s*[:=]\s*["']?/.exec(s)
  if (header && !/^root$/i.test(header[1]!) && !/^[0-9a-f]+$/i.test(header[1]!)) {
    s = s.slice(header[0].length).replace(/(?<!["',}])["',}]+$/, '')
  }

  s = s.trim()
  const lower = s.toLowerCase()

  // AWS X-Ray: Root=1-5759e988-bd862e3fe1be46a994272793[;Parent=…;Sampled=1]
  const xray =
    /(?:^|;)\s*root=1-([0-9a-f]{8})-([0-9a-f]{24})(?:;|$)/.exec(lower) ?? /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(lower)
  if (xray) return {hex: xray[1]! + xray[2]!, spelling: 'aws-xray'}

  // W3C traceparent: version-traceid-parentid-flags
  const tp = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(lower)
  if (tp) return {hex: tp[2]!, spelling: 'w3c-traceparent'}

  // UUID (Envoy x-request-id)
  const uuid = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/.exec(lower)
  if (uuid) return {hex: uuid.slice(1).join(''), spelling: 'uuid'}

  // B3 single header: traceid-spanid[-sampled[-parentspanid]]
  const b3 = /^([0-9a-f]{16}|[0-9a-f]{32})-([0-9a-f]{16})(?:-[01d](?:-[0-9a-f]{16})?)?$/.exec(lower)
  if (b3) return {hex: b3[1]!, spelling: 'b3-single'}

  // Jaeger uber-trace-id: trace:span:parent:flags, ':' possibly URL-encoded; leading zeros may be dropped.
  const jaeger = /^([0-9a-f]{1,32})(?::|%3a)([0-9a-f]{1,16})(?::|%3a)([0-9a-f]{1,16})(?::|%3a)([0-9a-f]{1,2})$/.exec(
    lower,
  )
  if (jaeger) return {hex: padHexId(jaeger[1]!)!, spelling: 'jaeger'}

  const bare = lower.replace(/^0x/, '')
  // A bare id shorter than 8 digits is more likely a typo than a Jaeger id that lost its zeros.
  if (isHex(bare) && bare.length <= 32 && bare.length >= 8) {
    const hex = padHexId(bare)!
    const spelling = bare.length === 32 ? 'hex128' : bare.length === 16 ? 'hex64' : 'hex (leading zeros dropped)'
    return {hex, spelling}
  }

  return undefined
}

/** The bytes to search for: the last 12 significant digits (fewer for a tiny id), both cases. */
export function needlesFor(hex: string): Buffer[] {
  const significant = hex.replace(/^0+/, '') || '0'
  const tail = significant.slice(-12)
  const forms = new Set([tail, tail.toUpperCase()])
  return [...forms].map((f) => Buffer.from(f, 'latin1'))
}

export function traceQuery(input: string): TraceQuery | undefined {
  const parsed = parseTraceId(input)
  if (!parsed) return undefined
  return {
    input,
    spelling: parsed.spelling,
    hex: parsed.hex,
    low64: parsed.hex.slice(-16),
    needles: needlesFor(parsed.hex),
  }
}

/** Same id under the 64/128-bit rule. Both arguments are padded lowercase hex. */
export function sameTraceId(a: string, b: string): boolean {
  if (a.length === b.length) return a === b
  return a.slice(-16) === b.slice(-16)
}

// Byte classes for the verifier (works on raw bytes, no decoding).
const HEX = new Uint8Array(256)
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1
const DASH = 0x2d

function hexRunAt(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!HEX[buf[i]!]) return false
  return true
}

function lowerHex(buf: Uint8Array, start: number, end: number): string {
  let s = ''
  for (let i = start; i < end; i++) {
    const c = buf[i]!
    s += String.fromCharCode(c >= 0x41 && c <= 0x46 ? c + 32 : c)
  }

  return s
}

/**
 * Whether the needle found at `pos` (within [lineStart, lineEnd)) is a spelling of the query id.
 * The maximal hex run around it decides: 32 digits (hex, W3C, B3, OTel, nginx), 24 after `1-<8>-`
 * (X-Ray), 12 after `<8>-<4>-<4>-<4>-` (UUID), 16 (64-bit B3/Jaeger), or a Jaeger id that dropped
 * leading zeros (padded). Plain files are searched case-folded (wasm-find.ts), so mixed case is
 * found there; streams (gzip, stdin, Docker) search the lower- and uppercase needles.
 */
export function verifyAt(buf: Uint8Array, pos: number, lineStart: number, lineEnd: number, query: TraceQuery): boolean {
  let s = pos
  while (s > lineStart && HEX[buf[s - 1]!]) s--
  let e = pos
  while (e < lineEnd && HEX[buf[e]!]) e++
  const len = e - s
  let id: string | undefined
  if (
    len === 12 &&
    s - 24 >= lineStart &&
    buf[s - 1] === DASH &&
    buf[s - 6] === DASH &&
    buf[s - 11] === DASH &&
    buf[s - 16] === DASH &&
    hexRunAt(buf, s - 24, s - 16) &&
    hexRunAt(buf, s - 15, s - 11) &&
    hexRunAt(buf, s - 10, s - 6) &&
    hexRunAt(buf, s - 5, s - 1)
  ) {
    id =
      lowerHex(buf, s - 24, s - 16) +
      lowerHex(buf, s - 15, s - 11) +
      lowerHex(buf, s - 10, s - 6) +
      lowerHex(buf, s - 5, s - 1) +
      lowerHex(buf, s, e)
  } else if (
    len === 24 &&
    s - 11 >= lineStart &&
    buf[s - 1] === DASH &&
    buf[s - 10] === DASH &&
    buf[s - 11] === 0x31 &&
    hexRunAt(buf, s - 9, s - 1)
  ) {
    id = lowerHex(buf, s - 9, s - 1) + lowerHex(buf, s, e)
  } else if (len <= 32) {
    id = padHexId(lowerHex(buf, s, e))
  }

  return id !== undefined && sameTraceId(id, query.hex)
}
