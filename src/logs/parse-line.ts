/**
 * Reading one matched log line: timestamp, level, status, duration and a message. Only matching
 * lines (and their context) get here, so clarity beats speed in this file.
 */

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
export const LEVELS: Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

export interface ParsedLine {
  /** Milliseconds since the epoch (fraction keeps µs/ns order); undefined when none was found. */
  time?: number
  /** The timestamp as written. */
  timeText?: string
  level?: Level
  status?: number
  /** Request duration in milliseconds. */
  durationMs?: number
  message: string
  /** The line's JSON fields, when the line is a JSON object. */
  fields?: Record<string, unknown>
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
}

/** ISO 8601 / RFC 3339 (with T or space, any fraction, Z or ±hh:mm / ±hhmm, or no zone = local time). */
const ISO_RE = /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?/
/** nginx/Apache common log format: [10/Oct/2000:13:55:36 -0700] */
const CLF_RE = /\[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([+-]\d{4})\]/

function zoneOffsetMinutes(zone: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)
  if (!m) return 0
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))
}

function fractionMs(frac: string | undefined): number {
  return frac ? Number(`0.${frac}`) * 1000 : 0
}

/** Parse an ISO 8601 timestamp found anywhere in text. */
export function parseIsoTime(text: string): {time: number; text: string} | undefined {
  const m = ISO_RE.exec(text)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined
  const zone = m[8]
  const ms =
    zone === undefined
      ? new Date(y, mo - 1, d, h, mi, s).getTime()
      : Date.UTC(y, mo - 1, d, h, mi, s) - (zone === 'Z' || zone === 'z' ? 0 : zoneOffsetMinutes(zone)) * 60_000
  return {time: ms + fractionMs(m[7]), text: m[0]}
}

/** Parse a common-log-format timestamp ([10/Oct/2000:13:55:36 -0700]). */
export function parseClfTime(text: string): {time: number; text: string} | undefined {
  const m = CLF_RE.exec(text)
  if (!m) return undefined
  const month = MONTHS[m[2]!.toLowerCase()]
  if (month === undefined) return undefined
  const ms =
    Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) -
    zoneOffsetMinutes(m[8]!) * 60_000
  return {time: ms + fractionMs(m[7]), text: m[0].slice(1, -1)}
}

/** An epoch number: seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude. */
export function epochToMs(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined
  if (n < 1e11) return n * 1000 // seconds (until year 5138)
  if (n < 1e14) return n // milliseconds
  if (n < 1e17) return n / 1000 // microseconds
  return n / 1e6 // nanoseconds
}

/** Find a timestamp in free text: ISO 8601 (also inside Envoy's [..]) first, then CLF. */
export function parseTextTime(text: string): {time: number; text: string} | undefined {
  const iso = parseIsoTime(text)
  const clf = parseClfTime(text)
  if (iso && clf) return text.indexOf(iso.text) < text.indexOf(clf.text) ? iso : clf
  return iso ?? clf
}

const TIME_FIELDS = [
  '@timestamp',
  'timestamp',
  'time',
  'ts',
  'datetime',
  'date',
  't',
  'time_local',
  'time_iso8601',
  'start_time',
  'startTime',
  'timeUnixNano',
  'time_unix_nano',
  'observedTimeUnixNano',
]
const LEVEL_FIELDS = [
  'level',
  'lvl',
  'severity',
  'severity_text',
  'severityText',
  'loglevel',
  'log.level',
  'levelname',
  'log_level',
]
const MESSAGE_FIELDS = ['msg', 'message', 'body', 'event', 'log', 'request']
const STATUS_FIELDS = [
  'status',
  'status_code',
  'statusCode',
  'http.status_code',
  'http.response.status_code',
  'response_code',
  'responseCode',
  'code',
]
/** Duration fields and the unit their plain numbers are in. */
const DURATION_FIELDS: [string, number][] = [
  ['duration_ms', 1],
  ['durationMs', 1],
  ['latency_ms', 1],
  ['latencyMs', 1],
  ['elapsed_ms', 1],
  ['took_ms', 1],
  ['response_time_ms', 1],
  ['request_time', 1000],
  ['upstream_response_time', 1000],
  ['duration_s', 1000],
  ['elapsed_s', 1000],
  ['duration_us', 0.001],
  ['duration_ns', 1e-6],
  ['duration', 1],
  ['latency', 1],
  ['elapsed', 1],
  ['took', 1],
  ['responseTime', 1],
  ['response_time', 1],
  ['rt', 1000],
]

