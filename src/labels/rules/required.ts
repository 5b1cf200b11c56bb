import type {Finding} from '../../report/findings/finding.js'
import type {LabelSet} from '../types.js'

import {DEFAULT_HEALTH_PATH, hasPrefix} from '../../model/labels.js'
import {carriesPrefix} from '../label-set.js'
import {gluedKey} from './keys.js'
import {defineRule, RuleContext} from './rule.js'

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
  return defineRule({
    meta: {
      id,
      severity: 'error',
      description: `A service with gateway labels must have ${which === 'serviceName' ? 'a service name' : 'a service port'} label`,
    },
    check(set: LabelSet, ctx): Finding[] {
      if (!carriesPrefix(set, ctx.prefix) || written(set, ctx.keys[which], ctx)) return []
      return [
        ctx.report({
          set,
          at: missingAt(set, ctx),
          // A container is named by the finding's group; a compose service or an image is not.
          message: `${set.kind === 'container' ? '' : `${set.displayName} `}has ${ctx.prefix}.* labels but no ${ctx.keys[which]}`,
          hint: `add ${ctx.keys[which]}=${example}; the gateway ignores it without one`,
        }),
      ]
    },
  })
}

export const serviceNameMissing = requiredRule('service-name-missing', 'serviceName', 'user-api')
export const servicePortMissing = requiredRule('service-port-missing', 'servicePort', '8080')

export const healthPathMissing = defineRule({
  meta: {
    id: 'health-path-missing',
    severity: 'info',
    description: `No health path label: the gateway probes ${DEFAULT_HEALTH_PATH}`,
  },
  check(set, ctx) {
    if (!carriesPrefix(set, ctx.prefix) || written(set, ctx.keys.healthPath, ctx)) return []
    return [
      ctx.report({
        set,
        at: missingAt(set, ctx),
        message: `no ${ctx.keys.healthPath}: the gateway probes ${DEFAULT_HEALTH_PATH}`,
        hint: `set ${ctx.keys.healthPath} if the service answers health checks elsewhere`,
      }),
    ]
  },
})
