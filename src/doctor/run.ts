import type {Connections, SourceName} from '../core/connections.js'
import type {DockerContainer, Instance, ServiceView, SourceStatus} from '../model/types.js'
import type {Finding, RuleMeta} from '../report/findings/finding.js'
import type {RuleOverrides} from '../report/findings/policy.js'

import {withDeadline} from '../core/deadline.js'
import {UsageError} from '../core/errors.js'
import {didYouMean} from '../core/suggest.js'
import {probeAll} from '../discover/probe.js'
import {buildServiceView} from '../discover/view.js'
import {connectDocker, DockerClient, expandDockerConnections} from '../docker/client.js'
import {listContainers} from '../docker/containers.js'
import {labelKeys} from '../model/labels.js'
import {hostAddressesOf} from '../model/merge.js'
import {allInstances, CheckContext, CheckNeed, DoctorCheck} from './check.js'
import {DOCTOR_CHECKS} from './checks/index.js'
import {DOCTOR_CODES, DoctorCode, SOURCE_UNREACHABLE} from './codes.js'
import {lintContainerLabels} from './label-lint.js'

export interface DoctorOptions {
  services?: string[]
  /** Run only these checks (--only). */
  only?: DoctorCode[]
  /** Leave these out (--ignore). */
  ignore?: DoctorCode[]
  graceMs: number
  maxTtlSeconds: number
  /** Probe registered instances' health paths: through loopback-published ports, or (any) the gateway's address. */
  probe: false | 'loopback' | 'any'
  /** A watch is running: EARLY_REGISTRATION is live. */
  watching?: boolean
  /** lint-labels rule settings (`.mcp.yaml` `rules:`) for LABEL_INVALID. */
  lintOverrides?: (RuleOverrides | undefined)[]
}

export interface SkippedCheck {
  code: DoctorCode
  reason: string
}

export interface DoctorResult {
  findings: Finding[]
  view: ServiceView
  /** 0 every source answered, 4 some did not, 5 none did. */
  sourceExitCode: number
  etcdRevision?: string
  /** Checks that ran, and those that could not (a source not asked or unreachable). */
  ran: DoctorCode[]
  skipped: SkippedCheck[]
  /** Registered instances whose health path was not probed, and why. */
  notProbed: {service: string; instance: string; reason: string}[]
}

/** Every code's meta (the checks' own, and the one run.ts reports itself), for SARIF's rule table and docs. */
export const DOCTOR_RULES: RuleMeta[] = [SOURCE_UNREACHABLE, ...DOCTOR_CHECKS.map((c) => c.meta)]

/** `--only`/`--ignore` values: comma lists of codes, any case. */
export function parseCodeList(flag: string, values: string[] | undefined): DoctorCode[] | undefined {
  if (!values?.length) return undefined
  const out: DoctorCode[] = []
  for (const raw of values.flatMap((v) => v.split(','))) {
    const code = raw.trim().toUpperCase().replaceAll('-', '_')
    if (!code) continue
    if (!(DOCTOR_CODES as readonly string[]).includes(code)) {
      const guess = didYouMean(code, DOCTOR_CODES)
      throw new UsageError(`--${flag} names an unknown code "${raw.trim()}"`, {
        hint: guess
          ? `did you mean ${guess}? (mcp rules lists the codes)`
          : `codes: ${DOCTOR_CODES.filter((c) => c !== 'SOURCE_UNREACHABLE').join(', ')}`,
      })
    }

    if (code === 'SOURCE_UNREACHABLE') {
      throw new UsageError(`--${flag} cannot select SOURCE_UNREACHABLE: an unreachable source is always reported`, {
        hint: 'use --source to leave a source out',
      })
    }

    out.push(code as DoctorCode)
  }

  return out
}

export function selectChecks(options: Pick<DoctorOptions, 'only' | 'ignore' | 'watching'>): DoctorCheck[] {
  return DOCTOR_CHECKS.filter(
    (c) =>
      (!options.only || options.only.includes(c.meta.id)) &&
      !options.ignore?.includes(c.meta.id) &&
      (!c.meta.watchOnly || options.watching),
  )
}

const REGISTRIES: SourceName[] = ['etcd', 'consul']