function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name]
  // Dotted names also reach into nested objects: log.level → {"log":{"level":…}}
  if (!name.includes('.')) return undefined
  let cur: unknown = obj
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[part]
  }

  return cur
}

/** pino/bunyan numbers, syslog words, and the usual spellings. */
export function normalizeLevel(value: unknown): Level | undefined {
  if (typeof value === 'number') {
    if (value >= 60) return 'fatal'
    if (value >= 50) return 'error'
    if (value >= 40) return 'warn'
    if (value >= 30) return 'info'
    if (value >= 20) return 'debug'
    return 'trace'
  }

  if (typeof value !== 'string') return undefined
  const v = value.trim().toLowerCase()
  if (/^(trace|trc|verbose)$/.test(v)) return 'trace'
  if (/^(debug|dbg|d)$/.test(v)) return 'debug'
  if (/^(info|inf|information|notice|i)$/.test(v)) return 'info'
  if (/^(warn|warning|wrn|w)$/.test(v)) return 'warn'
  if (/^(error|err|e|alert)$/.test(v)) return 'error'
  if (/^(fatal|critical|crit|emerg|emergency|panic|dpanic|f)$/.test(v)) return 'fatal'
  return undefined
}

const TEXT_LEVEL_RE =
  /(?:\blevel=|\blvl=|\[|\b)(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|FATAL|CRIT(?:ICAL)?|PANIC|EMERG)\b/i
/** Only a level word in capitals (or after level=) counts in free text: "error" in prose is not a level. */
function textLevel(text: string): Level | undefined {
  const kv = /\b(?:level|lvl|severity)=["']?(\w+)/i.exec(text)
  if (kv) return normalizeLevel(kv[1])
  const m = TEXT_LEVEL_RE.exec(text)
  if (!m || m[1] !== m[1]!.toUpperCase()) return undefined
  return normalizeLevel(m[1])
}

/** A duration value: a number in `unitMs`, or a string with a unit ("12ms", "1.2s", "350µs"). */
function durationValue(value: unknown, unitMs: number): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * unitMs
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)?$/.exec(value.trim())
    if (!m) return undefined
    const n = Number(m[1])
    const unit = m[2]
    if (!unit) return n * unitMs
    return n * ({ns: 1e-6, us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000} as Record<string, number>)[unit]!
  }

  return undefined
}

function statusValue(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined
}

/** Level from an HTTP status when the line names none: 5xx error, 4xx warn, else info. */
function levelFromStatus(status: number | undefined): Level | undefined {
  if (status === undefined) return undefined
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'
}

