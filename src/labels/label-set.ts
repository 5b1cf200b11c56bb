import type {LabelEntry, LabelSet} from './types.js'

import {hasPrefix} from '../model/labels.js'

/** The label sets that concern the gateway: any key under the prefix. */
export function carriesPrefix(set: LabelSet, prefix: string): boolean {
  return set.labels.some((l) => hasPrefix(l.key, prefix))
}

// Labels the container itself carries beat image labels; deploy.labels (Swarm service) come last.
const SCOPE_ORDER = {container: 0, labels: 0, dockerfile: 1, 'build.labels': 1, 'deploy.labels': 2} as const

/** The label the gateway would read for a key: the last one written in the strongest scope. */
export function effectiveLabel(set: LabelSet, key: string): LabelEntry | undefined {
  let best: LabelEntry | undefined
  for (const entry of set.labels) {
    if (entry.key !== key) continue
    if (!best || SCOPE_ORDER[entry.scope] <= SCOPE_ORDER[best.scope]) best = entry
  }

  return best
}

/** A value the rules can judge: written, known at lint time, not empty. */
export function knownValue(entry: LabelEntry | undefined): string | undefined {
  if (!entry || entry.unknownValue || entry.value === '') return undefined
  return entry.value
}
