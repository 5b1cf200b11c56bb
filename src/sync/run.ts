import type {Connections} from '../core/connections.js'
import type {ForeignEntry} from './plan.js'
import type {RegistryStore} from './store.js'

import {SourceUnreachableError} from '../core/errors.js'
import {ExitCode} from '../core/exit-codes.js'
import {describeError} from '../discover/view.js'
import {registrationValue, type SkippedContainer} from './desired.js'
import {AppliedAction, SyncEngine, SyncOptions} from './engine.js'

/** `mcp sync --json` (docs/json.md, "sync"). */
export interface SyncReport {
  registry: 'etcd' | 'consul'
  endpoint: string
  owner: string
  dryRun: boolean
  actions: (Omit<AppliedAction, 'registration' | 'current'> & {address?: string; value?: string; was?: string})[]
  skipped: SkippedContainer[]
  foreign: ForeignEntry[]
  unchanged: number
  summary: {add: number; update: number; remove: number; failed: number; skipped: number; foreign: number}
}

/**
 * `mcp sync` once: plan, and (without dryRun) apply. Docker or the registry not answering ends the
 * run before anything is written (exit 5): with no view of what runs, nothing may be removed.
 */
export async function syncOnce(
  connections: Connections,
  options: SyncOptions & {dryRun: boolean},
  store: RegistryStore,
): Promise<{report: SyncReport; exitCode: number}> {
  const engine = new SyncEngine(connections, options, store)
  try {
    let plan
    try {
      if (!options.dryRun) await store.prepare()
      plan = await engine.planAll()
    } catch (error) {
      throw new SourceUnreachableError(`sync: ${describeError(error)}`, {
        hint: 'nothing was written: Docker and the registry must both answer (check DOCKER_HOST, --etcd-endpoints / --consul-addr)',
      })
    }

    const applied: AppliedAction[] = options.dryRun
      ? plan.actions.map((a) => ({...a, status: 'planned'}))
      : await engine.apply(plan)
    const failed = applied.filter((a) => a.status === 'failed').length
    const count = (kind: string) => applied.filter((a) => a.kind === kind).length
    const report: SyncReport = {
      registry: store.name,
      endpoint: store.endpoint,
      owner: options.owner,
      dryRun: options.dryRun,
      actions: applied.map((a) => reportAction(a, options.valueFormat)),
      skipped: plan.skipped,
      foreign: plan.foreign,
      unchanged: plan.unchanged,
      summary: {
        add: count('add'),
        update: count('update'),
        remove: count('remove'),
        failed,
        skipped: plan.skipped.length,
        foreign: plan.foreign.length,
      },
    }
    return {report, exitCode: failed > 0 ? ExitCode.PARTIAL : ExitCode.OK}
  } finally {
    // A one-shot run leaves its entries: a lease it was given (--ttl) runs out on its own.
    await store.close({revoke: false})
  }
}

export function reportAction(a: AppliedAction, format: 'json' | 'plain'): SyncReport['actions'][number] {
  const {registration, current, ...rest} = a
  return {
    ...rest,
    ...(registration ? {address: registration.address, value: registrationValue(registration, format)} : {}),
    ...(current?.address && a.kind !== 'add' ? {was: current.address} : {}),
  }
}
