import type {ValueSources} from './completion.js'

import {withDeadline} from '../core/deadline.js'

/** A lookup that takes longer than this offers nothing: a shell waiting on <TAB> must never hang. */
export const COMPLETION_LOOKUP_MS = 500

/**
 * The value, or `fallback` when it fails or is not there within `ms`. The timer holds the process
 * open: a lookup waiting on nothing that would keep it alive must still get its answer printed.
 */
async function bounded<T>(ms: number, fallback: T, work: () => Promise<T>): Promise<T> {
  return withDeadline(work(), ms, 'a completion lookup', {keepAlive: true}).catch(() => fallback)
}

/** Config warnings (an untrusted .mcp.yaml, say) are for commands, not for a <TAB>. */
async function quietConfig() {
  const {loadProjectConfig, setConfigWarningSink} = await import('../core/project-config.js')
  setConfigWarningSink(() => undefined)
  return loadProjectConfig()
}

/**
 * Where `mcp __complete` takes values from: the config files the commands read (profiles), discovery
 * (service names from Docker labels, etcd keys and Consul, through the bounded network layer with a
 * 500 ms timeout), and the rule metadata the linters use.
 */
export function completionSources(env: NodeJS.ProcessEnv, lookupMs = COMPLETION_LOOKUP_MS): ValueSources {
  return {
    profiles: () => bounded(lookupMs, [], async () => Object.keys((await quietConfig()).profiles ?? {}).sort()),
    services: (typed) =>
      bounded(lookupMs, [], async () => {
        const [{resolveConnections}, {buildServiceView}] = await Promise.all([
          import('../core/connections.js'),
          import('../discover/view.js'),
        ])
        const connections = resolveConnections(
          {
            profile: typed.profile,
            'docker-host': typed['docker-host'] === undefined ? undefined : [typed['docker-host']],
            context: typed.context === undefined ? undefined : [typed.context],
            'etcd-endpoints': typed['etcd-endpoints'],
            'label-prefix': typed['label-prefix'],
            'registry-prefix': typed['registry-prefix'],
            'consul-addr': typed['consul-addr'],
            source: typed.source,
            timeout: `${lookupMs}ms`,
          },
          env,
          await quietConfig(),
        )
        const {view} = await buildServiceView(connections, {probe: false})
        return view.services.map((s) => s.name).sort()
      }),
    async rules(commandId) {
      const {ruleCatalog} = await import('../rules/catalog.js')
      // validate runs both linters; the other checking commands take their own rules only.
      const accepts = commandId === 'validate' ? ['lint-labels', 'lint-config'] : commandId ? [commandId] : undefined
      const rules = ruleCatalog().filter((r) => !accepts || accepts.includes(r.command))
      return rules.map((r) => ({id: r.id, description: r.description}))
    },
    doctorCodes: async () => [...(await import('../doctor/codes.js')).DOCTOR_CODES],
    dockerContexts: () =>
      bounded(lookupMs, [], async () => (await import('../docker/client.js')).listContextNames(env)),
  }
}
