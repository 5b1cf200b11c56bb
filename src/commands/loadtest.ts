import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {DistributedResult} from '../loadtest/distributed.js'
import type {LoadResult} from '../loadtest/result.js'

import {BaseCommand} from '../cli/base-command.js'
import {connectionFlags, reportFlag, sourceFlag} from '../cli/flags.js'
import {writeFileAtomic} from '../core/atomic-write.js'
import {resolveConnections} from '../core/connections.js'
import {InputError, UsageError} from '../core/errors.js'
import {ExitCode} from '../core/exit-codes.js'
import {readFlagFile} from '../core/input.js'
import {loadProjectConfig} from '../core/project-config.js'
import {compareResults, readSavedResult} from '../loadtest/compare.js'
import {type OutFormat, resultText} from '../loadtest/export.js'
import {breachLine, renderComparison, renderNodeRows, renderProgress, renderResult} from '../loadtest/render.js'
import {loadTest, type LoadTestRequest} from '../loadtest/run.js'

export default class Loadtest extends BaseCommand<typeof Loadtest> {
  static override summary =
    'Load test a URL or every healthy instance of a service, with honest (µs, corrected) latency'
  static override description = `wrk-compatible flags. Closed loop by default (each connection sends its next request when the last one is answered); with -R/--rate, open loop: requests are scheduled evenly and latency is measured from when each request should have been sent, so a stalling server shows up in the percentiles (wrk2's correction for coordinated omission).

A service name is resolved through discovery (Docker, etcd, Consul) to its healthy instances; connections are spread round robin over them and the report breaks requests and latency down per instance.

Exit codes: 0 done and every threshold held; 1 a --max-*/--min-* threshold breached (named on stderr); 2 bad flags or URL, unknown service, no healthy instance; 3 --body-file/--compare file unreadable; 4 --nodes: a replica's part is missing (named); 5 target (or discovery, or every replica) unreachable; 130 interrupted (the partial result is printed; with --nodes the service is removed).`
  static override examples = [
    '<%= config.bin %> loadtest http://127.0.0.1:8080/ -c 50 -d 30s',
    '<%= config.bin %> loadtest http://127.0.0.1:8080/api -R 2000 -d 1m --latency --uncorrected',
    '<%= config.bin %> loadtest user-api --path /health -c 30 -d 20s',
    '<%= config.bin %> loadtest http://127.0.0.1:8080/ -d 30s --max-p99 250ms --max-error-rate 1% --out run.json',
    '<%= config.bin %> loadtest http://127.0.0.1:8080/ -d 30s --compare run.json',
    '<%= config.bin %> loadtest user-api -c 30 -d 1m --max-p99 250ms --report loadtest.html',
    '<%= config.bin %> loadtest http://127.0.0.1:8080/ -c 60 -R 6000 -d 30s --nodes 3 --network host',
  ]
  static override args = {
    // Not required by the parser: --targets FILE stands in for it (run() asks for one of the two).
    target: Args.string({description: 'http(s) URL, or a service name to resolve through discovery'}),
  }
  static override flags = {
    ...connectionFlags,
    ...sourceFlag,
    connections: Flags.integer({char: 'c', description: 'Connections to keep open (default 10)', helpGroup: 'LOAD'}),
    duration: Flags.string({
      char: 'd',
      description: 'How long to measure: 10s, 1m (default 10s; with --requests, a cap of 5m)',
      helpGroup: 'LOAD',
    }),
    threads: Flags.integer({
      char: 't',
      description: `Threads (wrk's -t): the connections are split over this many event loops when a spare CPU core is free (see docs/loadtest.md in the package)`,
      helpGroup: 'LOAD',
    }),
    rate: Flags.string({
      char: 'R',
      description:
        'Constant throughput, requests/second over all connections: open loop, latency corrected for coordinated omission',
      helpGroup: 'LOAD',
    }),
    // Non-greedy: `-H "X-A: 1" http://…` (wrk's order) must leave the URL to the target argument.
    header: Flags.string({
      char: 'H',
      description: 'Request header "Name: value" (repeatable)',
      multiple: true,
      multipleNonGreedy: true,
      helpGroup: 'REQUEST',
    }),
    targets: Flags.string({
      description:
        "Requests to cycle round robin, from a file in vegeta's text format (METHOD URL, Header: value lines, @body-file; a blank line between targets)",
      exclusive: ['path', 'https', 'any-address', 'nodes', 'method'],
      helpGroup: 'REQUEST',
    }),
    method: Flags.string({char: 'm', description: 'HTTP method (default GET)', helpGroup: 'REQUEST'}),
    body: Flags.string({description: 'Request body', exclusive: ['body-file'], helpGroup: 'REQUEST'}),
    'body-file': Flags.string({description: 'Request body from a file', exclusive: ['body'], helpGroup: 'REQUEST'}),
    timeout: Flags.string({
      description: 'Count a request as timed out after this long (default 2s, as wrk)',
      helpGroup: 'REQUEST',
    }),
    path: Flags.string({
      description: 'For a service target: the path and query to request (default /)',
      helpGroup: 'REQUEST',
    }),
    https: Flags.boolean({description: 'For a service target: use https to its instances', helpGroup: 'REQUEST'}),
    insecure: Flags.boolean({
      char: 'k',
      description: "https: do not verify the server's certificate (as curl -k)",
      helpGroup: 'REQUEST',
    }),
    cacert: Flags.string({
      description: "https: also trust the CA certificates in this PEM file when verifying the server's",
      helpGroup: 'REQUEST',
    }),
    'any-address': Flags.boolean({
      description:
        "For a service target: also send load to an instance's gateway address (container or host IP) when no loopback port is published",
      helpGroup: 'REQUEST',
    }),
    latency: Flags.boolean({description: 'Print the full latency distribution and a histogram', helpGroup: 'OUTPUT'}),
    uncorrected: Flags.boolean({
      description: 'Also show latency measured from the actual send, without the coordinated-omission correction',
      helpGroup: 'OUTPUT',
    }),
    requests: Flags.integer({description: 'Stop after this many responses', helpGroup: 'LOAD'}),
    warmup: Flags.string({
      description: 'Send load this long before measuring (not recorded), e.g. 2s',
      helpGroup: 'LOAD',
    }),
    pipelining: Flags.integer({
      char: 'p',
      description: 'Requests in flight per connection (HTTP pipelining, default 1)',
      helpGroup: 'LOAD',
    }),
    out: Flags.string({description: 'Save the full result (the --json document) to this file', helpGroup: 'OUTPUT'}),
    'out-format': Flags.string({
      description:
        'What --out writes: json (the full result, default; what --compare reads), csv or ndjson (one row per second of the measured run)',
      options: ['json', 'csv', 'ndjson'],
      dependsOn: ['out'],
      helpGroup: 'OUTPUT',
    }),
    ...reportFlag,
    compare: Flags.string({description: 'Print the changes against a result saved with --out', helpGroup: 'OUTPUT'}),
    'max-p99': Flags.string({
      description: 'Fail (exit 1) when p99 latency is above this, e.g. 250ms',
      helpGroup: 'THRESHOLDS',
    }),
    'max-p95': Flags.string({description: 'Fail (exit 1) when p95 latency is above this', helpGroup: 'THRESHOLDS'}),
    'max-latency': Flags.string({
      description: 'Fail (exit 1) when the slowest response took longer than this',
      helpGroup: 'THRESHOLDS',
    }),
    'min-rps': Flags.string({
      description: 'Fail (exit 1) when fewer requests/second were answered',
      helpGroup: 'THRESHOLDS',
    }),
    'max-error-rate': Flags.string({
      description: 'Fail (exit 1) when more requests failed than this, e.g. 1%',
      helpGroup: 'THRESHOLDS',
    }),
    nodes: Flags.integer({
      description:
        'Send the load from N replicas of the mcp image as a Swarm service (the Docker host must be a Swarm manager); -c, -R split between them, results merged',
      min: 1,
      max: 100,
      helpGroup: 'SWARM',
    }),
    image: Flags.string({
      description: 'With --nodes: the image the replicas run (default mcp:<version>, what scripts/image.sh builds)',
      dependsOn: ['nodes'],
      helpGroup: 'SWARM',
    }),
    network: Flags.string({
      description: "With --nodes: run the replicas on the host network (so a target on a node's loopback is reached)",
      options: ['host'],
      dependsOn: ['nodes'],
      helpGroup: 'SWARM',
    }),
    // Set by --nodes on each replica: how many replicas there are and the agreed start.
    'replica-of': Flags.integer({hidden: true, min: 1, dependsOn: ['start-at']}),
    'start-at': Flags.string({hidden: true, dependsOn: ['replica-of']}),
  }

