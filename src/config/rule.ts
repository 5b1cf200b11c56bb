import type {FileLocation, Finding, RuleMeta} from '../report/findings/finding.js'
import type {ConfigContext, ConfigRule, RuleHit} from './types.js'

import {docsUrl} from '../core/docs-url.js'
import {type RuleDefinition, withReport} from '../report/findings/rule.js'

/** A config rule; its docs link (docs/config-rules.md, one heading per rule) comes from the id. */
export function defineConfigRule(
  definition: RuleDefinition<unknown, ConfigContext, RuleHit, Omit<RuleMeta, 'docs'>>,
): ConfigRule {
  return withReport(
    {meta: {...definition.meta, docs: docsUrl('config-rules.md', definition.meta.id)}, check: definition.check},
    configFinding,
  )
}

/** A finding at the hit's key or value, as file:line:col; its fix is left in ctx.fixes for --fix. */
function configFinding(meta: RuleMeta, hit: RuleHit, ctx: ConfigContext): Finding {
  const {source} = ctx
  const range = source.range(hit.path, hit.target ?? 'value')
  const start = source.positionAt(range?.start ?? 0)
  const end = range ? source.positionAt(range.end) : undefined
  const location: FileLocation = {kind: 'file', file: source.path, line: start.line, column: start.column}
  // Multi-line ranges (a whole mapping) would underline too much; the start is what editors need.
  if (end && end.line === start.line) {
    location.endLine = end.line
    location.endColumn = end.column
  }

  const finding: Finding = {ruleId: meta.id, severity: meta.severity, message: hit.message, location}
  if (hit.hint) finding.hint = hit.hint
  if (hit.evidence) finding.evidence = hit.evidence
  if (hit.service) finding.service = hit.service
  if (hit.fix) {
    // As ESLint refuses a fix from a rule whose meta does not declare one: --fix must know its fixers.
    if (!meta.fixable) throw new Error(`config rule ${meta.id} reported a fix, but its meta is not fixable`)
    ctx.fixes?.set(finding, {path: hit.path, ...hit.fix})
  }

  return finding
}
