import {createHash} from 'node:crypto'

import type {Formatter} from './types.js'

import {locationText, sortFindings} from '../finding.js'

// GitLab's scale: info, minor, major, critical, blocker. An error is what fails the pipeline: major.
const SEVERITY = {error: 'major', warning: 'minor', info: 'info'} as const

/**
 * GitLab Code Quality (a `codequality` report artifact): a JSON array of issues, each with a stable
 * fingerprint so that merge requests show what a change added and what it fixed. The fingerprint is
 * the rule, the place and the message, not the line number alone: a finding that only moved stays one.
 */
export const gitlab: Formatter = (findings) => {
  const seen = new Map<string, number>()
  const issues = sortFindings(findings).map((f) => {
    const path = f.location?.kind === 'file' ? f.location.file : locationText(f.location) || '.'
    const base = createHash('md5').update(`${f.ruleId}\u0000${path}\u0000${f.message}`).digest('hex')
    // Two identical findings in one file still need two fingerprints.
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    const fingerprint = n === 0 ? base : createHash('md5').update(`${base}\u0000${n}`).digest('hex')
    return {
      description: f.hint ? `${f.message} (${f.hint})` : f.message,
      check_name: f.ruleId,
      fingerprint,
      severity: SEVERITY[f.severity],
      location: {path, lines: {begin: f.location?.kind === 'file' ? f.location.line : 1}},
    }
  })
  return JSON.stringify(issues, null, 2) + '\n'
}
