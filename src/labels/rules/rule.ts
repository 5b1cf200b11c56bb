import type {Finding, Location, RuleMeta, Severity} from '../../report/findings/finding.js'
import {docsUrl} from '../../core/docs-url.js'
import {labelKeys, type LabelKeys} from '../../model/labels.js'
import {effectiveLabel, knownValue} from '../label-set.js'
import type {LabelEntry, LabelSet} from '../types.js'

/** Where rules link to: one heading per rule in docs/rules.md. */
export const RULES_DOC_URL = docsUrl('rules.md')

export interface RuleContext {
  /** The label prefix (`mcp`, or --label-prefix). */
  prefix: string
  /** Full keys for the prefix: keys.servicePort === 'mcp.service.port'. */
  keys: LabelKeys
  /** Swarm mode (--swarm): the gateway reads service labels, so deploy.labels is the right place. */
  swarm?: boolean
}

/**
 * A label rule: static metadata plus a check. `check` sees one label set (a compose service, the
 * image a Dockerfile builds, a container); `checkAll` sees every set at once (consistency between places).
 */
export interface LabelRule extends RuleMeta {
  check?(set: LabelSet, ctx: RuleContext): Finding[]
  checkAll?(sets: LabelSet[], ctx: RuleContext): Finding[]
}

export function ruleContext(prefix: string, options: {swarm?: boolean} = {}): RuleContext {
  return {prefix, keys: labelKeys(prefix), swarm: options.swarm}
}

export function defineRule(meta: Omit<LabelRule, 'helpUri'> & {helpUri?: string}): LabelRule {
  return {...meta, helpUri: meta.helpUri ?? docsUrl('rules.md', meta.id)}
}

/** A finding of `rule` about `set`, at a label's key or value or at the set itself. */
export function report(
  rule: {id: string; defaultSeverity: Severity},
  set: LabelSet,
  ctx: RuleContext,
  at: Location | undefined,
  message: string,
  hint?: string,
  evidence?: Record<string, unknown>,
): Finding {
  const name = knownValue(effectiveLabel(set, ctx.keys.serviceName))
  return {
    ruleId: rule.id,
    severity: rule.defaultSeverity,
    message,
    location: at ?? set.location,
    ...(hint ? {hint} : {}),
    evidence: {source: set.displayName, ...evidence},
    ...(name ? {service: name} : {}),
    ...(set.kind === 'container' ? {instance: set.name} : {}),
  }
}

/** Every label of the set with exactly this key (all scopes), whose value is known and not empty. */
export function valuesOf(set: LabelSet, key: string): LabelEntry[] {
  return set.labels.filter((l) => l.key === key && knownValue(l) !== undefined)
}

/** `mcp.service.port` → `mcp.service.port "80a"` for messages (values are labels, not secrets). */
export function quoteValue(entry: LabelEntry): string {
  return `${entry.key} ${JSON.stringify(entry.value)}`
}
