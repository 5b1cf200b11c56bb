import type {Finding} from '../../report/findings/finding.js'

import {defineCheck} from '../check.js'

/** Swarm: fewer running tasks than the service's desired replicas (pending, failing, unschedulable). */
export const replicasShort = defineCheck({
  meta: {
    id: 'REPLICAS_SHORT',
    severity: 'error',
    description: 'A Swarm service runs fewer tasks than its desired replicas',
    needs: ['docker'],
  },
  check(view, ctx) {
    const out: Finding[] = []
    for (const s of view.services) {
      const svc = s.swarm
      if (!svc || svc.mode !== 'replicated' || svc.replicas === undefined || svc.running >= svc.replicas) continue
      const notRunning = s.instances
        .filter((i) => i.swarm && i.swarm.state !== 'running')
        .map((i) => ({task: i.id, state: i.swarm!.state, error: i.swarm!.error ?? null, node: i.swarm!.node ?? null}))
      out.push(
        ctx.report({
          instance: {service: s.name, id: svc.name},
          message: `Swarm service ${svc.name} runs ${svc.running} of ${svc.replicas} desired tasks`,
          hint: notRunning.some((t) => t.error)
            ? `see the task errors (docker service ps ${svc.name} --no-trunc)`
            : `check placement constraints and node resources (docker service ps ${svc.name})`,
          evidence: {desired: svc.replicas, running: svc.running, tasks: notRunning},
          at: {kind: 'container', container: svc.name},
        }),
      )
    }

    return out
  },
})

/**
 * Swarm: the gateway's labels on the service (compose deploy.labels) but not on its task containers,
 * or the reverse. What a Swarm-aware gateway reads and what plain container discovery sees then
 * differ: Traefik's "labels under Swarm mode" confusion.
 */
export const swarmLabelMismatch = defineCheck({
  meta: {
    id: 'SWARM_LABEL_MISMATCH',
    severity: 'warning',
    description: 'Gateway labels on the Swarm service but not on its task containers, or the reverse',
    needs: ['docker'],
  },
  check(view, ctx) {
    const out: Finding[] = []
    const prefix = `${ctx.labelPrefix}.`
    for (const s of view.services) {
      const svc = s.swarm
      if (!svc) continue
      const pick = (labels: Record<string, string>) =>
        Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith(prefix)))
      const onService = pick(svc.labels)
      const onContainers = pick(svc.containerLabels)
      const keys = [...new Set([...Object.keys(onService), ...Object.keys(onContainers)])].sort()
      const differing = keys.filter((k) => onService[k] !== onContainers[k])
      if (differing.length === 0) continue
      const onlyService = differing.filter((k) => !(k in onContainers))
      const onlyContainers = differing.filter((k) => !(k in onService))
      const where =
        onlyService.length === differing.length
          ? 'only on the service (deploy.labels), not on its task containers'
          : onlyContainers.length === differing.length
            ? 'only on the task containers (labels), not on the service'
            : 'with different values on the service and its task containers'
      out.push(
        ctx.report({
          instance: {service: s.name, id: svc.name},
          message: `${differing.join(', ')} ${differing.length === 1 ? 'is' : 'are'} ${where}`,
          hint: 'a Swarm-aware gateway reads service labels (deploy.labels); container discovery reads container labels: put the gateway labels where your gateway looks, or in both',
          evidence: {
            fields: differing.map((k) => ({
              label: k,
              service: onService[k] ?? null,
              containers: onContainers[k] ?? null,
            })),
          },
          at: {kind: 'container', container: svc.name},
        }),
      )
    }

    return out
  },
})
