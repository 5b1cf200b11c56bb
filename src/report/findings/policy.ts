import {UsageError} from '../../core/errors.js'
import {ExitCode} from '../../core/exit-codes.js'
import {didYouMean} from '../../core/suggest.js'
import {Finding, INPUT_ERROR_RULE, Severity, SEVERITY_RANK} from './finding.js'

export type RuleSetting = Severity | 'off'
export type RuleOverrides = Record<string, RuleSetting>

const SETTINGS = new Set(['off', 'info', 'warning', 'error'])

/** Parse `--rule id=off|info|warning|error` values (repeatable). */
export function parseRuleFlags(values: string[] | undefined, knownRuleIds?: Iterable<string>): RuleOverrides {
  const known = knownRuleIds ? new Set(knownRuleIds) : undefined
  const out: RuleOverrides = {}
  for (const value of values ?? []) {
    const m = /^([^=\s]+)=(\w+)$/.exec(value)
    if (!m || !SETTINGS.has(m[2]!)) {
      throw new UsageError(`--rule ${JSON.stringify(value)} is not id=off|info|warning|error`, {
        hint: 'e.g. --rule health-path-missing=off',
      })
    }

    if (known && !known.has(m[1]!)) {
      const guess = didYouMean(m[1]!, known)
      throw new UsageError(`--rule names an unknown rule "${m[1]}"`, {
        hint: guess ? `did you mean ${guess}? (mcp rules lists the rule ids)` : 'mcp rules lists the rule ids',
      })
    }

    out[m[1]!] = m[2] as RuleSetting
  }

  return out
}

/** Apply severity overrides (project file first, then flags on top). Input errors cannot be turned off. */
export function applyOverrides(findings: Finding[], ...layers: (RuleOverrides | undefined)[]): Finding[] {
  const merged: RuleOverrides = Object.assign({}, ...layers.filter(Boolean))
  const out: Finding[] = []
  for (const f of findings) {
    const setting = f.ruleId === INPUT_ERROR_RULE ? undefined : merged[f.ruleId]
    if (setting === 'off') continue
    out.push(setting ? {...f, severity: setting} : f)
  }

  return out
}

export interface FailPolicy {
  /** Lowest severity that fails the run (default error). 'none' never fails on findings. */
  failOn: Severity | 'none'
  /** Fail when more warnings than this (like ESLint's --max-warnings). */
  maxWarnings?: number
}

export interface Summary {
  errors: number
  warnings: number
  infos: number
  inputErrors: number
}

export function summarize(findings: Finding[]): Summary {
  const s: Summary = {errors: 0, warnings: 0, infos: 0, inputErrors: 0}
  for (const f of findings) {
    if (f.ruleId === INPUT_ERROR_RULE) s.inputErrors++
    if (f.severity === 'error') s.errors++
    else if (f.severity === 'warning') s.warnings++
    else s.infos++
  }

  return s
}

/**
 * Exit code for a checking command's findings: 3 when an input could not be read or parsed,
 * 1 when a finding reaches --fail-on or warnings exceed --max-warnings, else 0.
 */
export function exitCodeForFindings(findings: Finding[], policy: FailPolicy): number {
  if (findings.some((f) => f.ruleId === INPUT_ERROR_RULE)) return ExitCode.INPUT
  const s = summarize(findings)
  if (policy.maxWarnings !== undefined && s.warnings > policy.maxWarnings) return ExitCode.NEGATIVE
  if (policy.failOn === 'none') return ExitCode.OK
  const threshold = SEVERITY_RANK[policy.failOn]
  return findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? ExitCode.NEGATIVE : ExitCode.OK
}

/**
 * Why a run with only warnings failed, in ESLint's words: without it, `--max-warnings 0` exits 1 with
 * output that looks like a pass. Undefined when the warnings are within the limit.
 */
export function tooManyWarnings(findings: Finding[], maxWarnings: number | undefined): string | undefined {
  if (maxWarnings === undefined) return undefined
  const {warnings} = summarize(findings)
  return warnings > maxWarnings ? `too many warnings (${warnings}, maximum ${maxWarnings})` : undefined
}
