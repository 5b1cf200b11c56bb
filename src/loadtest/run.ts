import {performance} from 'node:perf_hooks'

import {type ConnectionFlagValues, resolveConnections} from '../core/connections.js'
import {SourceUnreachableError, UsageError} from '../core/errors.js'
import {ExitCode} from '../core/exit-codes.js'
import {loadProjectConfig} from '../core/project-config.js'
import {endpointGroups, type LoadHooks, type LoadPlan, type LoadTarget, runLoad, TargetUnreachable} from './engine.js'
import {type LoadSettings, parseLoadSettings, type RawLoadFlags} from './options.js'
import {buildResult, type LoadResult} from './result.js'
import {pickServiceTargets} from './service-targets.js'
import {parseTargetsFile} from './targets-file.js'
import {displayUrl, parseTargetArg, urlTarget} from './targets.js'
import {effectiveThreads, runThreaded} from './threads.js'

export interface LoadTestRequest {
  /** A URL or service name; empty with targetsFile. */
  target: string
  /** --targets: a file of requests in vegeta's text format, cycled round robin. */
  targetsFile?: string
  flags: ConnectionFlagValues & RawLoadFlags & {source?: string}
  path?: string
  https?: boolean
  anyAddress?: boolean
  env: NodeJS.ProcessEnv
}

export interface LoadTestHooks extends LoadHooks {
  warn?: (line: string) => void
}

interface Resolved {
  targets: LoadTarget[]
  urls: string[]
  target: LoadResult['target']
  /** --targets: requests cycled on connections shared per endpoint. */
  cycle?: boolean
  requestOf?: {method: string; headers: string[]}[]
}

/** --targets FILE: every request of the file, -H headers and --body as defaults for each. */
function fileTargets(file: string, settings: LoadSettings): Resolved {
  const entries = parseTargetsFile(file)
  const targets = entries.map((e): LoadTarget => {
    // The target's own headers win over -H ones of the same name.
    const own = new Set(e.headers.map(([k]) => k.toLowerCase()))
    const headers = [...settings.headers.filter(([k]) => !own.has(k.toLowerCase())), ...e.headers]
    const shown = displayUrl(e.url)
    const base = urlTarget(
      e.url,
      {...settings, method: e.method, headers, body: e.body ?? settings.body},
      `${e.method} ${shown}`,
    )
    return {...base, line: e.line, head: e.method === 'HEAD'}
  })
  const groups = new Set(endpointGroups(targets).map((g) => g[0]))
  if (settings.connections < groups.size) {
    throw new UsageError(
      `--connections ${settings.connections} is fewer than the ${groups.size} endpoints (host:port) of ${file}`,
      {hint: `use -c ${groups.size} or more`},
    )
  }

  return {
    targets,
    urls: entries.map((e) => displayUrl(e.url)),
    target: {kind: 'targets', file, targets: targets.length},
    cycle: true,
    requestOf: entries.map((e) => ({method: e.method, headers: e.headers.map(([k]) => k)})),
  }
}

async function resolveTargets(
  req: LoadTestRequest,
  settings: LoadSettings,
  warn: (line: string) => void,
): Promise<Resolved> {
  if (req.targetsFile !== undefined) {
    if (req.path !== undefined) throw new UsageError('--path is for a service target; put the path in the targets file')
    return fileTargets(req.targetsFile, settings)
  }

  const ref = parseTargetArg(req.target)
  if (ref.kind === 'url') {
    if (req.path !== undefined) throw new UsageError('--path is for a service target; put the path in the URL')
    const shown = displayUrl(ref.url)
    return {targets: [urlTarget(ref.url, settings, shown)], urls: [shown], target: {kind: 'url', url: shown}}
  }

  // Discovery gets its own timeout (MCP_TIMEOUT, profile, 3s): --timeout here is wrk's request timeout.
  const connections = resolveConnections({...req.flags, timeout: undefined}, req.env, await loadProjectConfig())
  const {buildServiceView} = await import('../discover/view.js')
  const {probeAll} = await import('../discover/probe.js')
  // The whole view (for "did you mean"), then a health probe of this service's instances only.
  const {view, exitCode} = await buildServiceView(connections, {probe: false})
  const svc = view.services.find((s) => s.name === ref.name)
  if (svc) await probeAll(svc.instances, {timeoutMs: connections.timeoutMs, any: Boolean(req.anyAddress)})
  const failed = view.sources.filter((s) => !s.ok)
  if (exitCode === ExitCode.UNREACHABLE) {
    const s = failed[0]
    throw new SourceUnreachableError(
      `cannot resolve service ${JSON.stringify(ref.name)}: no discovery source answered${s ? ` (${s.name}: ${s.error})` : ''}`,
      {hint: s?.hint},
    )
  }

  for (const s of failed) warn(`mcp: warning: ${s.name} did not answer (${s.error}); instances it knows are missing`)
  const path = req.path ?? '/'
  const picked = pickServiceTargets(view, ref.name, {
    path,
    anyAddress: Boolean(req.anyAddress),
    https: Boolean(req.https),
  })
  for (const e of picked.excluded) warn(`mcp: skipping instance ${e.id}: ${e.reason}`)
  if (settings.connections < picked.targets.length) {
    throw new UsageError(
      `--connections ${settings.connections} is fewer than the ${picked.targets.length} healthy instances of ${ref.name}`,
      {hint: `use -c ${picked.targets.length} or more`},
    )
  }

  if (settings.connections % picked.targets.length !== 0) {
    warn(
      `mcp: note: ${settings.connections} connections do not divide evenly over ${picked.targets.length} instances; some instances get one more`,
    )
  }

  return {
    targets: picked.targets.map((t) => urlTarget(t.url, settings, t.id)),
    urls: picked.targets.map((t) => t.url.href),
    target: {kind: 'service', service: ref.name, path},
  }
}

