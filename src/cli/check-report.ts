import type {FailOnLevel} from './flags.js'

import {loadProjectConfig} from '../core/project-config.js'
import {redact} from '../core/redact.js'
import {
  applyOverrides,
  exitCodeForFindings,
  Finding,
  formatFindings,
  parseRuleFlags,
  RuleMeta,
  RuleOverrides,
  sortFindings,
  summarize,
  Summary,
  tooManyWarnings,
} from '../report/findings/index.js'

/** The flags every checking command shares (checkFlags in src/cli/flags.ts). */
export interface CheckFlagValues {
  format: string
  'fail-on': FailOnLevel
  'max-warnings'?: number
  rule?: string[]
}

export interface CheckReport {
  findings: Finding[]
  /** The formatter's text (for --format), and the exit code under --fail-on/--max-warnings. */
  output: string
  exitCode: number
  /** "too many warnings (3, maximum 0)" when --max-warnings is what failed the run: for stderr. */
  overLimit?: string
}

/**
 * Severity overrides (`.mcp.yaml` rules:, then --rule on top), the chosen formatter, the exit code:
 * the tail every checking command shares.
 */
export async function buildCheckReport(
  raw: Finding[],
  flags: CheckFlagValues,
  context: {command: string; rules: RuleMeta[]; toolVersion: string; color: boolean},
): Promise<CheckReport> {
  const known = context.rules.map((r) => r.id)
  const fromFlags = parseRuleFlags(flags.rule, known)
  // .mcp.yaml is shared by every checking command, so ids other commands own are fine there.
  const project = (await loadProjectConfig()).rules ?? {}
  const fromProject: RuleOverrides = parseRuleFlags(Object.entries(project).map(([id, v]) => `${id}=${v}`))
  const findings = sortFindings(applyOverrides(raw, fromProject, fromFlags))
  return {
    findings,
    // Last line of defence: a finding that quotes a value never carries a registered secret or a token.
    output: redact(
      formatFindings(findings, flags.format, {
        toolName: 'mcp',
        toolVersion: context.toolVersion,
        command: context.command,
        rules: context.rules,
        color: context.color,
      }),
    ),
    exitCode: exitCodeForFindings(findings, {failOn: flags['fail-on'], maxWarnings: flags['max-warnings']}),
    overLimit: tooManyWarnings(findings, flags['max-warnings']),
  }
}

/** The --json value of a checking command: the json formatter's shape plus command-specific fields. */
export type CheckJson<Extra extends object = object> = Extra & {findings: Finding[]; summary: Summary}

export function checkJson<Extra extends object>(findings: Finding[], extra: Extra): CheckJson<Extra> {
  return {findings, summary: summarize(findings), ...extra}
}
