import type {SourceStatus} from '../model/types.js'
import type {DoctorResult, SkippedCheck} from './run.js'

import {Finding, Location, Severity, sortFindings} from '../report/findings/finding.js'
import {summarize} from '../report/findings/policy.js'

/**
 * One finding in doctor's --json output (docs/doctor.md "JSON output"): the shared findings
 * document's fields (ruleId …) plus `code`, the same value, as the issue and scripts name it.
 */
export interface DoctorJsonFinding {
  code: string
  ruleId: string
  severity: Severity
  service: string | null
  instance: string | null
  message: string
  evidence: Record<string, unknown>
  hint: string | null
  location: Location | null
}

export interface DoctorJson {
  findings: DoctorJsonFinding[]
  summary: {
    errors: number
    warnings: number
    infos: number
    inputErrors: number
    /** Findings by code. */
    codes: Record<string, number>
    services: number
    instances: number
    ran: string[]
    skipped: SkippedCheck[]
    notProbed: DoctorResult['notProbed']
    sources: SourceStatus[]
    exitCode: number
  }
}

export function toJsonFinding(f: Finding): DoctorJsonFinding {
  return {
    code: f.ruleId,
    ruleId: f.ruleId,
    severity: f.severity,
    service: f.service ?? null,
    instance: f.instance ?? null,
    message: f.message,
    evidence: f.evidence ?? {},
    hint: f.hint ?? null,
    location: f.location ?? null,
  }
}

export function doctorJson(result: DoctorResult, findings: Finding[], exitCode: number): DoctorJson {
  const s = summarize(findings)
  const codes: Record<string, number> = {}
  for (const f of findings) codes[f.ruleId] = (codes[f.ruleId] ?? 0) + 1
  return {
    findings: sortFindings(findings).map(toJsonFinding),
    summary: {
      ...s,
      codes,
      services: result.view.services.length,
      instances: result.view.services.reduce((n, svc) => n + svc.instances.length, 0),
      ran: result.ran,
      skipped: result.skipped,
      notProbed: result.notProbed,
      sources: result.view.sources,
      exitCode,
    },
  }
}

/**
 * Notes for stderr: checks skipped because a source was left out or is down, and registered
 * instances whose health path could not be probed. Consul not being configured is the usual etcd
 * setup, so that alone is not worth a line.
 */
export function doctorNotes(result: DoctorResult, services: string[] = []): string[] {
  const notes: string[] = []
  const known = new Set(result.view.services.map((s) => s.name))
  for (const name of services) {
    if (!known.has(name))
      notes.push(`doctor: no container or registration of service "${name}" (check the name: mcp discover lists them)`)
  }

  const byReason = new Map<string, string[]>()
  for (const k of result.skipped) {
    if (k.reason.startsWith('consul not configured')) continue
    byReason.set(k.reason, [...(byReason.get(k.reason) ?? []), k.code])
  }

  for (const [reason, codes] of byReason) notes.push(`doctor: skipped ${codes.join(', ')}: ${reason}`)
  // With --no-probe the user asked for it: the JSON summary still lists them.
  const notProbed = result.notProbed.filter((n) => !n.reason.includes('--no-probe'))
  if (notProbed.length > 0) {
    const reasons = [...new Set(notProbed.map((n) => n.reason))]
    notes.push(
      `doctor: ${notProbed.length} registered instance${notProbed.length === 1 ? '' : 's'} not probed (${notProbed
        .slice(0, 5)
        .map((n) => `${n.service}/${n.instance}`)
        .join(', ')}${notProbed.length > 5 ? ', …' : ''}): ${reasons.join('; ')}`,
    )
  }

  return notes
}
