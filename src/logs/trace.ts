import type {Readable} from 'node:stream'

import {closeSync, openSync, readSync, statSync} from 'node:fs'

import type {DockerClient} from '../docker/client.js'

import {ExitCode, worstExitCode} from '../core/exit-codes.js'
import {containerSourceInfo, DockerHost, searchDockerHosts} from './docker-hosts.js'
import {ContainerRef, ContainerSelection, LogStreamError, resolveContainers, scanContainerLogs} from './docker-logs.js'
import {ScanResult, scanStream} from './file-scan.js'
import {expandPaths, LogFile} from './paths.js'
import {LineScanner, StreamScanner} from './scanner.js'
import {searchFiles} from './search-files.js'
import {
  countFilteredMatches,
  filterSourceLines,
  mergeTimeline,
  SourceInfo,
  SourceSummary,
  summarizeSources,
  TimelineFilter,
  TimelineLine,
  timelineLines,
} from './timeline.js'
import {TraceQuery} from './trace-id.js'

export interface TraceProblem {
  source: string
  kind: 'binary' | 'unreadable' | 'truncated' | 'not-found' | 'unreachable' | 'error'
  message: string
  hint?: string
  /** Byte offset: of the NUL byte (binary), or how far reading got (truncated, decompressed bytes). */
  offset?: number
  /** For a truncated .gz: compressed bytes read before the data broke off. */
  compressedOffset?: number
}

export interface TraceOptions {
  query: TraceQuery
  /** Files, directories, globs; `-` is standard input. */
  paths: string[]
  containers: ContainerSelection
  /**
   * The Docker daemons to search, each opened only when containers were asked for (dockerode loads
   * lazily); several are searched in parallel and each line names its host.
   */
  dockers?: DockerHost[]
  context: number
  filter: TimelineFilter
  threads?: number
  /** Split one large file over the threads too (ripgrep does not; it pays only on idle cores). */
  splitFiles?: boolean
  stdin?: Readable
}

export interface TraceResult {
  id: {input: string; spelling: string; hex: string; low64: string}
  found: boolean
  lines: TimelineLine[]
  sources: SourceSummary[]
  problems: TraceProblem[]
  /** filteredOut: matches left out by --since/--until (time) or --level (files and stdin; Docker applies the window itself). */
  stats: {
    bytes: number
    files: number
    containers: number
    elapsedMs: number
    filteredOut: {time: number; level: number}
  }
  exitCode: number
  /** Epoch ms when the search started (--follow asks Docker for logs from here). */
  startedAt: number
}

function problemFromScan(name: string, r: ScanResult): TraceProblem | undefined {
  if (r.binaryAt !== undefined)
    return {
      source: name,
      kind: 'binary',
      message: `binary file skipped (NUL byte at offset ${r.binaryAt})`,
      offset: r.binaryAt,
    }
  if (!r.error) return undefined
  if (r.error.message === 'truncated gzip data') {
    return {
      source: name,
      kind: 'truncated',
      message: `gzip data ends early at compressed offset ${r.error.compressedOffset} (after ${r.error.offset} decompressed bytes); lines found before it are shown`,
      offset: r.error.offset,
      compressedOffset: r.error.compressedOffset,
    }
  }

  return {source: name, kind: 'unreadable', message: r.error.message, offset: r.error.offset}
}

/** Exit code under grep's contract mapped onto src/core/exit-codes.ts (docs/trace.md "Exit codes"). */
export function traceExitCode(found: boolean, problems: TraceProblem[], answered: number): number {
  let code: number = found ? ExitCode.OK : ExitCode.NEGATIVE
  for (const p of problems) {
    if (p.kind === 'binary') continue
    code =
      p.kind === 'unreachable'
        ? worstExitCode(code, answered > 0 ? ExitCode.PARTIAL : ExitCode.UNREACHABLE)
        : worstExitCode(code, ExitCode.INPUT)
  }

  return code
}

export function containerSource(ref: ContainerRef, host?: string): SourceInfo {
  return containerSourceInfo(ref, host)
}