/** Why a check cannot run with these sources, or undefined when it can. */
export function unmetNeed(
  needs: CheckNeed[],
  asked: SourceName[],
  sources: SourceStatus[],
  consulConfigured: boolean,
): string | undefined {
  // With several Docker hosts there is one status per host (docker@<host>): docker is met only when
  // every host answered, since a check judged against part of the containers would misjudge.
  const status = (s: SourceName): Pick<SourceStatus, 'ok'> | undefined => {
    if (s !== 'docker') return sources.find((x) => x.name === s)
    const hosts = sources.filter((x) => x.name === 'docker' || x.name.startsWith('docker@'))
    return hosts.length > 0 ? {ok: hosts.every((h) => h.ok)} : undefined
  }

  const notAsked = (s: SourceName) =>
    s === 'consul' && !consulConfigured ? 'consul not configured (--consul-addr)' : `${s} not asked (--source)`
  for (const need of needs) {
    if (need === 'registry' || need === 'any-registry') {
      const askedRegistries = REGISTRIES.filter((r) => asked.includes(r))
      if (askedRegistries.length === 0) return 'no registry asked (--source)'
      const failed = askedRegistries.filter((r) => !status(r)?.ok)
      if (need === 'registry' && failed.length > 0) return `${failed.join(', ')} unreachable`
      if (need === 'any-registry' && failed.length === askedRegistries.length) return `${failed.join(', ')} unreachable`
      continue
    }

    if (!asked.includes(need)) return notAsked(need)
    if (!status(need)?.ok)
      return `${
        need === 'docker'
          ? sources
              .filter((x) => x.name.startsWith('docker') && !x.ok)
              .map((x) => x.name)
              .join(', ') || 'docker'
          : need
      } unreachable`
  }

  return undefined
}

/** When each container started: inspect, 8 at a time, bounded by the timeout; creation time on failure. */
async function startTimes(
  client: DockerClient,
  containers: DockerContainer[],
  timeoutMs: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const queue = [...containers]
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      try {
        const info = await withDeadline(
          client.docker.getContainer(d.id).inspect(),
          timeoutMs,
          `Docker inspect ${d.name}`,
        )
        const t = Date.parse(info.State?.StartedAt ?? '')
        if (Number.isFinite(t) && t > 0) out.set(d.id, t)
      } catch {
        // Gone meanwhile or slow: the creation time stands in.
      }
    }
  }

  await Promise.all(Array.from({length: Math.min(8, queue.length)}, worker))
  return out
}

function gatewayNetworks(containers: DockerContainer[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const c of containers) for (const n of c.networks) if (n.gateway) out.set(n.gateway, n.name)
  return out
}

export function sourceFinding(s: SourceStatus, skipped: SkippedCheck[]): Finding {
  const codes = skipped.filter((k) => k.reason.includes(s.name)).map((k) => k.code)
  return {
    ruleId: SOURCE_UNREACHABLE.id,
    severity: 'error',
    message: `${s.name} did not answer at ${s.endpoint ?? '?'}: ${s.error ?? 'unreachable'}${codes.length > 0 ? `; skipped ${codes.join(', ')}` : ''}`,
    hint: s.hint ?? `check that ${s.name} is running and reachable`,
    evidence: {source: s.name, endpoint: s.endpoint ?? null, error: s.error ?? null, skipped: codes},
  }
}

/** The instances whose readiness doctor judges: running, registered. */
function registeredRunning(view: ServiceView): Instance[] {
  return allInstances(view).filter((i) => i.docker?.state === 'running' && (i.etcd || i.consul))
}

/**
 * Build the merged view (as discover does, including containers that carry only some prefix
 * labels), gather what the checks need beyond it (start times, stopped containers, probes), run the
 * selected checks and report unreachable sources. Never throws for a source that is down.
 */
