import type {Finding} from '../../report/findings/finding.js'
import type {PathSegment} from '../source.js'

import {formatDuration, parseDuration} from '../../core/duration.js'
import {humanPath} from '../paths.js'
import {defineConfigRule} from '../rule.js'
import {schemaKeys} from '../schema.js'
import {ConfigContext, pointer, section} from '../types.js'

/** A duration setting's effective value: what the file says, else the schema's default. */
interface EffectiveDuration {
  ms: number
  path: PathSegment[]
  /** Set in the file (false: the schema default applies). */
  explicit: boolean
}

let defaults: Map<string, unknown> | undefined
function schemaDefault(dotted: string): unknown {
  defaults ??= new Map(schemaKeys().map((k) => [k.path, k.schema.default]))
  return defaults.get(dotted)
}

/** Read section.key as a duration; undefined when it is set but unusable (another rule reports that). */
function duration(ctx: ConfigContext, sectionName: string, key: string): EffectiveDuration | undefined {
  const path = [sectionName, key]
  const value = section(ctx.config, sectionName)[key]
  if (value === undefined) {
    const d = schemaDefault(`${sectionName}.${key}`)
    const ms = typeof d === 'string' ? parseDuration(d) : undefined
    return ms === undefined ? undefined : {ms, path, explicit: false}
  }

  if (typeof value !== 'string' || ctx.unresolved.has(pointer(path))) return undefined
  const ms = parseDuration(value)
  return ms === undefined ? undefined : {ms, path, explicit: true}
}

export const healthChecksOff = (ctx: ConfigContext) => section(ctx.config, 'healthCheck').enabled === false

/** healthCheck.interval, else the older loadBalancer.healthCheckInterval, else the default. */
function healthInterval(ctx: ConfigContext): EffectiveDuration | undefined {
  const own = duration(ctx, 'healthCheck', 'interval')
  if (own?.explicit) return own
  const older = duration(ctx, 'loadBalancer', 'healthCheckInterval')
  return older ?? own
}

const show = (d: EffectiveDuration) => `${humanPath(d.path)} ${formatDuration(d.ms)}${d.explicit ? '' : ' (default)'}`

export const healthTimeoutRule = defineConfigRule({
  meta: {
    id: 'health-timeout-not-below-interval',
    severity: 'error',
    description:
      'healthCheck.timeout is not shorter than the interval: checks overlap and a slow instance is probed again before the last probe ended.',
  },
  check(_config, ctx) {
    if (healthChecksOff(ctx)) return []
    const timeout = duration(ctx, 'healthCheck', 'timeout')
    const interval = healthInterval(ctx)
    if (!timeout || !interval || (!timeout.explicit && !interval.explicit) || timeout.ms < interval.ms) return []
    const at = timeout.explicit ? timeout : interval
    return [
      ctx.report({
        path: at.path,
        message: `${show(timeout)} is not shorter than ${show(interval)}`,
        hint: `make the timeout shorter than the interval, e.g. ${formatDuration(Math.max(1, Math.floor(interval.ms / 2)))}`,
        evidence: {timeoutMs: timeout.ms, intervalMs: interval.ms},
      }),
    ]
  },
})

export const leaseTtlRule = defineConfigRule({
  meta: {
    id: 'lease-ttl-too-short',
    severity: 'warning',
    description:
      'registry.ttl is shorter than twice the health-check interval or the resync period: one late renewal expires a healthy instance and it flaps out of the registry.',
  },
  check(_config, ctx) {
    const ttl = duration(ctx, 'registry', 'ttl')
    if (!ttl) return []
    const cycles = [healthChecksOff(ctx) ? undefined : healthInterval(ctx), duration(ctx, 'discovery', 'resync')]
    const hits: Finding[] = []
    for (const cycle of cycles) {
      if (!cycle || (!ttl.explicit && !cycle.explicit) || ttl.ms >= 2 * cycle.ms) continue
      hits.push(
        ctx.report({
          path: ttl.explicit ? ttl.path : cycle.path,
          message: `${show(ttl)} is shorter than twice ${show(cycle)}`,
          hint: `set registry.ttl to at least ${formatDuration(2 * cycle.ms)}, or renew more often`,
          evidence: {ttlMs: ttl.ms, cycle: humanPath(cycle.path), cycleMs: cycle.ms},
        }),
      )
    }

    return hits
  },
})

export const wrtWithoutHealthChecksRule = defineConfigRule({
  meta: {
    id: 'wrt-without-health-checks',
    severity: 'warning',
    description:
      'loadBalancer.strategy weighted_response_time with health checks off: the weights come from health-check timings, so every instance keeps the same weight.',
  },
  check(config, ctx) {
    const lb = section(config, 'loadBalancer')
    if (lb.strategy !== 'weighted_response_time' || !healthChecksOff(ctx)) return []
    return [
      ctx.report({
        path: ['loadBalancer', 'strategy'],
        message: 'weighted_response_time needs health checks, but healthCheck.enabled is false',
        hint: 'turn health checks on, or use least_connections',
      }),
    ]
  },
})
