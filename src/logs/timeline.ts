import {Level, LEVELS, ParsedLine, parseLine, splitDockerTimestamp} from './parse-line.js'
import {ScannedLine} from './scanner.js'

export type SourceType = 'file' | 'container' | 'stdin'

/** Where a line came from. */
export interface SourceInfo {
  /** What people see: a path, `<stdin>`, or `service/container` (just the container name without a service). */
  name: string
  type: SourceType
  service?: string
  container?: string
  /** The Docker host (its --docker-host or context label) when several were searched. */
  host?: string
  /** A Swarm task (service.slot) and the node it ran on, for lines read through the service logs. */
  task?: string
  node?: string
}

/** One line of the timeline (the `--json` shape; see docs/trace.md). */
export interface TimelineLine {
  /** ISO 8601 (UTC, ms) of the line's time; undefined when the line has none and no neighbour gave one. */
  time?: string
  /** Milliseconds since the epoch (with fraction), for sorting and offsets. */
  timeMs?: number
  /** True when the line had no timestamp and took its neighbour's. */
  timeInferred?: boolean
  /** Milliseconds since the first line of the timeline. */
  offsetMs?: number
  source: string
  sourceType: SourceType
  service?: string
  container?: string
  host?: string
  task?: string
  node?: string
  stream?: 'stdout' | 'stderr'
  /** Byte offset of the line in its file (decompressed offset for .gz); absent for containers. */
  byteOffset?: number
  /** false for -C context lines. */
  match: boolean
  level?: Level
  status?: number
  durationMs?: number
  message: string
  /** The whole line as logged (Docker's timestamp prefix removed). */
  line: string
  /** The fields of a JSON line. */
  fields?: Record<string, unknown>
}

export interface SourceSummary {
  name: string
  type: SourceType
  service?: string
  matches: number
  bytes: number
  first?: string
  last?: string
  firstMs?: number
  lastMs?: number
}

/** Turn one source's scanned lines into timeline lines; lines without a time inherit a neighbour's. */
export function timelineLines(
  source: SourceInfo,
  scanned: (ScannedLine & {stream?: 'stdout' | 'stderr'})[],
): TimelineLine[] {
  const out: TimelineLine[] = scanned.map((s) => {
    let {text} = s
    let dockerTime: {time?: number} = {}
    if (source.type === 'container') {
      const split = splitDockerTimestamp(text)
      dockerTime = split
      text = split.rest
    }

    const parsed: ParsedLine = parseLine(text)
    // Docker's receive time is on every container line and on one clock; it orders containers.
    const timeMs = dockerTime.time ?? parsed.time
    const line: TimelineLine = {
      source: source.name,
      sourceType: source.type,
      service: source.service,
      container: source.container,
      host: source.host,
      task: source.task,
      node: source.node,
      stream: s.stream,
      byteOffset: source.type === 'container' ? undefined : s.offset,
      match: s.match,
      level: parsed.level,
      status: parsed.status,
      durationMs: parsed.durationMs,
      message: parsed.message,
      line: text,
      fields: parsed.fields,
    }
    if (timeMs !== undefined) line.timeMs = timeMs
    return line
  })
  // Inherit: the previous timed line of this source, else the next one.
  let last: number | undefined
  for (const l of out) {
    if (l.timeMs === undefined && last !== undefined) {
      l.timeMs = last
      l.timeInferred = true
    } else if (l.timeMs !== undefined) last = l.timeMs
  }

  let next: number | undefined
  for (let i = out.length - 1; i >= 0; i--) {
    const l = out[i]!
    if (l.timeMs === undefined && next !== undefined) {
      l.timeMs = next
      l.timeInferred = true
    } else if (l.timeMs !== undefined && !l.timeInferred) next = l.timeMs
  }

  return out
}

const levelRank = (l: Level | undefined) => (l === undefined ? -1 : LEVELS.indexOf(l))

export interface TimelineFilter {
  /** Keep matches at or above this level (lines without a level are dropped). */
  level?: Level
  sinceMs?: number
  untilMs?: number
}

