import type {Finding} from './finding.js'
import type {FormatContext, Formatter} from './formatters/types.js'

import {UsageError} from '../../core/errors.js'
import {checkstyle} from './formatters/checkstyle.js'
import {github} from './formatters/github.js'
import {gitlab} from './formatters/gitlab.js'
import {json} from './formatters/json.js'
import {junit} from './formatters/junit.js'
import {sarif} from './formatters/sarif.js'
import {stylish} from './formatters/stylish.js'

export * from './finding.js'
export type {FormatContext, Formatter} from './formatters/types.js'
export {inputErrorFinding} from './input-error.js'
export * from './policy.js'
export {applySuppressions, UNUSED_SUPPRESSION_RULE, unusedSuppressionMeta} from './suppress.js'

/** Every output format a checking command offers; one set for lint-labels, lint-config, validate, doctor. */
export const FORMATTERS: Record<string, Formatter> = {stylish, json, sarif, github, junit, checkstyle, gitlab}
export const FORMAT_NAMES = Object.keys(FORMATTERS) as (
  'stylish' | 'json' | 'sarif' | 'github' | 'junit' | 'checkstyle' | 'gitlab'
)[]
export type FormatName = (typeof FORMAT_NAMES)[number]

export function formatFindings(findings: Finding[], format: string, context: FormatContext): string {
  const formatter = FORMATTERS[format]
  if (!formatter) {
    throw new UsageError(`unknown format "${format}"`, {hint: `use one of ${FORMAT_NAMES.join(', ')}`})
  }

  return formatter(findings, context)
}
