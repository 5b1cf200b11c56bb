import {parseDuration} from '../core/duration.js'

// Unit words people write in configs, mapped to the gateway's unit.
const UNIT_WORDS: Record<string, string> = {
  us: 'us',
  µs: 'us',
  usec: 'us',
  usecs: 'us',
  microsecond: 'us',
  microseconds: 'us',
  ms: 'ms',
  msec: 'ms',
  msecs: 'ms',
  millis: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
}

const PART_RE = /(\d+(?:\.\d+)?)\s*([a-zµ]+)\s*,?\s*(?:and\s+)?/giy

/**
 * The canonical spelling of a duration written loosely ("5 seconds", "500 ms", "1 min 30 sec", "5S",
 * "2 hours"), or undefined when the text is not such a spelling. Bare numbers are not guessed: "30"
 * could be seconds or milliseconds, and a wrong guess is worse than a finding.
 */
export function canonicalDuration(text: string): string | undefined {
  const s = text.trim()
  if (!s || parseDuration(s) !== undefined) return undefined
  let out = ''
  PART_RE.lastIndex = 0
  let consumed = 0
  for (let m = PART_RE.exec(s); m; m = PART_RE.exec(s)) {
    const unit = UNIT_WORDS[m[2]!.toLowerCase()]
    if (!unit) return undefined
    out += `${m[1]}${unit}`
    consumed = PART_RE.lastIndex
  }

  if (consumed !== s.length || !out) return undefined
  return parseDuration(out) === undefined ? undefined : out
}