  async run(): Promise<(LoadResult & {compare?: unknown}) | undefined> {
    const {flags, args} = this
    if (flags['replica-of'] !== undefined) return this.runReplica()
    if (args.target === undefined && flags.targets === undefined) {
      throw new UsageError(`missing argument TARGET (${Loadtest.args.target.description}) or --targets FILE`, {
        hint: 'mcp loadtest --help shows what it takes',
      })
    }

    if (args.target !== undefined && flags.targets !== undefined) {
      throw new UsageError(`both a target (${JSON.stringify(args.target)}) and --targets given`, {
        hint: 'the targets file names every URL; leave out the positional target',
      })
    }

    // Read the files first: a bad --compare file must not cost a whole run.
    const before = flags.compare === undefined ? undefined : readSavedResult(flags.compare)
    const bodyBytes = flags['body-file'] === undefined ? undefined : readFlagFile(flags['body-file'], '--body-file')
    const caText = flags.cacert === undefined ? undefined : readFlagFile(flags.cacert, '--cacert').toString('utf8')
    const request: LoadTestRequest = {
      target: args.target ?? '',
      targetsFile: flags.targets,
      flags: {...flags, bodyBytes, caText},
      path: flags.path,
      https: flags.https,
      anyAddress: flags['any-address'],
      env: process.env,
    }

    // Ctrl-C stops the load; the partial result is printed and the exit code is 130.
    const abort = new AbortController()
    const onSigint = (): void => abort.abort()
    process.once('SIGINT', onSigint)
    const tty = this.progressEnabled
    let result: LoadResult | DistributedResult
    try {
      result =
        flags.nodes === undefined
          ? await loadTest(request, {
              signal: abort.signal,
              onProgress: tty ? (p) => process.stderr.write(renderProgress(p)) : undefined,
              warn: (line) => this.warnLine(line),
            })
          : await this.runDistributed(flags.nodes, abort.signal)
    } finally {
      process.removeListener('SIGINT', onSigint)
      if (tty) process.stderr.write('\r\u001B[K')
    }

    const comparison = before ? compareResults(flags.compare!, before, result) : undefined
    // A baseline of another URL (or method, or mode) compares unlike runs: say so, but still compare.
    if (comparison?.differences.length) {
      this.warnLine(`mcp: note: the --compare baseline differs from this run: ${comparison.differences.join(', ')}`)
    }

    const output = comparison
      ? {
          ...result,
          compare: {
            file: comparison.file,
            before: {startedAt: comparison.before.startedAt},
            deltas: comparison.deltas,
            differences: comparison.differences,
          },
        }
      : result
    if (flags.out) {
      try {
        writeFileAtomic(flags.out, resultText(output, (flags['out-format'] ?? 'json') as OutFormat))
      } catch (error) {
        throw new InputError(
          `cannot write the result (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
          {where: flags.out},
        )
      }
    }

    if (flags.report) {
      const [{renderLoadtestReport}, {writeHtmlReport}] = await Promise.all([
        import('../loadtest/html-report.js'),
        import('../report/html/write.js'),
      ])
      writeHtmlReport(
        flags.report,
        renderLoadtestReport(output, {command: this.commandLine, version: this.config.version}),
      )
    }

    if (!this.jsonEnabled()) {
      this.log(renderResult(result, {latency: flags.latency, uncorrected: flags.uncorrected}))
      if (isDistributed(result)) this.log(renderNodeRows(result.distributed.nodes))
      if (comparison) this.log(renderComparison(comparison))
    }

    for (const t of result.thresholds) if (!t.ok) this.warnLine(`mcp: ${breachLine(t)}`)
    const missing = isDistributed(result) ? result.distributed.nodes.filter((n) => !n.ok) : []
    for (const n of missing) this.warnLine(`mcp: ${n.task} on ${n.node}: its part is missing (${n.missing})`)
    if (result.interrupted) process.exitCode = ExitCode.INTERRUPTED
    else if (missing.length > 0) process.exitCode = ExitCode.PARTIAL
    else if (!result.ok) process.exitCode = ExitCode.NEGATIVE
    return output
  }

  /** --nodes N: the load as a Swarm service; Ctrl-C removes it and exits 130. */
  private async runDistributed(nodes: number, signal: AbortSignal): Promise<DistributedResult> {
    const {flags, args} = this
    const {distributedLoadTest, defaultImage} = await import('../loadtest/distributed.js')
    const connections = resolveConnections({...flags, timeout: undefined}, process.env, await loadProjectConfig())
    if (this.progressEnabled) this.warnLine(`starting ${nodes} replica${nodes === 1 ? '' : 's'} on the Swarm…`)
    try {
      return await distributedLoadTest(
        {
          target: args.target ?? '',
          flags,
          nodes,
          image: flags.image ?? defaultImage(this.config.version),
          hostNetwork: flags.network === 'host',
          connections,
        },
        {signal, warn: (line) => this.warnLine(line)},
      )
    } catch (error) {
      if ((error as {interrupted?: boolean}).interrupted) {
        this.warnLine('mcp: interrupted; the load service was removed')
        this.exit(ExitCode.INTERRUPTED)
      }

      throw error
    }
  }

  /** In a replica task: wait for the agreed start, send this task's share, print the result as marker lines. */
  private async runReplica(): Promise<undefined> {
    const {flags, args} = this
    const {encodeReplicaResult, replicaFlags} = await import('../loadtest/distributed.js')
    const plan = {of: flags['replica-of']!, slot: Number(process.env.MCP_TASK_SLOT ?? '1'), startAt: flags['start-at']!}
    const mine = replicaFlags(flags, plan)
    await new Promise((r) => setTimeout(r, mine.waitMs))
    const warn = (line: string) => this.warnLine(line)
    const result = await loadTest({target: args.target ?? '', flags: mine.flags, env: process.env}, {warn})
    process.stdout.write(encodeReplicaResult(result).join('\n') + '\n')
    return undefined
  }
}

function isDistributed(r: LoadResult | DistributedResult): r is DistributedResult {
  return 'distributed' in r
}