function parseJsonLine(text: string): ParsedLine | undefined {
  let obj: unknown
  try {
    obj = JSON.parse(text)
  } catch {
    return undefined
  }

  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined
  const fields = obj as Record<string, unknown>
  const out: ParsedLine = {message: '', fields}
  for (const name of TIME_FIELDS) {
    const v = field(fields, name)
    if (typeof v === 'number') {
      const ms = epochToMs(v)
      if (ms !== undefined) {
        out.time = ms
        out.timeText = String(v)
        break
      }
    } else if (typeof v === 'string') {
      const t = /^\d+(?:\.\d+)?$/.test(v) ? {time: epochToMs(Number(v)), text: v} : parseTextTime(v)
      if (t?.time !== undefined) {
        out.time = t.time
        out.timeText = v
        break
      }
    }
  }

  for (const name of LEVEL_FIELDS) {
    const l = normalizeLevel(field(fields, name))
    if (l) {
      out.level = l
      break
    }
  }

  for (const name of STATUS_FIELDS) {
    const s = statusValue(field(fields, name))
    if (s !== undefined) {
      out.status = s
      break
    }
  }

  for (const [name, unit] of DURATION_FIELDS) {
    const d = durationValue(field(fields, name), unit)
    if (d !== undefined) {
      out.durationMs = d
      break
    }
  }

  for (const name of MESSAGE_FIELDS) {
    const v = field(fields, name)
    if (typeof v === 'string' && v !== '') {
      out.message = v
      break
    }
  }

  if (!out.message) {
    const method = field(fields, 'method') ?? field(fields, 'http.method') ?? field(fields, 'request_method')
    const path =
      field(fields, 'path') ??
      field(fields, 'uri') ??
      field(fields, 'url') ??
      field(fields, 'http.target') ??
      field(fields, 'request_uri')
    out.message = method || path ? [method, path].filter(Boolean).join(' ') : text
  }

  out.level ??= levelFromStatus(out.status)
  return out
}

/** An access-log request ("GET /x HTTP/1.1") followed by the status, as nginx and Envoy write it. */
const ACCESS_STATUS_RE = /"(?:[A-Z]+ \S+(?: HTTP\/[\d.]+)?|-)" (\d{3})\b/
const TEXT_DURATION_RE =
  /\b(?:request_time|rt|upstream_response_time|urt|duration|latency|elapsed|took)[=: ]\s*"?(\d+(?:\.\d+)?)(ns|us|µs|ms|s)?\b/i
const TEXT_STATUS_RE = /\b(?:status|status_code|code)[=: ]"?(\d{3})\b/i

function parseTextLine(text: string): ParsedLine {
  const out: ParsedLine = {message: text}
  const t = parseTextTime(text)
  if (t) {
    out.time = t.time
    out.timeText = t.text
  }

  const access = ACCESS_STATUS_RE.exec(text)
  const st = access
    ? Number(access[1])
    : (() => {
        const m = TEXT_STATUS_RE.exec(text)
        return m ? Number(m[1]) : undefined
      })()
  out.status = statusValue(st)
  const d = TEXT_DURATION_RE.exec(text)
  if (d) {
    const name = d[0].toLowerCase()
    // nginx's request_time / rt are seconds; other names without a unit are taken as milliseconds.
    const unitless = /^(request_time|rt|upstream_response_time|urt)/.test(name) ? 1000 : 1
    out.durationMs = durationValue(d[2] ? `${d[1]}${d[2]}` : Number(d[1]), unitless)
  }

  out.level = textLevel(text) ?? levelFromStatus(out.status)
  // The timestamp is shown in its own column; drop it from the message when it leads the line.
  if (t) {
    const at = text.indexOf(t.text)
    if (at !== -1 && at <= 2) out.message = text.slice(at + t.text.length).replace(/^\]?\s*/, '')
  }

  return out
}

/** Parse one line: JSON objects by their fields, anything else as text. */
export function parseLine(text: string): ParsedLine {
  const trimmed = text.trimStart()
  if (trimmed.startsWith('{')) {
    const j = parseJsonLine(trimmed)
    if (j) return j
  }

  return parseTextLine(text)
}

/** Docker's `timestamps=true` prefix: RFC 3339 with nanoseconds, then one space. */
export function splitDockerTimestamp(line: string): {time?: number; timeText?: string; rest: string} {
  const sp = line.indexOf(' ')
  if (sp < 20 || sp > 40) return {rest: line}
  const t = parseIsoTime(line.slice(0, sp))
  if (!t) return {rest: line}
  return {time: t.time, timeText: line.slice(0, sp), rest: line.slice(sp + 1)}
}
