import type {Connections} from '../../core/connections.js'
import {UsageError} from '../../core/errors.js'
import type {DockerContainer} from '../../model/types.js'

/** Live containers carrying any `<prefix>.*` label (placeholder until the shared Docker source lands). */
export async function liveContainers(_connections: Connections, _options: {all?: boolean} = {}): Promise<DockerContainer[]> {
  throw new UsageError('--docker is not available in this build yet')
}
