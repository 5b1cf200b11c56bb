import type {ConfigRule} from '../types.js'

import {RuleMeta, unusedSuppressionMeta} from '../../report/findings/index.js'
import {routeServiceNoInstancesRule, splitVersionNoInstancesRule} from './live.js'
import {tlsFileMissingRule, unresolvedVariableRule} from './references.js'
import {duplicateRouteRule, routeShadowedRule, splitWeightsRule} from './routes.js'
import {invalidDurationRule, schemaRule, unknownKeyRule} from './schema-rules.js'
import {healthTimeoutRule, leaseTtlRule, wrtWithoutHealthChecksRule} from './timing.js'

/** Every lint-config rule, in docs order. Live rules only report when a service view is given (--discover). */
export const CONFIG_RULES: ConfigRule[] = [
  schemaRule,
  unknownKeyRule,
  invalidDurationRule,
  unresolvedVariableRule,
  healthTimeoutRule,
  leaseTtlRule,
  wrtWithoutHealthChecksRule,
  splitWeightsRule,
  duplicateRouteRule,
  routeShadowedRule,
  tlsFileMissingRule,
  routeServiceNoInstancesRule,
  splitVersionNoInstancesRule,
]

export const CONFIG_RULE_METAS: RuleMeta[] = [
  ...CONFIG_RULES.map((r) => r.meta),
  unusedSuppressionMeta('config-rules.md'),
]