/** Search every source once and build the timeline. */
export async function runTrace(options: TraceOptions): Promise<TraceResult> {
  const started = performance.now()
  const startedAt = Date.now()
  const {query} = options
  const problems: TraceProblem[] = []
  const sources: SourceInfo[] = []
  const perSource: TimelineLine[][] = []
  const bytes: number[] = []
  let answered = 0
  const filteredOut = {time: 0, level: 0}

  const fileArgs = options.paths.filter((p) => p !== '-')
  const {files, problems: pathProblems} = expandPaths(fileArgs)
  for (const p of pathProblems)
    problems.push({source: p.path, kind: p.code === 'ENOENT' ? 'not-found' : 'unreadable', message: p.message})

  const addSource = (info: SourceInfo, result: ScanResult & {lines: never[] | ScanResult['lines']}) => {
    const problem = problemFromScan(info.name, result)
    if (problem) problems.push(problem)
    if (problem?.kind !== 'unreadable') answered++
    sources.push(info)
    const all = result.binaryAt === undefined ? timelineLines(info, result.lines) : []
    const left = countFilteredMatches(all, options.filter)
    filteredOut.time += left.time
    filteredOut.level += left.level
    perSource.push(filterSourceLines(all, options.filter))
    bytes.push(result.bytes)
  }

  if (options.paths.includes('-')) {
    const r = await scanStream(options.stdin ?? process.stdin, query, {context: options.context})
    addSource({name: '<stdin>', type: 'stdin'}, r)
  }

  const fileResults = await searchFiles(files, query, {
    context: options.context,
    threads: options.threads,
    splitFiles: options.splitFiles,
  })
  files.forEach((f, i) => addSource({name: f.path, type: 'file'}, fileResults[i]!))

  const sel = options.containers
  let containerCount = 0
  if (sel.names.length > 0 || sel.services.length > 0 || sel.all) {
    const window = {since: toUnixSeconds(options.filter.sinceMs), until: toUnixSeconds(options.filter.untilMs)}
    const found = await searchDockerHosts(options.dockers ?? [], sel, query, {context: options.context, window})
    problems.push(...found.problems)
    containerCount = found.containers
    // A host that answered counts even when it had nothing to search: one that did not is partial (4).
    answered += found.answered
    for (const s of found.sources) addSource(s.info, s.result)
  }

  const lines = mergeTimeline(perSource)
  const found = lines.some((l) => l.match)
  return {
    id: {input: query.input, spelling: query.spelling, hex: query.hex, low64: query.low64},
    found,
    lines,
    sources: summarizeSources(sources, perSource, bytes),
    problems,
    stats: {
      bytes: bytes.reduce((a, b) => a + b, 0),
      files: files.length,
      containers: containerCount,
      elapsedMs: Math.round(performance.now() - started),
      filteredOut,
    },
    exitCode: traceExitCode(found, problems, answered),
    startedAt,
  }
}

async function dockerProblem(client: DockerClient | undefined, error: unknown): Promise<TraceProblem> {
  const {dockerUnreachableHint} = await import('../docker/client.js')
  const where = client ? `Docker at ${client.target.endpoint}` : 'Docker'
  // A reply over a limit or not in the protocol says so itself; asking whether dockerd runs is no help.
  const {code} = error as {code?: string}
  if (error instanceof LogStreamError || code === 'ELIMIT' || code === 'EPROTO') {
    return {
      source: 'docker',
      kind: 'unreachable',
      message: `cannot search container logs from ${where}: ${(error as Error).message}`,
    }
  }

  return {
    source: 'docker',
    kind: 'unreachable',
    message: `cannot search container logs: ${where} did not answer (${(error as Error).message})`,
    hint: client ? dockerUnreachableHint(client.target) : undefined,
  }
}

function lineKey(l: TimelineLine): string {
  return `${l.source}\u0000${l.timeMs}\u0000${l.line}`
}

function toUnixSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.floor(ms) / 1000
}

/**
 * Keep watching: new bytes appended to the files (a truncated or replaced file restarts at 0) and
 * new container log lines, each matching line handed to onLine as it arrives, until signal aborts.
 */
