import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {DockerHost} from '../logs/docker-hosts.js'

import {BaseCommand} from '../cli/base-command.js'
import {connectionFlags, durationFlag, reportFlag} from '../cli/flags.js'
import {Connections, resolveConnections} from '../core/connections.js'
import {parseDuration} from '../core/duration.js'
import {UsageError} from '../core/errors.js'
import {ExitCode} from '../core/exit-codes.js'
import {loadProjectConfig} from '../core/project-config.js'
import {LEVELS, parseIsoTime} from '../logs/parse-line.js'
import {renderLine, renderProblem, renderTimeline, sourceColumnWidth, timelineHeader} from '../logs/render.js'
import {traceQuery} from '../logs/trace-id.js'
import {followTrace, runTrace, TraceOptions, TraceResult} from '../logs/trace.js'

/** --since/--until: a duration back from now (10m, 2h) or a timestamp (RFC 3339), as `docker logs` takes. */
function parseTimeFlag(flag: string, text: string, now: number): number {
  const d = /^\d+(?:\.\d+)?$/.test(text.trim()) ? undefined : parseDuration(text)
  if (d !== undefined) return now - d
  const t = parseIsoTime(text)
  if (t && /^\s*\d{4}-\d{2}-\d{2}/.test(text)) return t.time
  if (/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) return new Date(`${text.trim()}T00:00:00`).getTime()
  if (/^\d+(?:\.\d+)?$/.test(text.trim())) return Number(text) * 1000
  throw new UsageError(`--${flag} ${JSON.stringify(text)} is neither a duration nor a time`, {
    hint: 'use a duration back from now (10m, 2h) or a time (2026-11-21T10:00:00Z, a Unix timestamp)',
  })
}

/** --since/--until, parsed by oclif into ms since the epoch: the text as typed is the flag's, `now` when it is parsed. */
const timeFlag = Flags.custom<number>({
  parse: async (text, _context, flag) => parseTimeFlag(flag.name, text, Date.now()),
})

/** Every daemon to search (repeated --docker-host / --docker-context, --all-contexts), each connected lazily. */
async function dockerHosts(connections: Connections, timeoutMs: number): Promise<DockerHost[]> {
  const {connectDocker, expandDockerConnections} = await import('../docker/client.js')
  return expandDockerConnections(connections.dockers).map((conn) => ({
    label: conn.context ?? conn.host ?? 'docker',
    open: async () => connectDocker(conn, timeoutMs),
  }))
}

