import type {RuleMeta} from '../../report/findings/finding.js'
import type {LabelRule} from './rule.js'

import {keySyntax, keyValueGlued, unknownKey} from './keys.js'
import {
  deployLabelsOnly,
  serviceConflict,
  servicePortNotExposed,
  swarmDeployLabelsMissing,
  unresolvedVariable,
} from './placement.js'
import {healthPathMissing, serviceNameMissing, servicePortMissing} from './required.js'
import {
  emptyValue,
  healthIntervalFormat,
  healthPathInvalid,
  healthTimeoutFormat,
  healthTimeoutTooLong,
  serviceNameFormat,
  serviceNetworkUnknown,
  servicePortInvalid,
  serviceVersionFormat,
  serviceWeightRange,
} from './values.js'

export {gluedKey, keySyntaxProblems} from './keys.js'
export type {LabelRule, LabelSetRule, LabelSetsRule, RuleContext} from './rule.js'
export {isSetRule, ruleContext} from './rule.js'

/** Every label rule, in the order docs/rules.md lists them. */
export const LABEL_RULES: LabelRule[] = [
  serviceNameMissing,
  servicePortMissing,
  serviceNameFormat,
  servicePortInvalid,
  servicePortNotExposed,
  healthPathInvalid,
  healthPathMissing,
  unknownKey,
  keyValueGlued,
  emptyValue,
  keySyntax,
  serviceVersionFormat,
  serviceWeightRange,
  serviceNetworkUnknown,
  healthIntervalFormat,
  healthTimeoutFormat,
  healthTimeoutTooLong,
  deployLabelsOnly,
  swarmDeployLabelsMissing,
  serviceConflict,
  unresolvedVariable,
]

/** The rule table as data (for SARIF, --rule validation, docs): each rule's own meta. */
export const LABEL_RULE_META: RuleMeta[] = LABEL_RULES.map((rule) => rule.meta)
