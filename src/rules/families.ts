import type {RuleMeta} from '../report/findings/index.js'

import {CONFIG_RULE_METAS} from '../config/index.js'
import {DOCTOR_RULES} from '../doctor/run.js'
import {LINT_LABELS_RULES} from '../labels/index.js'

/** The command that reports a rule: lint-labels, lint-config (both also under validate) or doctor. */
export type RuleCommand = 'lint-labels' | 'lint-config' | 'doctor'

/**
 * The three rule families as the metas each command reports under (every rule's own meta, and the
 * few ids the command reports itself: input-error, unused-suppression, SOURCE_UNREACHABLE).
 * `mcp rules` and the rule docs generator both read them from here, the same way.
 */
export const RULE_FAMILIES: {command: RuleCommand; metas: RuleMeta[]}[] = [
  {command: 'lint-labels', metas: LINT_LABELS_RULES},
  {command: 'lint-config', metas: CONFIG_RULE_METAS},
  {command: 'doctor', metas: DOCTOR_RULES},
]

/** The docs page (`rules.md`) every meta of a family links to; a family split over two pages is a bug. */
export function docsPage(metas: RuleMeta[]): string {
  const pages = new Set(metas.map((m) => new URL(m.docs).pathname.split('/').pop()!))
  if (pages.size !== 1)
    throw new Error(`rule docs on ${pages.size} pages (${[...pages].join(', ')}); one page per command`)
  return [...pages][0]!
}
