import type {LabelSet} from '../types.js'

import {checkPort, DEFAULT_HEALTH_PATH, hasPrefix} from '../../model/labels.js'
import {type Finding, type Location, locationText} from '../../report/findings/finding.js'
import {effectiveLabel, knownValue} from '../label-set.js'
import {defineRule, defineSetsRule, type RuleContext} from './rule.js'

/** Is the port among the declared ones (single ports and ranges)? */
function declares(set: LabelSet, port: number): boolean {
  return (set.ports ?? []).some(
    (p) => port === p.port || (p.endPort !== undefined && port >= p.port && port <= p.endPort),
  )
}

export const servicePortNotExposed = defineRule({
  meta: {
    id: 'service-port-not-exposed',
    severity: 'warning',
    description: 'The service port is not exposed or published by the service, image or container',
  },
  check(set, ctx) {
    const entry = effectiveLabel(set, ctx.keys.servicePort)
    const value = knownValue(entry)
    const check = value ? checkPort(value) : undefined
    if (!entry || !check?.ok || !set.ports || set.portsDynamic || set.portsNotApplicable) return []
    const {port} = check
    if (declares(set, port)) return []
    const declared = set.ports.map((p) => (p.endPort ? `${p.port}-${p.endPort}` : String(p.port)))
    const list = declared.length > 0 ? ` (it has ${declared.join(', ')})` : ''
    const text = {
      compose: [
        `port ${port} is not in ${set.displayName}'s expose or ports${list}`,
        `add expose: ["${port}"] to the service, or EXPOSE ${port} in its image`,
      ],
      dockerfile: [`port ${port} is not EXPOSEd by the image${list}`, `add EXPOSE ${port}`],
      // The container names the finding's group already (stylish, doctor): not again in the message.
      container: [
        `port ${port} is not exposed or published${list}`,
        `EXPOSE ${port} in the image, or run it with --expose ${port}`,
      ],
    }[set.kind]
    return [ctx.report({set, at: entry.valueLocation, message: text[0]!, hint: text[1], evidence: {port, declared}})]
  },
})

/**
 * Gateway labels present on one side of a compose service (deploy.labels = the Swarm service, or
 * labels = its containers) and missing on the other; each side's rule says which side matters.
 */
function oneSidedLabels(
  set: LabelSet,
  ctx: RuleContext,
  side: 'deploy' | 'container',
): {keys: string[]; at: Location | undefined} | undefined {
  const onDeploy = (l: LabelSet['labels'][number]) => l.scope === 'deploy.labels'
  const mine = (l: LabelSet['labels'][number]) => (side === 'deploy' ? onDeploy(l) : !onDeploy(l))
  const other = new Set(set.labels.filter((l) => !mine(l)).map((l) => l.key))
  const only = set.labels.filter((l) => mine(l) && hasPrefix(l.key, ctx.prefix) && !other.has(l.key))
  if (only.length === 0) return undefined
  return {keys: [...new Set(only.map((l) => l.key))], at: only[0]!.keyLocation}
}

const them = (keys: string[]) => (keys.length === 1 ? 'it' : 'them')
const isAre = (keys: string[]) => (keys.length === 1 ? 'is' : 'are')

export const deployLabelsOnly = defineRule({
  meta: {
    id: 'deploy-labels-only',
    severity: 'warning',
    description:
      'Gateway labels only under deploy.labels: Swarm services carry them, containers do not (not in --swarm mode)',
  },
  check(set, ctx) {
    // In Swarm mode deploy.labels is exactly where a Swarm-aware gateway looks.
    if (set.kind !== 'compose' || ctx.swarm) return []
    const found = oneSidedLabels(set, ctx, 'deploy')
    if (!found) return []
    const {keys, at} = found
    return [
      ctx.report({
        set,
        at,
        message: `${keys.join(', ')} ${isAre(keys)} only under deploy.labels: containers of ${set.displayName} will not carry ${them(keys)}`,
        hint: `move ${them(keys)} to the service's labels (keep deploy.labels too if the gateway reads Swarm services)`,
        evidence: {keys},
      }),
    ]
  },
})

