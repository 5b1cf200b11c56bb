import {UsageError} from './errors.js'

const UNIT_MS: Record<string, number> = {
  us: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

const DURATION_RE = /^(?:(\d+(?:\.\d+)?)(us|µs|ms|s|m|h|d))+$/
const PART_RE = /(?<!\d)(\d+(?:\.\d+)?)(us|µs|ms|s|m|h|d)/g

/**
 * Parse a Go-style duration ("500ms", "5s", "1m30s", "2h") into milliseconds.
 * Returns undefined for anything else, including negatives and bare numbers: the gateway's config
 * and labels spell durations with a unit, and a bare "30" is ambiguous (seconds? ms?).
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim()
  if (!DURATION_RE.test(s)) return undefined
  let total = 0
  for (const m of s.matchAll(PART_RE)) total += Number(m[1]) * UNIT_MS[m[2]!]!
  return Number.isFinite(total) ? total : undefined
}

/**
 * Parse a duration flag value. Bare numbers are taken as seconds, as wrk does for -d.
 * Throws a UsageError naming the flag for anything else, and for zero unless allowZero.
 */
export function parseDurationFlag(flag: string, text: string, options: {allowZero?: boolean} = {}): number {
  const s = text.trim()
  const ms = /^\d+(?:\.\d+)?$/.test(s) ? Number(s) * 1000 : parseDuration(s)
  if (ms === undefined || (!options.allowZero && ms === 0)) {
    throw new UsageError(`--${flag} ${JSON.stringify(text)} is not a duration`, {
      hint: `use a positive number with a unit, e.g. 500ms, 5s, 1m${options.allowZero ? ' (0 allowed)' : ''}`,
    })
  }

  return ms
}

/** Format milliseconds the way people read them: 850µs, 12.3ms, 4.2s, 3m10s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 1) return `${Math.round(ms * 1000)}µs`
  if (ms < 10) return `${ms.toFixed(2)}ms`
  if (ms < 1000) return `${ms.toFixed(1).replace(/\.0$/, '')}ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`
  const m = Math.floor(ms / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  if (m < 60) return s ? `${m}m${s}s` : `${m}m`
  const h = Math.floor(m / 60)
  return m % 60 ? `${h}h${m % 60}m` : `${h}h`
}
