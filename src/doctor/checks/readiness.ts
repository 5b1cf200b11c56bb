import type {Instance} from '../../model/types.js'

import {
  allInstances,
  containerLocation,
  defineCheck,
  registryEntries,
  registryLocation,
  runningInstances,
} from '../check.js'

/** Why a registered, running instance is not ready, or undefined when nothing says so. */
export function notReadyReason(
  i: Instance,
): {severity: 'error' | 'warning'; message: string; evidence: Record<string, unknown>} | undefined {
  const d = i.docker!
  if (d.health === 'unhealthy') {
    return {
      severity: 'error',
      message: `registered but Docker reports it unhealthy (${d.status})`,
      evidence: {health: d.health, status: d.status},
    }
  }

  if (d.health === 'starting') {
    return {
      severity: 'warning',
      message: `registered while its health check is still starting (${d.status})`,
      evidence: {health: d.health, status: d.status},
    }
  }

  const p = i.probe
  if (p?.probed && !p.ok) {
    return {
      severity: 'error',
      message: `registered but its health path fails: GET ${p.url} → ${p.status ?? p.error}`,
      evidence: {
        health: d.health,
        probe: {url: p.url, status: p.status ?? null, error: p.error ?? null, ms: p.ms ?? null},
      },
    }
  }

  return undefined
}

export const notReady = defineCheck({
  meta: {
    id: 'NOT_READY',
    severity: 'error',
    description:
      'A registered instance that is not ready: Docker health starting/unhealthy, or its health path failing',
    needs: ['docker', 'any-registry'],
  },
  check(view, ctx) {
    return runningInstances(view)
      .filter((i) => i.etcd || i.consul)
      .flatMap((i) => {
        const reason = notReadyReason(i)
        if (!reason) return []
        const entries = registryEntries(i).map((e) => e.key)
        return [
          ctx.report({
            instance: i,
            severity: reason.severity,
            message: reason.message,
            hint: `the gateway sends it traffic: fix the service, or have the agent register only healthy containers (a HEALTHCHECK and registration on health_status: healthy); check with: docker logs ${i.docker!.name}`,
            evidence: {...reason.evidence, registeredAs: entries, healthPath: i.healthPath},
            at: containerLocation(i.docker!),
          }),
        ]
      })
  },
})

export const consulCritical = defineCheck({
  meta: {
    id: 'CONSUL_CRITICAL',
    severity: 'error',
    description: 'A Consul instance whose check is critical but which is still in the catalog',
    needs: ['consul'],
  },
  check(view, ctx) {
    return allInstances(view)
      .filter((i) => i.consul?.status === 'critical')
      .map((i) => {
        const c = i.consul!
        const critical = c.checks.filter((k) => k.status === 'critical')
        const entry = registryEntries(i).find((e) => e.registry === 'consul')!
        return ctx.report({
          instance: i,
          message: `Consul check${critical.length === 1 ? '' : 's'} ${critical.map((k) => `"${k.name}"`).join(', ')} critical, still in the catalog at ${entry.address}`,
          hint: 'fix the service or its check; add deregister_critical_service_after to the check so Consul drops it when it stays critical',
          evidence: {id: c.id, node: c.node, address: entry.address, status: c.status, checks: c.checks},
          at: registryLocation(entry),
        })
      })
  },
})
