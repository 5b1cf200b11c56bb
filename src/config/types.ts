import type {ServiceView} from '../model/types.js'
import type {Finding} from '../report/findings/finding.js'
import type {ReportDescriptor, Rule} from '../report/findings/rule.js'
import type {SchemaError} from './schema.js'
import type {ConfigSource, PathSegment, Target} from './source.js'

/** A mechanical fix: replace the key or value at the finding's path with this text. */
export interface ConfigFix {
  target: Target
  text: string
  /** What changes, for --fix's report: `health_check → healthCheck`. */
  description: string
}

/** What a config rule reports (ctx.report): where in the document, which report() turns into file:line:col. */
export interface RuleHit extends ReportDescriptor {
  path: PathSegment[]
  /** Point at the key or at its value (default value). */
  target?: Target
  /** Only from a rule whose meta says fixable. */
  fix?: ConfigFix
  /** The service the finding is about (live checks). */
  service?: string
}

export interface ConfigContext {
  source: ConfigSource
  /** The document's value after ${VAR} interpolation. */
  config: unknown
  /** ajv's errors for config (every schema problem). */
  schemaErrors: SchemaError[]
  /** JSON pointers of values that still hold an unset ${VAR}: their real value is unknown. */
  unresolved: Map<string, string[]>
  /** Where relative file paths (tls.certFile) are resolved from: the config file's directory. */
  baseDir: string
  /** The live service view (--discover); rules that need it return nothing without it. */
  view?: ServiceView
  /** Label prefix the gateway reads (discovery.labelPrefix, default mcp). */
  labelPrefix?: string
  /** Where report() leaves each finding's fix, for --fix to place in the text; no fixes are kept without it. */
  fixes?: Map<Finding, ConfigFix & {path: PathSegment[]}>
}

/**
 * A rule beyond (or on top of) the schema: small, data-driven, documented in docs/config-rules.md. Its
 * subject is the document's value after ${VAR} interpolation (ctx.config too, for helpers that take the context).
 */
export type ConfigRule = Rule<unknown, ConfigContext>

/** JSON pointer of a path, as ajv writes instancePath. */
export function pointer(path: PathSegment[]): string {
  return path.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('')
}

/** Path segments of an ajv instancePath. */
export function segments(instancePath: string): PathSegment[] {
  if (!instancePath) return []
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The object at a key, or an empty one: rules read a config that may be schema-invalid. */
export function section(config: unknown, key: string): Record<string, unknown> {
  const v = isObject(config) ? config[key] : undefined
  return isObject(v) ? v : {}
}
