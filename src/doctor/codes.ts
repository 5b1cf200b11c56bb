import {docsUrl} from '../core/docs-url.js'
import type {RuleMeta, Severity} from '../report/findings/finding.js'

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
export const SOURCE_UNREACHABLE: RuleMeta = {
  id: 'SOURCE_UNREACHABLE',
  defaultSeverity: 'error',
  description: 'Docker, etcd or Consul did not answer: the checks that need it were skipped',
  helpUri: docsUrl('doctor.md', 'source_unreachable'),
}

export function codeMeta(code: string, defaultSeverity: Severity, description: string): RuleMeta {
  return {id: code, defaultSeverity, description, helpUri: docsUrl('doctor.md', code.toLowerCase())}
}
