import type {Connections} from '../../core/connections.js'
import type {DockerContainer} from '../../model/types.js'

import {SourceUnreachableError} from '../../core/errors.js'
import {readDocker} from '../../discover/view.js'
import {connectDocker} from '../../docker/client.js'

/**
 * Live containers carrying any `<prefix>.*` label (not only the name label: a container that lost
 * or misspelled it is exactly what lint-labels must see). Throws SourceUnreachableError when Docker
 * does not answer within the timeout.
 */
export async function liveContainers(
  connections: Connections,
  options: {all?: boolean} = {},
): Promise<DockerContainer[]> {
  const client = connectDocker(connections.docker, connections.timeoutMs)
  const {status, data} = await readDocker(client, connections, {all: options.all, match: 'anyPrefix'})
  if (!status.ok) {
    throw new SourceUnreachableError(`Docker did not answer: ${status.error ?? 'unknown error'}`, {
      where: status.endpoint,
      hint: status.hint,
    })
  }

  return data
}