export async function runDoctor(connections: Connections, options: DoctorOptions): Promise<DoctorResult> {
  const checks = selectChecks(options)
  const built = await buildServiceView(connections, {services: options.services, match: 'anyPrefix'})
  const {view} = built
  const consulConfigured = Boolean(connections.consul)
  const ran: DoctorCode[] = []
  const skipped: SkippedCheck[] = []
  const runnable: DoctorCheck[] = []
  // Asked for by name but meaningless on a snapshot: say so rather than report nothing.
  for (const c of DOCTOR_CHECKS)
    if (c.meta.watchOnly && !options.watching && options.only?.includes(c.meta.id))
      skipped.push({code: c.meta.id, reason: 'only with --watch'})
  for (const c of checks) {
    const reason = unmetNeed(c.meta.needs, connections.sources, view.sources, consulConfigured)
    if (reason) skipped.push({code: c.meta.id, reason})
    else {
      runnable.push(c)
      ran.push(c.meta.id)
    }
  }

  const will = (code: DoctorCode) => runnable.some((c) => c.meta.id === code)
  const dockerOk = !unmetNeed(['docker'], connections.sources, view.sources, consulConfigured)
  // One client per Docker host asked; a container is inspected on the host it runs on.
  const clients = dockerOk
    ? expandDockerConnections(connections.dockers ?? [connections.docker]).map((c) =>
        connectDocker(c, connections.timeoutMs),
      )
    : []
  const several = clients.length > 1
  const clientFor = (d: DockerContainer) => (several ? clients.find((c) => c.target.label === d.host) : clients[0])
  const client = clients[0]
  const containers = [...allInstances(view), ...view.unnamed].flatMap((i) => (i.docker ? [i.docker] : []))
  const now = Date.now()

  const jobs: Promise<unknown>[] = []
  let startedAt = new Map<string, number>()
  const stopped: DockerContainer[] = []
  if (client && will('UNREGISTERED')) {
    // Only containers created before the grace began can have been up longer: inspect just those.
    const candidates = allInstances(view)
      .filter(
        (i) =>
          i.docker?.state === 'running' && !i.etcd && !i.consul && i.docker.created * 1000 <= now - options.graceMs,
      )
      .map((i) => i.docker!)
    for (const c of clients) {
      const mine = candidates.filter((d) => clientFor(d) === c)
      if (mine.length > 0)
        jobs.push(startTimes(c, mine, connections.timeoutMs).then((m) => (startedAt = new Map([...startedAt, ...m]))))
    }
  }

  if (client && will('STALE_REGISTRATION') && allInstances(view).some((i) => !i.docker && (i.etcd || i.consul))) {
    for (const c of clients) {
      jobs.push(
        withDeadline(
          listContainers(c, {labelPrefix: connections.labelPrefix, all: true, match: 'anyPrefix'}),
          connections.timeoutMs,
          'Docker',
        )
          .then((all) =>
            stopped.push(
              ...all.filter((d) => d.state !== 'running').map((d) => (several ? {...d, host: c.target.label} : d)),
            ),
          )
          .catch(() => undefined),
      )
    }
  }

  const notProbed: DoctorResult['notProbed'] = []
  if (will('NOT_READY') && options.probe) {
    const targets = registeredRunning(view)
    jobs.push(
      probeAll(targets, {timeoutMs: Math.min(connections.timeoutMs, 2000), any: options.probe === 'any'}).then(() => {
        for (const i of targets)
          if (i.probe && !i.probe.probed)
            notProbed.push({service: i.service, instance: i.id, reason: i.probe.reason ?? 'not probed'})
      }),
    )
  } else if (will('NOT_READY')) {
    for (const i of registeredRunning(view))
      notProbed.push({service: i.service, instance: i.id, reason: 'probing is off (--no-probe)'})
  }

  await Promise.all(jobs)

  const context: CheckContext = {
    labelPrefix: connections.labelPrefix,
    keys: labelKeys(connections.labelPrefix),
    now,
    graceMs: options.graceMs,
    maxTtlSeconds: options.maxTtlSeconds,
    startedAt,
    stopped,
    host: {
      ...hostAddressesOf(containers),
      gatewayNetworks: gatewayNetworks(containers),
      dockerHostAddress: client?.target.hostAddress,
    },
    probe: options.probe,
    lintContainer: (c) => lintContainerLabels(c, connections.labelPrefix, options.lintOverrides),
    services: options.services,
  }
  const findings: Finding[] = []
  for (const s of view.sources) if (!s.ok) findings.push(sourceFinding(s, skipped))
  for (const c of runnable) findings.push(...c.check(view, context))
  return {findings, view, sourceExitCode: built.exitCode, etcdRevision: built.etcdRevision, ran, skipped, notProbed}
}
