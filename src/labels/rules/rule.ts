import type {Finding, Location, RuleMeta} from '../../report/findings/finding.js'
import type {LabelEntry, LabelSet} from '../types.js'

import {docsUrl} from '../../core/docs-url.js'
import {labelKeys, type LabelKeys} from '../../model/labels.js'
import {type ReportDescriptor, type Rule, type RuleDefinition, withReport} from '../../report/findings/rule.js'
import {effectiveLabel, knownValue} from '../label-set.js'

export interface RuleContext {
  /** The label prefix (`mcp`, or --label-prefix). */
  prefix: string
  /** Full keys for the prefix: keys.servicePort === 'mcp.service.port'. */
  keys: LabelKeys
  /** Swarm mode (--swarm): the gateway reads service labels, so deploy.labels is the right place. */
  swarm?: boolean
}

/** What a label rule reports (ctx.report): the set it is about, and where in it. */
export interface LabelReport extends ReportDescriptor {
  set: LabelSet
  /** A label's key or value; the set itself when absent. */
  at?: Location
}

export interface LabelRuleMeta extends RuleMeta {
  /** `set`: check sees one label set (a compose service, the image a Dockerfile builds, a container); `all-sets`: every set at once. */
  scope: 'set' | 'all-sets'
}

/** A rule over one label set. */
export type LabelSetRule = Rule<LabelSet, RuleContext, LabelRuleMeta & {scope: 'set'}>
/** A rule over every label set at once (consistency between places). */
export type LabelSetsRule = Rule<LabelSet[], RuleContext, LabelRuleMeta & {scope: 'all-sets'}>
export type LabelRule = LabelSetRule | LabelSetsRule

export const isSetRule = (rule: LabelRule): rule is LabelSetRule => rule.meta.scope === 'set'

export function ruleContext(prefix: string, options: {swarm?: boolean} = {}): RuleContext {
  return {prefix, keys: labelKeys(prefix), swarm: options.swarm}
}

/** The meta a label rule is written with: its docs link (docs/rules.md, one heading per rule) comes from the id. */
type WrittenMeta = Omit<RuleMeta, 'docs' | 'fixable'>

const metaOf = <S extends LabelRuleMeta['scope']>(meta: WrittenMeta, scope: S) => ({
  ...meta,
  docs: docsUrl('rules.md', meta.id),
  scope,
})

/** A label rule over one set. */
export function defineRule(definition: RuleDefinition<LabelSet, RuleContext, LabelReport, WrittenMeta>): LabelSetRule {
  return withReport({meta: metaOf(definition.meta, 'set'), check: definition.check}, labelFinding)
}

/** A label rule over every set at once. */
export function defineSetsRule(
  definition: RuleDefinition<LabelSet[], RuleContext, LabelReport, WrittenMeta>,
): LabelSetsRule {
  return withReport({meta: metaOf(definition.meta, 'all-sets'), check: definition.check}, labelFinding)
}

/** A finding of a label rule about `set`, at a label's key or value or at the set itself. */
function labelFinding(meta: RuleMeta, {set, at, message, hint, evidence}: LabelReport, ctx: RuleContext): Finding {
  const name = knownValue(effectiveLabel(set, ctx.keys.serviceName))
  return {
    ruleId: meta.id,
    severity: meta.severity,
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
