import type {Instance, ServiceView} from '../../model/types.js'
import type {Finding} from '../../report/findings/finding.js'

import {labelKeys} from '../../model/labels.js'
import {defineConfigRule} from '../rule.js'
import {ConfigContext, isObject} from '../types.js'

/** The version an instance carries: its registration's, else its container's version label. */
export function instanceVersion(instance: Instance, labelPrefix = 'mcp'): string | undefined {
  return (
    instance.etcd?.version ??
    instance.consul?.meta?.version ??
    instance.docker?.labels[labelKeys(labelPrefix).serviceVersion]
  )
}

function routes(ctx: ConfigContext): Record<string, unknown>[] {
  return isObject(ctx.config) && Array.isArray(ctx.config.routes)
    ? (ctx.config.routes as Record<string, unknown>[])
    : []
}

const byName = (view: ServiceView) => new Map(view.services.map((s) => [s.name, s]))

export const routeServiceNoInstancesRule = defineConfigRule({
  meta: {
    id: 'route-service-no-instances',
    severity: 'warning',
    description:
      '(--discover) A route or split sends traffic to a service that has no instances in the live view: requests to it fail with 503.',
  },
  check(_config, ctx) {
    if (!ctx.view) return []
    const services = byName(ctx.view)
    const hits: Finding[] = []
    routes(ctx).forEach((route, index) => {
      if (!isObject(route)) return
      const targets: {service: unknown; path: (string | number)[]}[] = [
        {service: route.service, path: ['routes', index, 'service']},
      ]
      if (Array.isArray(route.splits)) {
        route.splits.forEach((s, j) => {
          if (isObject(s) && typeof s.service === 'string')
            targets.push({service: s.service, path: ['routes', index, 'splits', j, 'service']})
        })
      }

      for (const t of targets) {
        if (typeof t.service !== 'string') continue
        const found = services.get(t.service)
        if (found && found.instances.length > 0) continue
        hits.push(
          ctx.report({
            path: t.path,
            message: `service "${t.service}" has no instances in the live view`,
            hint: `start a container labelled mcp.service.name=${t.service}, or check the name with mcp discover`,
            service: t.service,
          }),
        )
      }
    })
    return hits
  },
})

export const splitVersionNoInstancesRule = defineConfigRule({
  meta: {
    id: 'split-version-no-instances',
    severity: 'warning',
    description: '(--discover) A split sends a share of traffic to a version no live instance of the service carries.',
  },
  check(_config, ctx) {
    if (!ctx.view) return []
    const services = byName(ctx.view)
    const hits: Finding[] = []
    routes(ctx).forEach((route, index) => {
      if (!isObject(route) || !Array.isArray(route.splits)) return
      route.splits.forEach((s, j) => {
        if (!isObject(s) || typeof s.version !== 'string') return
        const name = typeof s.service === 'string' ? s.service : route.service
        // Stryker disable next-line ConditionalExpression: equivalent, a name that is no string finds no service and returns below
        if (typeof name !== 'string') return
        const service = services.get(name)
        if (!service || service.instances.length === 0) return // route-service-no-instances says it
        const versions = [...new Set(service.instances.map((i) => instanceVersion(i, ctx.labelPrefix)).filter(Boolean))]
        if (versions.includes(s.version)) return
        hits.push(
          ctx.report({
            path: ['routes', index, 'splits', j, 'version'],
            message: `no instance of "${name}" carries version "${s.version}"${versions.length > 0 ? ` (live: ${versions.join(', ')})` : ' (no instance has a version)'}`,
            hint: `label the new containers ${ctx.labelPrefix ?? 'mcp'}.service.version=${s.version}, or fix the split`,
            service: name,
            evidence: {version: s.version, liveVersions: versions},
          }),
        )
      })
    })
    return hits
  },
})
