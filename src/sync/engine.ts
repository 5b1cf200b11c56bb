import {hostname} from 'node:os'

import type {Connections} from '../core/connections.js'
import type {DockerContainer} from '../model/types.js'
import type {RuleOverrides} from '../report/findings/policy.js'
import type {RegistryStore} from './store.js'

import {withDeadline} from '../core/deadline.js'
import {describeError} from '../discover/view.js'
import {connectDocker, type DockerClient} from '../docker/client.js'
import {listContainers} from '../docker/containers.js'
import {checkContainerLabels} from '../labels/index.js'
import {labelKeys} from '../model/labels.js'
import {Candidate, candidates, registrationValue} from './desired.js'
import {CurrentEntry, planSync, SyncAction, SyncPlan} from './plan.js'
import {checkReady, ReadyMode} from './readiness.js'

export interface SyncOptions {
  ready: ReadyMode
  readyTimeoutMs: number
  /** Consecutive failed HTTP checks before a registered container is removed (the agent only). */
  unhealthyThreshold: number
  valueFormat: 'json' | 'plain'
  /** registeredBy: the agent's name (default: this host's name). */
  owner: string
  pruneForeign: boolean
  /** The Docker host's address for bindings on 0.0.0.0 / :: (default: the Docker endpoint's host). */
  advertiseAddress?: string
  /** lint-labels rule settings (.mcp.yaml `rules:`). */
  lintOverrides?: (RuleOverrides | undefined)[]
  /** Only these services (--service): other containers and entries are not looked at. */
  services?: string[]
}

export const defaultOwner = () => process.env.MCP_SYNC_OWNER || hostname()

/** What one applied action came to. */
export interface AppliedAction extends SyncAction {
  status: 'planned' | 'done' | 'failed'
  error?: string
  /** Time the write took. */
  ms?: number
}

/**
 * The desired state (Docker + labels + readiness), the plan against the registry, and its
 * application. One instance lives as long as the agent: it remembers failed HTTP checks per
 * container (--unhealthy-threshold) between reconciles.
 */
export class SyncEngine {
  readonly docker: DockerClient
  private readonly failures = new Map<string, number>()
  /** Containers whose readiness is an HTTP check: nothing announces a change, so the agent asks on a timer. */
  readonly httpChecked = new Set<string>()

  constructor(
    readonly connections: Connections,
    readonly options: SyncOptions,
    readonly store: RegistryStore,
    /** The agent applies the threshold; a one-shot run has no history, so one failed check removes. */
    private readonly remember = false,
  ) {
    this.docker = connectDocker(connections.docker, connections.timeoutMs)
  }

  /** Running containers carrying the name label: one list call. */
  async listRunning(): Promise<DockerContainer[]> {
    const {labelPrefix} = this.connections
    const what = `Docker at ${this.docker.target.endpoint}`
    const all = await withDeadline(listContainers(this.docker, {labelPrefix}), this.connections.timeoutMs, what)
    const only = this.options.services?.length ? new Set(this.options.services) : undefined
    const nameLabel = labelKeys(labelPrefix).serviceName
    return only ? all.filter((d) => only.has(d.labels[nameLabel]?.trim() ?? '')) : all
  }

  /** The registry's entries (of --service's services only, when given). */
  async readCurrent(): Promise<CurrentEntry[]> {
    const current = await this.store.read()
    const only = this.options.services?.length ? new Set(this.options.services) : undefined
    return only ? current.filter((e) => only.has(e.service)) : current
  }

  /** Candidates with their readiness judged (only those in `only`, when given; the rest as they are). */
  async observe(containers: DockerContainer[], only?: Set<string>): Promise<Candidate[]> {
    const {labelPrefix, registryPrefix} = this.connections
    const list = candidates(containers, {
      labelPrefix,
      registryPrefix,
      owner: this.options.owner,
      // A Consul service ID is the container's name (unique on one agent); etcd keys are under the prefix.
      keyOf: this.store.name === 'consul' ? (_service, instance) => instance : undefined,
      advertiseAddress: this.options.advertiseAddress ?? this.docker.target.hostAddress,
      dockerHostAddress: this.docker.target.hostAddress,
      lintContainer: (d) => checkContainerLabels(d, {labelPrefix, overrides: this.options.lintOverrides}),
    })
    const running = new Set(containers.map((d) => d.id))
    for (const id of this.failures.keys()) if (!running.has(id)) this.failures.delete(id)
    for (const id of this.httpChecked) if (!running.has(id)) this.httpChecked.delete(id)
    await Promise.all(
      list.map(async (c) => {
        if (!c.registration || (only && !only.has(c.container.id))) return
        const r = await checkReady(c.instance, this.options.ready, this.options.readyTimeoutMs)
        if (r.via === 'http') this.httpChecked.add(c.container.id)
        else this.httpChecked.delete(c.container.id)
        if (r.ready) {
          this.failures.delete(c.container.id)
          return
        }

        const failed = (this.failures.get(c.container.id) ?? 0) + 1
        if (this.remember) this.failures.set(c.container.id, failed)
        // Docker counted its own retries before it said unhealthy; an HTTP check counts here.
        const keep = this.remember && r.via === 'http' && failed < this.options.unhealthyThreshold
        c.skip = {
          container: c.container.name,
          containerId: c.container.id,
          service: c.registration.service,
          key: c.key,
          reason: 'not-ready',
          detail: `${r.detail}${keep ? ` (check ${failed} of ${this.options.unhealthyThreshold} before removal)` : ''}`,
          ...(keep ? {keepRegistered: true} : {}),
        }
        c.registration = undefined
      }),
    )
    return list
  }

  /** The whole plan: every container, every entry under the prefix. */
  async planAll(): Promise<SyncPlan> {
    const containers = await this.listRunning()
    const [list, current] = await Promise.all([this.observe(containers), this.readCurrent()])
    const {owner, valueFormat, pruneForeign} = this.options
    return planSync(list, current, {owner, leaseId: this.store.leaseId, valueFormat, pruneForeign})
  }

  /** Apply a plan's actions one by one; a failed write is reported, the others still go. */
  async apply(plan: SyncPlan): Promise<AppliedAction[]> {
    const out: AppliedAction[] = []
    for (const action of plan.actions) {
      const start = process.hrtime.bigint()
      try {
        await this.store.apply(
          action,
          action.registration ? registrationValue(action.registration, this.options.valueFormat) : '',
        )
        out.push({...action, status: 'done', ms: Number(process.hrtime.bigint() - start) / 1e6})
      } catch (error) {
        out.push({...action, status: 'failed', error: describeError(error)})
      }
    }

    return out
  }
}
