import {labelKeys, parsePortLabel} from '../model/labels.js'
import type {DockerContainer} from '../model/types.js'
import type {Finding} from '../report/finding.js'

/**
 * lint-labels' errors for one live container. Until lint-labels' own container check is merged,
 * a minimal stand-in: the two labels the gateway cannot do without, with lint-labels' rule ids.
 */
export function lintContainerLabels(container: DockerContainer, labelPrefix: string): Finding[] {
  const keys = labelKeys(labelPrefix)
  const location = {kind: 'container' as const, container: container.name, id: container.id}
  const out: Finding[] = []
  const name = container.labels[keys.name]
  const port = container.labels[keys.port]
  if (name === undefined) {
    out.push({ruleId: 'service-name-missing', severity: 'error', location, message: `container ${container.name} has ${labelPrefix}.* labels but no ${keys.name}`, hint: `add ${keys.name}=user-api; the gateway ignores it without one`})
  }
  if (port === undefined) {
    out.push({ruleId: 'service-port-missing', severity: 'error', location, message: `container ${container.name} has ${labelPrefix}.* labels but no ${keys.port}`, hint: `add ${keys.port}=8080; the gateway ignores it without one`})
  } else if (parsePortLabel(port) === undefined) {
    out.push({ruleId: 'service-port-invalid', severity: 'error', location, message: `${keys.port}=${JSON.stringify(port)} is not a port number 1-65535`, hint: `set ${keys.port} to the port the service listens on`})
  }
  return out
}