export default class Trace extends BaseCommand<typeof Trace> {
  static override summary = 'Every log line of one request, from files and containers, as one timeline'
  static override description = `Finds a trace id in any spelling (W3C traceparent, B3, Jaeger, AWS X-Ray, OpenTelemetry, Envoy x-request-id UUID, nginx $request_id) across log files, directories, globs, rotated and gzipped files, stdin and Docker container logs (on several hosts with repeated --docker-host / --docker-context or --all-contexts; a Swarm service's every task through the manager), and prints the matching lines in time order with a waterfall per source.

Exit codes: 0 found, 1 not found, 2 usage, 3 a file could not be read (the rest were searched), 4 a Docker host unreachable while other sources answered, 5 nothing answered. See docs/trace.md in the package.`
  static override examples = [
    '<%= config.bin %> trace 4bf92f3577b34da6a3ce929d0e0e4736 /var/log/nginx/',
    "<%= config.bin %> trace '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' 'logs/**/*.log*' --service orders",
    '<%= config.bin %> trace a3ce929d0e0e4736 --all-containers --since 1h --level warn',
    'kubectl logs deploy/api | <%= config.bin %> trace Root=1-4bf92f35-77b34da6a3ce929d0e0e4736 -',
    '<%= config.bin %> trace 4bf92f3577b34da6a3ce929d0e0e4736 logs/ --service orders --report trace.html',
  ]
  static override strict = false
  static override args = {
    id: Args.string({description: 'The trace or request id, in any spelling', required: true}),
    paths: Args.string({description: 'Files, directories (recursive), globs; - for stdin (repeatable)'}),
  }
  static override flags = {
    // Non-greedy: `--container a app.log` takes one value, the path stays a path.
    container: Flags.string({
      description: "Search this container's logs (name or id; repeatable)",
      multiple: true,
      multipleNonGreedy: true,
      helpGroup: 'SOURCES',
    }),
    service: Flags.string({
      char: 's',
      multiple: true,
      multipleNonGreedy: true,
      description: 'Search every container of this service, by its service-name label (repeatable)',
      helpGroup: 'SOURCES',
    }),
    'all-containers': Flags.boolean({
      description: 'Search every container carrying the service-name label',
      helpGroup: 'SOURCES',
    }),
    since: timeFlag({
      description:
        'Only lines at or after this time: a duration back from now (10m) or a timestamp; sent to the Docker API',
    }),
    until: timeFlag({description: 'Only lines at or before this time (same forms as --since)'}),
    // -C/--context is lines, as in grep; the Docker context is --docker-context here.
    context: Flags.custom<number>({
      char: 'C',
      aliases: ['context-lines'],
      description: 'Show N lines before and after each match, per source (as grep -C)',
      default: 0,
      async parse(text) {
        if (/^\d+$/.test(text.trim())) return Number(text)
        throw new UsageError(`--context ${JSON.stringify(text)} is not a number of lines`, {
          hint: 'give the lines to show around each match (-C 2); a Docker context is --docker-context',
        })
      },
    })(),
    level: Flags.option({
      description: 'Only matches at or above this level (lines without a level are left out)',
      options: LEVELS,
    })(),
    follow: Flags.boolean({
      char: 'f',
      description: 'Keep watching the files and containers for new lines with the id (Ctrl-C to stop)',
    }),
    gap: durationFlag({description: 'Mark gaps between consecutive lines at least this long', default: '1s'}),
    report: Flags.string({description: reportFlag.report.description, helpGroup: 'OUTPUT', exclusive: ['follow']}),
    threads: Flags.integer({
      char: 'j',
      description:
        'Threads for searching files (default: one per core, over 512 MiB of input); an explicit N > 1 also splits one big file',
      min: 1,
    }),
    'docker-host': connectionFlags['docker-host'],
    // --docker-context, not --context: trace's -C/--context is grep's context lines.
    'docker-context': Flags.string({
      description:
        'Docker CLI context to search (default: DOCKER_CONTEXT, then `docker context use`); repeat for several',
      helpGroup: 'CONNECTION',
      multiple: true,
    }),
    'all-contexts': Flags.boolean({
      description: connectionFlags['all-contexts'].description,
      helpGroup: 'CONNECTION',
      exclusive: ['docker-host', 'docker-context'],
    }),
    'label-prefix': connectionFlags['label-prefix'],
    timeout: connectionFlags.timeout,
    profile: connectionFlags.profile,
  }

  async run(): Promise<TraceResult | undefined> {
    const [idText, ...rawPaths] = this.positionals
    const query = traceQuery(idText!)
    if (!query) {
      throw new UsageError(`${JSON.stringify(idText)} is not a trace id`, {
        hint: 'give 16 or 32 hex digits, a traceparent (00-…-…-01), a UUID, an X-Ray Root=1-…-…, a b3 or uber-trace-id value',
      })
    }

    const f = this.flags
    const gapMs = f.gap
    const names = f.container ?? []
    const services = f.service ?? []
    const wantsDocker = names.length > 0 || services.length > 0 || f['all-containers']
    // ripgrep searches the current directory when given no path; a trace with no source would find nothing.
    let paths = rawPaths
    if (paths.length === 0 && !wantsDocker) {
      if (process.stdin.isTTY) {
        throw new UsageError('no logs to search', {
          hint: 'name files, directories or globs, - for stdin, or --container/--service/--all-containers',
        })
      }

      paths = ['-']
    }

    const dockerFlags = {...f, context: f['docker-context']}
    const connections = wantsDocker
      ? resolveConnections(dockerFlags, process.env, await loadProjectConfig())
      : undefined
    const options: TraceOptions = {
      query,
      paths,
      containers: {names, services, all: f['all-containers'], labelPrefix: connections?.labelPrefix ?? 'mcp'},
      // dockerode is dear to load (docs/performance.md): only when containers are searched.
      dockers: connections ? await dockerHosts(connections, f.follow ? 0 : connections.timeoutMs) : undefined,
      context: f.context,
      filter: {level: f.level, sinceMs: f.since, untilMs: f.until},
      threads: f.threads,
      // An explicit -j N also splits one big file into ranges; by default threads take whole files.
      splitFiles: f.threads !== undefined && f.threads > 1,
    }

    const result = await runTrace(options)
    if (f.report) {
      const [{renderTraceReport}, {writeHtmlReport}] = await Promise.all([
        import('../logs/html-report.js'),
        import('../report/html/write.js'),
      ])
      writeHtmlReport(
        f.report,
        renderTraceReport(result, {command: this.commandLine, version: this.config.version, gapMs}),
      )
    }

    if (!f.follow) {
      // No SIGINT handler here: Ctrl-C during a search ends the process the default way (130).
      process.exitCode = result.exitCode
      if (this.jsonEnabled()) return result
      this.printResult(result, gapMs)
      return undefined
    }

    const abort = new AbortController()
    const onSigint = () => abort.abort()
    process.on('SIGINT', onSigint)
    try {
      return await this.follow(result, options, abort.signal, gapMs)
    } finally {
      process.removeListener('SIGINT', onSigint)
    }
  }

