/**
 * The label vocabulary: the keys the gateway reads, their defaults and the checks of their values.
 * Everything that reads labels (the merged view, the label linter, doctor, sync) takes them from here.
 */

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

/** Full keys under a prefix: labelKeys('mcp').servicePort === 'mcp.service.port'. */
export type LabelKeys = Record<LabelKeyName, string>

/** The full keys under a prefix: labelKeys('mcp').servicePort === 'mcp.service.port'. */
export function labelKeys(prefix: string): LabelKeys {
  const out = {} as LabelKeys
  for (const [name, suffix] of Object.entries(LABEL_KEYS)) out[name as LabelKeyName] = `${prefix}.${suffix}`
  return out
}

/** Is the key under the prefix (`mcp.` …)? */
export function hasPrefix(key: string, prefix: string): boolean {
  return key.startsWith(prefix + '.')
}

/** The health path the gateway probes when `<prefix>.health.path` is absent. */
export const DEFAULT_HEALTH_PATH = '/health'

/**
 * What a port label's value is: a port (an integer 1–65535 written with digits alone), or why not.
 * The rules word their findings from `problem`; the merged view takes only `port`.
 */
export type PortCheck =
  | {ok: true; port: number}
  | {ok: false; problem: 'not-an-integer'}
  | {ok: false; problem: 'out-of-range'; number: number}

export function checkPort(value: string): PortCheck {
  if (!/^\d+$/.test(value)) return {ok: false, problem: 'not-an-integer'}
  const n = Number(value)
  return n >= 1 && n <= 65_535 ? {ok: true, port: n} : {ok: false, problem: 'out-of-range', number: n}
}

/** A port label's value as the merged view reads it (white space around it ignored), or undefined when it is no port. */
export function parsePortLabel(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const check = checkPort(value.trim())
  return check.ok ? check.port : undefined
}
