import type {Severity} from '../report/findings/index.js'

import {UsageError} from '../core/errors.js'
import {didYouMean} from '../core/suggest.js'
import {RULE_FAMILIES, type RuleCommand} from './families.js'
import {RULE_DOCS} from './rule-docs.generated.js'

/** One rule as `mcp rules` shows it: what the linters use (id, severity, description, link) and the docs' explanation. */
export interface RuleEntry {
  id: string
  /** The command that reports it: lint-labels, lint-config (both also under validate) or doctor. */
  command: RuleCommand
  defaultSeverity: Severity
  description: string
  helpUri?: string
  /** The docs' section for the rule (Markdown): what, why, the fix, bad and good examples. */
  explanation?: string
}

/** Every rule of every checking command, from the same metadata the linters use. */
export function ruleCatalog(): RuleEntry[] {
  const entries = RULE_FAMILIES.flatMap(({command, metas}): RuleEntry[] =>
    metas.map((m) => ({
      id: m.id,
      command,
      defaultSeverity: m.severity,
      description: m.description,
      helpUri: m.docs,
      ...(RULE_DOCS[command]?.[m.id] ? {explanation: RULE_DOCS[command][m.id]} : {}),
    })),
  )
  const seen = new Set<string>()
  return entries.filter((r) => {
    const key = `${r.command} ${r.id}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The rules with this id (an id such as unknown-key belongs to two commands); a usage error with did-you-mean when none. */
export function findRules(id: string, catalog = ruleCatalog()): RuleEntry[] {
  const found = catalog.filter((r) => r.id === id || r.id.toLowerCase() === id.toLowerCase())
  if (found.length > 0) return found
  const guess = didYouMean(id, new Set(catalog.map((r) => r.id)))
  throw new UsageError(`no rule "${id}"`, {
    hint: guess ? `did you mean ${guess}? (mcp rules lists them all)` : 'mcp rules lists them all',
  })
}
