import type {DockerContainer} from '../../model/types.js'
import type {ContainerLocation} from '../../report/findings/finding.js'
import type {LabelSet} from '../types.js'

/** A live container's labels (its own and its image's, as Docker merges them), ports and networks. */
export function containerLabelSet(container: DockerContainer): LabelSet {
  const location: ContainerLocation = {
    kind: 'container',
    container: container.name,
    id: container.id,
    ...(container.host ? {host: container.host} : {}),
  }
  const set: LabelSet = {
    kind: 'container',
    name: container.name,
    displayName: `container ${container.name}`,
    location,
    labels: Object.entries(container.labels).map(([key, value]) => ({
      key,
      value,
      scope: 'container' as const,
      form: 'container' as const,
      keyLocation: location,
      valueLocation: location,
      unresolved: [],
      unknownValue: false,
    })),
    containerId: container.id,
    host: container.host,
  }
  const mode = container.networkMode
  if (mode === 'host') {
    set.portsNotApplicable = 'host networking'
    set.networks = ['host']
  } else if (mode.startsWith('container:')) {
    set.portsNotApplicable = `network mode ${mode}`
  } else {
    // Docker's port list holds the image's EXPOSEd ports and the published ones.
    set.ports = container.ports.map((p) => ({port: p.privatePort, via: 'container' as const}))
    set.networks = container.networks.map((n) => n.name)
  }

  return set
}
