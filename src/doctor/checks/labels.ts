import type {DockerContainer, Instance} from '../../model/types.js'
import type {Finding} from '../../report/findings/finding.js'

import {addressText} from '../../model/address.js'
import {DEFAULT_HEALTH_PATH, parsePortLabel} from '../../model/labels.js'
import {
  CheckContext,
  containerLocation,
  defineCheck,
  registryEntries,
  registryLocation,
  runningInstances,
} from '../check.js'

/** Registry metadata the gateway reads besides the address, from an etcd JSON value or Consul Meta. */
interface RegistryMetadata {
  port?: number
  version?: string
  weight?: number
  healthPath?: string
}

function consulMeta(meta: Record<string, string>): RegistryMetadata {
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined)
  return {
    port: num(meta.port ?? meta.servicePort ?? meta.service_port),
    version: meta.version || undefined,
    weight: num(meta.weight),
    healthPath: meta.healthPath || meta.health_path || undefined,
  }
}

type Field = 'port' | 'version' | 'weight' | 'healthPath'

/**
 * Each field the registry records that differs from the label now on the container. A label that is
 * not set differs from a recorded value, except the health path, whose unset label means /health.
 */
export function driftOf(
  meta: RegistryMetadata,
  d: DockerContainer,
  ctx: Pick<CheckContext, 'keys'>,
): Record<string, {registry: unknown; label: string | null}> {
  const {labels} = d
  const out: Record<string, {registry: unknown; label: string | null}> = {}
  const compare = (field: Field, labelKey: string, same: (label: string | undefined) => boolean) => {
    const recorded = meta[field]
    if (recorded === undefined) return
    const label = labels[labelKey]
    if (!same(label)) out[field] = {registry: recorded, label: label ?? null}
  }

  // A port label that is missing or invalid is LABEL_INVALID's finding, not drift.
  compare('port', ctx.keys.servicePort, (l) => parsePortLabel(l) === undefined || parsePortLabel(l) === meta.port)
  compare('version', ctx.keys.serviceVersion, (l) => l?.trim() === meta.version)
  compare('weight', ctx.keys.serviceWeight, (l) => l !== undefined && Number(l.trim()) === meta.weight)
  compare('healthPath', ctx.keys.healthPath, (l) => (l?.trim() || DEFAULT_HEALTH_PATH) === meta.healthPath)
  return out
}

export const labelDrift = defineCheck({
  meta: {
    id: 'LABEL_DRIFT',
    severity: 'warning',
    description: "Registry metadata (port, version, weight, health path) that differs from the container's labels",
    needs: ['docker', 'any-registry'],
  },
  check(view, ctx) {
    const out: Finding[] = []
    for (const i of runningInstances(view)) {
      for (const entry of registryEntries(i)) {
        const meta: RegistryMetadata =
          entry.registry === 'etcd'
            ? {
                port: i.etcd!.servicePort,
                version: i.etcd!.version,
                weight: i.etcd!.weight,
                healthPath: i.etcd!.healthPath,
              }
            : consulMeta(i.consul!.meta)
        const drift = driftOf(meta, i.docker!, ctx)
        const fields = Object.keys(drift)
        if (fields.length === 0) continue
        out.push(
          ctx.report({
            instance: i,
            message: `registry metadata differs from the labels: ${fields.map((f) => `${f} ${JSON.stringify(drift[f]!.registry)} ≠ label ${drift[f]!.label === null ? '(unset)' : JSON.stringify(drift[f]!.label)}`).join(', ')}`,
            hint: 'the agent registered before the labels changed and never re-read them: recreate the container (docker compose up -d) or restart the agent so it re-registers',
            evidence: {registry: entry.registry, key: entry.key, fields: drift},
            at: registryLocation(entry),
          }),
        )
      }
    }

    return out
  },
})

export const portNotExposed = defineCheck({
  meta: {
    id: 'PORT_NOT_EXPOSED',
    severity: 'warning',
    description: 'The service port label names a port the container does not expose',
    needs: ['docker'],
  },
  check(view, ctx) {
    return runningInstances(view)
      .filter(
        (i) =>
          i.port !== undefined && i.docker!.networkMode !== 'host' && !i.docker!.networkMode.startsWith('container:'),
      )
      .filter((i) => !i.docker!.ports.some((p) => p.privatePort === i.port && p.type === 'tcp'))
      .map((i) => {
        const d = i.docker!
        const exposed = [...new Set(d.ports.map((p) => `${p.privatePort}/${p.type}`))]
        return ctx.report({
          instance: i,
          message: `${ctx.keys.servicePort}=${i.port} but the container exposes ${exposed.length > 0 ? exposed.join(', ') : 'no ports'}`,
          hint: `check the port the service listens on; add EXPOSE ${i.port} to the image (or --expose / compose expose:), or fix ${ctx.keys.servicePort}`,
          evidence: {servicePort: i.port, exposed},
          at: containerLocation(d),
        })
      })
  },
})

