import {CONFIG_RULE_METAS} from '../config/index.js'
import {UsageError} from '../core/errors.js'
import {didYouMean} from '../core/suggest.js'
import {DOCTOR_RULES} from '../doctor/run.js'
import {LINT_LABELS_RULES} from '../labels/index.js'
import type {RuleMeta, Severity} from '../report/findings/index.js'
import {RULE_DOCS} from './rule-docs.generated.js'

/** One rule as `mcp rules` shows it: what the linters use (id, severity, description, link) and the docs' explanation. */
export interface RuleEntry {
  id: string
  /** The command that reports it: lint-labels, lint-config (both also under validate) or doctor. */
  command: 'lint-labels' | 'lint-config' | 'doctor'
  defaultSeverity: Severity
  description: string
  helpUri?: string
  /** The docs' section for the rule (Markdown): what, why, the fix, bad and good examples. */
  explanation?: string
}

/** Every rule of every checking command, from the same metadata the linters use. */
export function ruleCatalog(): RuleEntry[] {
  const from = (command: RuleEntry['command'], metas: RuleMeta[]): RuleEntry[] =>
    metas.map((m) => ({
      id: m.id,
      command,
      defaultSeverity: m.defaultSeverity,
      description: m.description,
      ...(m.helpUri ? {helpUri: m.helpUri} : {}),
      ...(RULE_DOCS[command]?.[m.id] ? {explanation: RULE_DOCS[command][m.id]} : {}),
    }))
  const seen = new Set<string>()
  return [...from('lint-labels', LINT_LABELS_RULES), ...from('lint-config', CONFIG_RULE_METAS), ...from('doctor', DOCTOR_RULES)].filter((r) => {
    const key = `${r.command} ${r.id}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The rules with this id (an id such as unknown-key belongs to two commands); a usage error with did-you-mean when none. */
export function findRules(id: string, catalog = ruleCatalog()): RuleEntry[] {
  const found = catalog.filter((r) => r.id === id || r.id.toLowerCase() === id.toLowerCase())
  if (found.length) return found
  const guess = didYouMean(id, new Set(catalog.map((r) => r.id)))
  throw new UsageError(`no rule "${id}"`, {hint: guess ? `did you mean ${guess}? (mcp rules lists them all)` : 'mcp rules lists them all'})
}