/** Validate, resolve the target, run the load, and build the result. Errors are McpErrors. */
export async function loadTest(req: LoadTestRequest, hooks: LoadTestHooks = {}): Promise<LoadResult> {
  const settings = parseLoadSettings(req.flags)
  const warn = hooks.warn ?? (() => undefined)
  const resolved = await resolveTargets(req, settings, warn)
  if (settings.rate !== undefined && settings.rate < settings.connections) {
    warn(
      `mcp: note: --rate ${settings.rate} is below --connections ${settings.connections}: each connection sends less than once a second`,
    )
  }

  const plan: LoadPlan = {
    targets: resolved.targets,
    connections: settings.connections,
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    rate: settings.rate,
    requests: settings.requests,
    pipelining: settings.pipelining,
    timeoutMs: settings.timeoutMs,
    head: settings.method === 'HEAD',
    cycle: resolved.cycle,
  }
  const threads = effectiveThreads(settings.threads, plan)
  try {
    const cpuBefore = process.cpuUsage()
    const wallBefore = performance.now()
    const outcome = threads > 1 ? await runThreaded(plan, threads, hooks) : await runLoad(plan, hooks)
    const cpu = process.cpuUsage(cpuBefore)
    const generator = {
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      wallMs: Math.round(performance.now() - wallBefore),
    }
    const result = buildResult(outcome, {
      target: resolved.target,
      settings,
      instanceUrls: resolved.urls,
      threadsUsed: threads,
      generator,
      ...(resolved.cycle ? {sharedConnections: endpointGroups(resolved.targets), requestOf: resolved.requestOf} : {}),
    })
    if (result.generator.busy >= 0.9) {
      warn(
        `mcp: note: the load generator used ${Math.round(result.generator.busy * 100)}% of its ${threads} thread${threads === 1 ? '' : 's'}: the figures may be limited by mcp, not the server (try -t, or a machine of its own)`,
      )
    }

    return result
  } catch (error) {
    if (error instanceof TargetUnreachable) {
      const t = error.target
      // discover's wording for socket errors ("connection refused"), without its "(host:port)".
      const {describeError} = await import('../discover/view.js')
      const where =
        resolved.target.kind === 'service' ? `instance ${t.id} (${t.host}:${t.port})` : `${t.host}:${t.port}`
      if (t.tls && isCertificateError(error.code)) {
        // Node 24 adds advice about its own --use-system-ca flag, which an mcp user cannot pass: --cacert is the way.
        const why = error.message.replace(/; if the root CA is installed locally.*$/s, '')
        throw new SourceUnreachableError(`the TLS certificate of ${where} is not trusted: ${why}`, {
          hint: 'give the CA that signed it with --cacert FILE, or skip verification with -k/--insecure (nothing sent is then private)',
        })
      }

      if (notTls(error.code, error.message)) {
        // OpenSSL's own text (`ERR_SSL_WRONG_VERSION_NUMBER: 802CCC92…`) says nothing a user can act on.
        throw new SourceUnreachableError(
          `${where} does not speak TLS: the answer to the TLS handshake was not TLS (a plain-HTTP port?)`,
          {
            hint:
              resolved.target.kind === 'service'
                ? 'leave out --https for this service'
                : `use http:// for this port, or the port that serves https`,
          },
        )
      }

      const what = describeError(Object.assign(new Error(error.message), {code: error.code})).replace(/ \([^)]*\)$/, '')
      throw new SourceUnreachableError(`cannot connect to ${where}: ${what}`, {
        hint:
          resolved.target.kind === 'service'
            ? `\`mcp discover --service ${resolved.target.service} --probe\` shows its state`
            : 'is the server running and listening on that address?',
      })
    }

    throw error
  }
}

/** Node's codes for a certificate that fails verification (OpenSSL's X509 errors, and a name mismatch). */
function isCertificateError(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID')
  )
}

/** OpenSSL's errors for a handshake answered by something that is not TLS (plain HTTP, most often). */
function notTls(code: string | undefined, message: string): boolean {
  return /wrong[ _]version[ _]number|packet[ _]length[ _]too[ _]long|http[ _]request|unknown[ _]protocol|record[ _]layer[ _]failure/i.test(
    `${code ?? ''} ${message}`,
  )
}