/** The reverse, in Swarm mode: gateway labels on the containers but not on the Swarm service. */
export const swarmDeployLabelsMissing = defineRule({
  meta: {
    id: 'swarm-deploy-labels-missing',
    severity: 'warning',
    description:
      'With --swarm: gateway labels on the containers but not under deploy.labels, where Swarm services carry them',
  },
  check(set, ctx) {
    if (set.kind !== 'compose' || !ctx.swarm) return []
    const found = oneSidedLabels(set, ctx, 'container')
    if (!found) return []
    const {keys, at} = found
    return [
      ctx.report({
        set,
        at,
        message: `${keys.join(', ')} ${isAre(keys)} not under deploy.labels: in Swarm mode ${set.displayName} will not carry ${them(keys)}`,
        hint: `add ${them(keys)} under deploy.labels (keep the container labels too if something reads containers)`,
        evidence: {keys},
      }),
    ]
  },
})

export const unresolvedVariable = defineRule({
  meta: {
    id: 'unresolved-variable',
    severity: 'warning',
    description: 'A gateway label value uses a variable that is not set',
  },
  check(set, ctx) {
    const out: Finding[] = []
    for (const l of set.labels) {
      if (!hasPrefix(l.key, ctx.prefix) || l.unresolved.length === 0) continue
      const names = [...new Set(l.unresolved)]
      const vars = names.map((n) => '${' + n + '}').join(', ')
      const dockerfile = l.form === 'dockerfile'
      out.push(
        ctx.report({
          set,
          at: l.valueLocation,
          message: dockerfile
            ? `${l.key} uses ${vars}, which no ARG or ENV declares: it builds as an empty string`
            : `${l.key} uses ${vars}, which is not set: compose substitutes an empty string`,
          hint: dockerfile
            ? `declare ARG ${names[0]}=<default> before the LABEL`
            : `set ${names[0]} in the environment or an --env-file, or write \${${names[0]}:-default}`,
          evidence: {key: l.key, variables: names},
        }),
      )
    }

    return out
  },
})

/** The port and health path a set declares for its service name, as the gateway would read them. */
function routing(set: LabelSet, keys: {serviceName: string; servicePort: string; healthPath: string}) {
  const name = knownValue(effectiveLabel(set, keys.serviceName))
  const portEntry = effectiveLabel(set, keys.servicePort)
  const pathEntry = effectiveLabel(set, keys.healthPath)
  // Values other rules reject are left to them: only two valid values can disagree.
  const port = knownValue(portEntry)
  const path = pathEntry ? knownValue(pathEntry) : DEFAULT_HEALTH_PATH
  return {
    name,
    port: port && checkPort(port).ok ? port : undefined,
    portEntry,
    path: path?.startsWith('/') ? path : undefined,
    pathEntry,
  }
}

export const serviceConflict = defineSetsRule({
  meta: {
    id: 'service-conflict',
    severity: 'warning',
    description: 'The same service name with a different port or health path in two places',
  },
  check(sets, ctx) {
    const out: Finding[] = []
    const first = new Map<string, {set: LabelSet; r: ReturnType<typeof routing>}>()
    for (const set of sets) {
      const r = routing(set, ctx.keys)
      if (!r.name) continue
      const seen = first.get(r.name)
      if (!seen) {
        first.set(r.name, {set, r})
        continue
      }

      const where = (loc: LabelSet['location'] | undefined) => locationText(loc ?? seen.set.location)
      if (r.port !== undefined && seen.r.port !== undefined && Number(r.port) !== Number(seen.r.port)) {
        out.push(
          ctx.report({
            set,
            at: r.portEntry?.valueLocation,
            message: `service ${r.name} has port ${r.port} here but ${seen.r.port} in ${seen.set.displayName} (${where(seen.r.portEntry?.valueLocation)})`,
            hint: 'give every instance of a service the same port, or name them differently',
            evidence: {service: r.name, port: r.port, otherPort: seen.r.port, other: seen.set.displayName},
          }),
        )
      }

      if (r.path !== undefined && seen.r.path !== undefined && r.path !== seen.r.path) {
        out.push(
          ctx.report({
            set,
            at: r.pathEntry?.valueLocation,
            message: `service ${r.name} has health path ${r.path} here but ${seen.r.path} in ${seen.set.displayName} (${where(seen.r.pathEntry?.valueLocation)})`,
            hint: 'give every instance of a service the same health path',
            evidence: {service: r.name, healthPath: r.path, otherHealthPath: seen.r.path, other: seen.set.displayName},
          }),
        )
      }
    }

    return out
  },
})
