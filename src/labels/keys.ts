import type {LabelEntry, LabelSet} from './types.js'

/**
 * The label keys the gateway reads, without the prefix (`mcp` by default, `--label-prefix`).
 * Required keys make a container a service; the rest are optional and typed.
 */
export const LABEL_KEYS = {
  serviceName: 'service.name',
  servicePort: 'service.port',
  serviceVersion: 'service.version',
  serviceWeight: 'service.weight',
  serviceNetwork: 'service.network',
  healthPath: 'health.path',
  healthInterval: 'health.interval',
  healthTimeout: 'health.timeout',
} as const

export type LabelKeyName = keyof typeof LABEL_KEYS

export const KNOWN_SUFFIXES: string[] = Object.values(LABEL_KEYS)

/** The health path the gateway probes when `<prefix>.health.path` is absent. */
export const DEFAULT_HEALTH_PATH = '/health'

/** Full keys for a prefix: keysFor('mcp').servicePort === 'mcp.service.port'. */
export function keysFor(prefix: string): Record<LabelKeyName, string> {
  const out = {} as Record<LabelKeyName, string>
  for (const [name, suffix] of Object.entries(LABEL_KEYS)) out[name as LabelKeyName] = `${prefix}.${suffix}`
  return out
}

/** Is the key under the prefix (`mcp.` …)? */
export function hasPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix + '.')
}

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
