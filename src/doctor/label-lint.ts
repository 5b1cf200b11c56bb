import type {DockerContainer} from '../model/types.js'
import type {Finding} from '../report/findings/finding.js'
import type {RuleOverrides} from '../report/findings/policy.js'

import {checkContainerLabels} from '../labels/index.js'

/**
 * lint-labels' findings for one live container, with the project's rule settings (`.mcp.yaml`
 * `rules:`), so a rule a team turned off there does not come back through doctor.
 */
export function lintContainerLabels(
  container: DockerContainer,
  labelPrefix: string,
  overrides: (RuleOverrides | undefined)[] = [],
): Finding[] {
  return checkContainerLabels(container, {labelPrefix, overrides})
}
