import type {Scalar} from 'yaml'

/** A YAML scalar as compose-go reads it: its string form (Go's fmt.Sprint of the decoded value), null for YAML null. */
export interface ComposeScalar {
  text: string | null
  /** A string (interpolated by compose); numbers and booleans are not. */
  isString: boolean
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL'])
const TRUE = new Set(['true', 'True', 'TRUE'])
const FALSE = new Set(['false', 'False', 'FALSE'])
const INF = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'])
const NEG_INF = new Set(['-.inf', '-.Inf', '-.INF'])
const NAN = new Set(['.nan', '.NaN', '.NAN'])
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const UINT64_MAX = 2n ** 64n - 1n

/**
 * compose-go decodes YAML with yaml.v3, whose resolver differs from YAML 1.2's core schema on plain
 * scalars: `_` is dropped from numbers (`8_080` is 8080) and a leading 0 is octal (`010` is 8), as
 * `0o`, `0x` and `0b` are. Quoted and block scalars are strings as written.
 */
export function composeScalar(node: Scalar): ComposeScalar {
  const {value} = node
  if (node.type !== 'PLAIN' || node.tag === 'tag:yaml.org,2002:str') {
    return value === null || value === undefined ? {text: null, isString: false} : {text: String(value), isString: true}
  }

  const source = typeof node.source === 'string' ? node.source : String(value ?? '')
  if (node.tag && node.tag !== '!reset' && node.tag !== '!override') {
    // An explicit standard tag (!!int, !!float, …): the yaml package already decoded it.
    return value === null || value === undefined
      ? {text: null, isString: false}
      : {text: String(value), isString: typeof value === 'string'}
  }

  return resolvePlain(source)
}

/** yaml.v3's resolve() for an untagged plain scalar, printed as Go's fmt.Sprint prints the result. */
export function resolvePlain(src: string): ComposeScalar {
  if (NULLS.has(src)) return {text: null, isString: false}
  if (TRUE.has(src)) return {text: 'true', isString: false}
  if (FALSE.has(src)) return {text: 'false', isString: false}
  if (INF.has(src)) return {text: '+Inf', isString: false}
  if (NEG_INF.has(src)) return {text: '-Inf', isString: false}
  if (NAN.has(src)) return {text: 'NaN', isString: false}
  if (!/^[-+.0-9]/.test(src)) return {text: src, isString: true}
  const time = goTimestamp(src)
  if (time !== undefined) return {text: time, isString: false}
  const plain = src.replaceAll('_', '')
  const int = goParseInt(plain)
  if (int !== undefined && int >= INT64_MIN && int <= INT64_MAX) return {text: int.toString(), isString: false}
  if (int !== undefined && int >= 0n && int <= UINT64_MAX && !plain.startsWith('+'))
    return {text: int.toString(), isString: false}
  if (YAML_FLOAT.test(plain)) {
    const f = Number(plain)
    if (Number.isFinite(f)) return {text: goFloat(f), isString: false}
  }

  return {text: src, isString: true}
}

/** Go's strconv.ParseInt(s, 0, 64) syntax (range checked by the caller). */
function goParseInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s)
  if (!m) return undefined
  const body = m[2]!
  let n: bigint
  if (/^0[xXoObB]/.test(body)) n = BigInt(body.slice(0, 2).toLowerCase() + body.slice(2))
  else if (body.startsWith('0')) n = body.length === 1 ? 0n : BigInt('0o' + body.slice(1))
  else n = BigInt(body)
  return m[1] === '-' ? -n : n
}

/** Go's fmt.Sprint of a float64: the shortest digits that read back, in %e form when the exponent is < -4 or >= 6. */
export function goFloat(f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0' : '0'
  const [mantissa, expText] = f.toExponential().split('e') as [string, string]
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const exp = Number(expText)
  const sign = negative ? '-' : ''
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp)
    return `${sign}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`
  }

  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0')
  const frac = digits.slice(exp + 1)
  return `${sign}${int}${frac ? '.' + frac : ''}`
}

// yaml.v3's timestamp forms (time.Parse layouts "2006-1-2T15:4:5.999999999Z07:00", the same with "t",
// "2006-1-2 15:4:5.999999999" and "2006-1-2").
const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])|( ))(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?)?$/

/** A plain scalar yaml.v3 decodes as a time.Time, printed as Go's Time.String() does; undefined otherwise. */
export function goTimestamp(src: string): string | undefined {
  const m = TIMESTAMP.exec(src)
  if (!m) return undefined
  const [, y, mo, d, t, space, h = '0', mi = '0', sec = '0', frac, zone] = m
  // The T form needs a zone, the space form has none.
  if ((t && !zone) || (space && zone)) return undefined
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, sec].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return undefined
  const two = (n: number) => String(n).padStart(2, '0')
  const fraction = frac ? `.${frac.slice(0, frac.length - trailingZeros(frac))}`.replace(/\.$/, '') : ''
  const offset = !zone || zone === 'Z' ? '+0000 UTC' : `${zone.replace(':', '')} ${zone.replace(':', '')}`
  return `${y}-${two(month)}-${two(day)} ${two(hour)}:${two(minute)}:${two(second)}${fraction} ${offset}`
}

/** How many '0's end the digits (a loop: /0+$/ is quadratic on a long run of zeros inside them). */
function trailingZeros(digits: string): number {
  let n = 0
  while (n < digits.length && digits[digits.length - 1 - n] === '0') n++
  return n
}