/**
 * Filter matches (context lines go with the match they surround) and return the lines of one
 * source that stay.
 */
export function filterSourceLines(lines: TimelineLine[], filter: TimelineFilter): TimelineLine[] {
  if (filter.level === undefined && filter.sinceMs === undefined && filter.untilMs === undefined) return lines
  const keepMatch = (l: TimelineLine) => {
    if (filter.level !== undefined && levelRank(l.level) < levelRank(filter.level)) return false
    if (l.timeMs !== undefined && !l.timeInferred) {
      if (filter.sinceMs !== undefined && l.timeMs < filter.sinceMs) return false
      if (filter.untilMs !== undefined && l.timeMs > filter.untilMs) return false
    }

    return true
  }

  // Each context line belongs to the nearest match before it, or else the next one.
  const keep = lines.map((l) => (l.match ? keepMatch(l) : undefined))
  let prev: boolean | undefined
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.match) prev = keep[i]
    else if (prev !== undefined) keep[i] = prev
  }

  let nextKeep: boolean | undefined
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.match) nextKeep = keep[i]
    else if (keep[i] === undefined) keep[i] = nextKeep ?? false
  }

  return lines.filter((_, i) => keep[i])
}

/**
 * How many matches a filter left out, and why: outside --since/--until, or below --level (a match
 * that fails both counts as below the level). "Not found" with such matches says so.
 */
export function countFilteredMatches(all: TimelineLine[], filter: TimelineFilter): {time: number; level: number} {
  const out = {time: 0, level: 0}
  if (filter.level === undefined && filter.sinceMs === undefined && filter.untilMs === undefined) return out
  for (const l of all) {
    if (!l.match) continue
    if (filter.level !== undefined && levelRank(l.level) < levelRank(filter.level)) out.level++
    else if (
      l.timeMs !== undefined &&
      !l.timeInferred &&
      ((filter.sinceMs !== undefined && l.timeMs < filter.sinceMs) ||
        (filter.untilMs !== undefined && l.timeMs > filter.untilMs))
    )
      out.time++
  }

  return out
}

/** Merge sources into one timeline ordered by time (stable: source order, then file order). */
export function mergeTimeline(perSource: TimelineLine[][]): TimelineLine[] {
  const all: {l: TimelineLine; s: number; i: number}[] = []
  perSource.forEach((lines, s) => lines.forEach((l, i) => all.push({l, s, i})))
  all.sort((a, b) => {
    const ta = a.l.timeMs ?? Infinity
    const tb = b.l.timeMs ?? Infinity
    if (ta !== tb) return ta - tb
    if (a.s !== b.s) return a.s - b.s
    return a.i - b.i
  })
  const lines = all.map((x) => x.l)
  const first = lines.find((l) => l.timeMs !== undefined)?.timeMs
  for (const l of lines) {
    if (l.timeMs !== undefined) {
      l.time = new Date(l.timeMs).toISOString()
      if (first !== undefined) l.offsetMs = Math.round((l.timeMs - first) * 1000) / 1000
    }
  }

  return lines
}

/** First/last time and match count per source, in the order sources were given. */
export function summarizeSources(sources: SourceInfo[], perSource: TimelineLine[][], bytes: number[]): SourceSummary[] {
  return sources.map((s, i) => {
    const lines = perSource[i] ?? []
    const times = lines.map((l) => l.timeMs).filter((t): t is number => t !== undefined)
    const firstMs = times.length > 0 ? Math.min(...times) : undefined
    const lastMs = times.length > 0 ? Math.max(...times) : undefined
    return {
      name: s.name,
      type: s.type,
      service: s.service,
      matches: lines.filter((l) => l.match).length,
      bytes: bytes[i] ?? 0,
      firstMs,
      lastMs,
      first: firstMs === undefined ? undefined : new Date(firstMs).toISOString(),
      last: lastMs === undefined ? undefined : new Date(lastMs).toISOString(),
    }
  })
}