export async function followTrace(
  options: TraceOptions,
  after: TraceResult,
  onLine: (line: TimelineLine) => void,
  signal: AbortSignal,
  onProblem: (p: TraceProblem) => void,
): Promise<void> {
  const {query} = options
  // Files go on from where the search stopped reading; gzip archives do not grow and are not followed.
  const readTo = new Map(after.sources.filter((s) => s.type === 'file').map((s) => [s.name, s.bytes]))
  const binary = new Set(after.problems.filter((p) => p.kind === 'binary').map((p) => p.source))
  const files = expandPaths(options.paths.filter((p) => p !== '-')).files.filter(
    (f) => !/\.gz$/i.test(f.path) && !binary.has(f.path),
  )
  // Container logs are asked from when the search started; lines it already showed are skipped.
  const seen = new Set(after.lines.filter((l) => l.sourceType === 'container').map(lineKey))
  // New lines keep the timeline's OFFSET column: from the first line shown, or else the first that comes.
  let first = after.lines.find((l) => l.timeMs !== undefined)?.timeMs
  const emit =
    (info: SourceInfo) => (l: {offset: number; text: string; match: boolean; stream?: 'stdout' | 'stderr'}) => {
      for (const t of filterSourceLines(timelineLines(info, [l]), options.filter)) {
        if (info.type === 'container' && seen.has(lineKey(t))) continue
        t.time = t.timeMs === undefined ? undefined : new Date(t.timeMs).toISOString()
        if (t.timeMs !== undefined) {
          first ??= t.timeMs
          t.offsetMs = Math.round((t.timeMs - first) * 1000) / 1000
        }

        onLine(t)
      }
    }

  const tasks: Promise<void>[] = files.map((f) =>
    followFile(
      {path: f.path, size: readTo.get(f.path) ?? f.size},
      query,
      options.context,
      emit({name: f.path, type: 'file'}),
      signal,
    ),
  )
  const sel = options.containers
  if (sel.names.length > 0 || sel.services.length > 0 || sel.all) {
    const hosts = options.dockers ?? []
    for (const host of hosts) {
      let client: DockerClient | undefined
      try {
        client = await host.open()
        const {containers} = await resolveContainers(client, sel)
        const since = after.startedAt / 1000
        for (const c of containers) {
          const info = containerSource(c, hosts.length > 1 ? host.label : undefined)
          const open = client
          tasks.push(
            scanContainerLogs(open, c, query, {
              context: options.context,
              follow: true,
              signal,
              window: {since},
              onLine: emit(info),
            }).then(
              () => undefined,
              async (error) => onProblem(await dockerProblem(open, error)),
            ),
          )
        }
      } catch (error) {
        onProblem(await dockerProblem(client, error))
      }
    }
  }

  await Promise.all(tasks)
}

/** Poll one file for appended bytes (like tail -F: a shrunk file is read again from the start). */
async function followFile(
  file: LogFile,
  query: TraceQuery,
  context: number,
  onLine: (l: {offset: number; text: string; match: boolean}) => void,
  signal: AbortSignal,
): Promise<void> {
  let offset = file.size
  let scanner = new LineScanner(query, {context, onLine})
  let feed = new StreamScanner(scanner, {startOffset: offset, eager: true})
  scanner.reset(offset)
  const chunk = Buffer.allocUnsafe(1024 * 1024)
  while (!signal.aborted) {
    await new Promise((r) => setTimeout(r, 250))
    let size: number
    try {
      size = statSync(file.path).size
    } catch {
      continue
    }

    if (size < offset) {
      offset = 0
      scanner = new LineScanner(query, {context, onLine})
      feed = new StreamScanner(scanner, {eager: true})
    }

    if (size === offset) continue
    let fd: number
    try {
      fd = openSync(file.path, 'r')
    } catch {
      continue
    }

    try {
      let n: number
      while ((n = readSync(fd, chunk, 0, chunk.length, offset)) > 0) {
        offset += n
        feed.push(chunk.subarray(0, n))
      }
    } finally {
      closeSync(fd)
    }
  }
}
