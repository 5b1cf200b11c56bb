import type {Finding, RuleMeta} from '../finding.js'

export interface FormatContext {
  /** Tool name and version for SARIF's driver and JUnit's suite names. */
  toolName: string
  toolVersion: string
  /** The command that produced the findings (lint-labels, doctor, ...). */
  command: string
  /** Every rule the command knows, for SARIF's rule table and docs links. */
  rules: RuleMeta[]
  color: boolean
}

export type Formatter = (findings: Finding[], context: FormatContext) => string
