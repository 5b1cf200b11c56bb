import type {RuleMeta, Severity} from '../report/findings/finding.js'

import {docsUrl} from '../core/docs-url.js'

/** Every code doctor can report. Stable: scripts and CI gates match on them (docs/doctor.md). */
export const DOCTOR_CODES = [
  'SOURCE_UNREACHABLE',
  'UNREGISTERED',
  'STALE_REGISTRATION',
  'WRONG_ADDRESS',
  'NOT_READY',
  'LABEL_DRIFT',
  'PORT_NOT_EXPOSED',
  'NO_LEASE',
  'LONG_TTL',
  'AMBIGUOUS_NETWORK',
  'NAME_CONFLICT',
  'LABEL_INVALID',
  'CONSUL_CRITICAL',
  'REPLICAS_SHORT',
  'SWARM_LABEL_MISMATCH',
  'EARLY_REGISTRATION',
] as const

export type DoctorCode = (typeof DOCTOR_CODES)[number]

/** A source that did not answer: always reported, it cannot be selected away (never a silent all clear). */
export const SOURCE_UNREACHABLE: RuleMeta = codeMeta(
  'SOURCE_UNREACHABLE',
  'error',
  'Docker, etcd or Consul did not answer: the checks that need it were skipped',
)

/** A doctor code's meta; its docs link is the code's heading in docs/doctor.md. */
export function codeMeta(code: string, severity: Severity, description: string): RuleMeta {
  return {id: code, severity, description, docs: codeDocs(code)}
}

/** Where a doctor code is explained: its heading in docs/doctor.md. */
export function codeDocs(code: string): string {
  return docsUrl('doctor.md', code.toLowerCase())
}