export const ambiguousNetwork = defineCheck({
  meta: {
    id: 'AMBIGUOUS_NETWORK',
    severity: 'warning',
    description: `A container on several networks with no service network label: the gateway may pick the wrong one`,
    needs: ['docker'],
  },
  check(view, ctx) {
    return runningInstances(view)
      .filter((i) => {
        const d = i.docker!
        return (
          d.networkMode !== 'host' && !d.labels[ctx.keys.serviceNetwork] && d.networks.filter((n) => n.ip).length > 1
        )
      })
      .map((i) => {
        const networks = i.docker!.networks.filter((n) => n.ip).map((n) => ({name: n.name, ip: n.ip}))
        return ctx.report({
          instance: i,
          message: `on ${networks.length} networks (${networks.map((n) => n.name).join(', ')}) and no ${ctx.keys.serviceNetwork} label: which IP a gateway uses depends on its order`,
          hint: `set ${ctx.keys.serviceNetwork}=<the network the gateway is on>`,
          evidence: {
            networks,
            chosen: addressText(i.address),
            addressReason: i.addressReason,
            registered: registryEntries(i).map((e) => e.address ?? null),
          },
          at: containerLocation(i.docker!),
        })
      })
  },
})

/** Group instances by a label value; the value held by the fewest is the odd one out. */
function groupBy(instances: Instance[], value: (i: Instance) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>()
  for (const i of instances) {
    const v = value(i)
    groups.set(v, [...(groups.get(v) ?? []), i.id])
  }

  return groups
}

export const nameConflict = defineCheck({
  meta: {
    id: 'NAME_CONFLICT',
    severity: 'error',
    description: 'One service name with different ports or health paths across its instances',
    needs: ['docker'],
  },
  check(view, ctx) {
    const out: Finding[] = []
    for (const service of view.services) {
      // A container without a valid port label is no instance the gateway can route to (LABEL_INVALID).
      const running = service.instances.filter((i) => i.docker?.state === 'running' && i.port !== undefined)
      if (running.length < 2) continue
      const ports = groupBy(running, (i) => String(i.port))
      const paths = groupBy(running, (i) => i.healthPath)
      if (ports.size < 2 && paths.size < 2) continue
      const conflicting = [ports.size > 1 ? ports : undefined, paths.size > 1 ? paths : undefined].find(
        (g): g is Map<string, string[]> => Boolean(g),
      )
      // Point at an instance of the smallest group: most likely the one deployed by mistake.
      const smallest = [...conflicting!.values()].sort((a, b) => a.length - b.length)[0]!
      const odd = running.find((i) => i.id === smallest[0])!
      const parts: string[] = []
      if (ports.size > 1) parts.push(`ports ${[...ports.keys()].join(' vs ')}`)
      if (paths.size > 1) parts.push(`health paths ${[...paths.keys()].join(' vs ')}`)
      out.push(
        ctx.report({
          instance: odd,
          message: `instances of ${service.name} disagree: ${parts.join('; ')}`,
          hint: 'two deployments share one service name (a copy-pasted label?): rename one, or align their labels; the gateway load-balances across all of them',
          evidence: {
            instances: running.map((i) => i.id),
            ...(ports.size > 1 ? {ports: Object.fromEntries(ports)} : {}),
            ...(paths.size > 1 ? {healthPaths: Object.fromEntries(paths)} : {}),
          },
          at: containerLocation(odd.docker!),
        }),
      )
    }

    return out
  },
})

export const labelInvalid = defineCheck({
  meta: {
    id: 'LABEL_INVALID',
    severity: 'error',
    description: 'A live container whose labels fail lint-labels (errors only; the rule ids are in the evidence)',
    needs: ['docker'],
  },
  check(view, ctx) {
    const containers = [
      ...runningInstances(view),
      ...(ctx.services?.length ? [] : view.unnamed.filter((i) => i.docker?.state === 'running')),
    ]
    return containers.flatMap((i) => {
      const errors = ctx.lintContainer(i.docker!).filter((f) => f.severity === 'error')
      if (errors.length === 0) return []
      return [
        ctx.report({
          instance: i,
          message: `labels fail lint-labels: ${errors.map((e) => e.message).join('; ')}`,
          hint: errors[0]!.hint ?? 'run mcp lint-labels --docker for details',
          evidence: {rules: errors.map((e) => ({ruleId: e.ruleId, message: e.message}))},
          at: containerLocation(i.docker!),
        }),
      ]
    })
  },
})