  private printResult(result: TraceResult, gapMs: number): void {
    for (const p of result.problems)
      for (const [n, line] of renderProblem(p).entries()) this.warnLine(n ? line : `mcp: ${line}`)
    if (result.found) {
      this.print(renderTimeline(result, {gapMs, width: process.stdout.columns ?? 100}))
    } else if (result.exitCode < ExitCode.PARTIAL) {
      const n = result.sources.length
      // Found, but filtered out: "not found" alone would send the user looking in the wrong place.
      const {time, level} = result.stats.filteredOut
      const left = [
        time ? `${time} line${time === 1 ? '' : 's'} outside --since/--until` : '',
        level ? `${level} line${level === 1 ? '' : 's'} below --level ${this.flags.level}` : '',
      ].filter(Boolean)
      const carry = left.length > 0 ? `; ${left.join(', ')} carry it` : ''
      this.warnLine(
        `mcp: ${result.id.hex} (${result.id.spelling}) not found in ${n} source${n === 1 ? '' : 's'} (${result.stats.bytes} bytes searched)${carry}`,
      )
    }
  }

  /**
   * --follow: print what is there, then each new line as it comes. Ctrl-C is the normal way out, so
   * the exit code stays 0 (found, before or while following) or 1, as `tail -f | grep` users expect.
   * With --json every line is one JSON object (NDJSON).
   */
  private async follow(
    result: TraceResult,
    options: TraceOptions,
    signal: AbortSignal,
    gapMs: number,
  ): Promise<undefined> {
    let {found} = result
    const json = this.jsonEnabled()
    // Streamed, not this.log: under --json the output is these NDJSON lines, which this.log would drop.
    if (json) for (const l of result.lines) process.stdout.write(JSON.stringify(l) + '\n')
    else this.printResult(result, gapMs)
    if (process.stderr.isTTY && !json) this.warnLine('following… (Ctrl-C to stop)')
    // The columns of the timeline above (OFFSET included), or of a heading printed with the first new line.
    const width = sourceColumnWidth(
      result.lines.length > 0 ? result.lines.map((l) => l.source) : result.sources.map((s) => s.name),
    )
    let headed = result.lines.length > 0
    await followTrace(
      options,
      result,
      (line) => {
        if (line.match) found = true
        if (!json && !headed) {
          process.stdout.write(timelineHeader(width) + '\n')
          headed = true
        }

        process.stdout.write(json ? JSON.stringify(line) + '\n' : renderLine(line, width) + '\n')
      },
      signal,
      (p) => renderProblem(p).forEach((line, n) => this.warnLine(n ? line : `mcp: ${line}`)),
    )
    process.exitCode = found && result.exitCode === ExitCode.NEGATIVE ? ExitCode.OK : result.exitCode
    return undefined
  }
}
