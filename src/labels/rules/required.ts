import type {Finding} from '../../report/findings/finding.js'
import {DEFAULT_HEALTH_PATH, hasPrefix} from '../../model/labels.js'
import {carriesPrefix} from '../label-set.js'
import type {LabelSet} from '../types.js'
import {gluedKey} from './keys.js'
import {defineRule, report, RuleContext} from './rule.js'

/** Is the key written (even empty, or glued to its value)? Glued keys get their own error. */
function written(set: LabelSet, key: string, ctx: RuleContext): boolean {
  return set.labels.some((l) => l.key === key || gluedKey(l.key, ctx)?.key === key)
}

/** Where to point for a missing key: the service (compose), the first prefix label (Dockerfile), the container. */
function missingAt(set: LabelSet, ctx: RuleContext) {
  if (set.kind !== 'dockerfile') return set.location
  return set.labels.find((l) => hasPrefix(l.key, ctx.prefix))?.keyLocation ?? set.location
}

function requiredRule(id: string, which: 'serviceName' | 'servicePort', example: string) {
  const rule = defineRule({
    id,
    defaultSeverity: 'error',
    description: `A service with gateway labels must have ${which === 'serviceName' ? 'a service name' : 'a service port'} label`,
    check(set: LabelSet, ctx: RuleContext): Finding[] {
      if (!carriesPrefix(set, ctx.prefix) || written(set, ctx.keys[which], ctx)) return []
      return [
        report(
          rule,
          set,
          ctx,
          missingAt(set, ctx),
          // A container is named by the finding's group; a compose service or an image is not.
          `${set.kind === 'container' ? '' : `${set.displayName} `}has ${ctx.prefix}.* labels but no ${ctx.keys[which]}`,
          `add ${ctx.keys[which]}=${example}; the gateway ignores it without one`,
        ),
      ]
    },
  })
  return rule
}

export const serviceNameMissing = requiredRule('service-name-missing', 'serviceName', 'user-api')
export const servicePortMissing = requiredRule('service-port-missing', 'servicePort', '8080')

export const healthPathMissing = defineRule({
  id: 'health-path-missing',
  defaultSeverity: 'info',
  description: `No health path label: the gateway probes ${DEFAULT_HEALTH_PATH}`,
  check(set, ctx) {
    if (!carriesPrefix(set, ctx.prefix) || written(set, ctx.keys.healthPath, ctx)) return []
    return [
      report(
        this,
        set,
        ctx,
        missingAt(set, ctx),
        `no ${ctx.keys.healthPath}: the gateway probes ${DEFAULT_HEALTH_PATH}`,
        `set ${ctx.keys.healthPath} if the service answers health checks elsewhere`,
      ),
    ]
  },
})
