/**
 * The one shape every checking command produces (lint-labels, lint-config, validate, doctor) and
 * every formatter consumes. Rules and checks are small units that return Finding[].
 */
export type Severity = 'error' | 'warning' | 'info'

export const SEVERITY_RANK: Record<Severity, number> = {info: 1, warning: 2, error: 3}

/** A place in a file: 1-based line and column, as editors and SARIF count. */
export interface FileLocation {
  kind: 'file'
  file: string
  line: number
  column: number
  endLine?: number
  endColumn?: number
}

/** A live container (lint-labels --docker, doctor). */
export interface ContainerLocation {
  kind: 'container'
  container: string
  id?: string
  host?: string
}

/** A registry entry (doctor): etcd key or Consul service id. */
export interface RegistryLocation {
  kind: 'registry'
  registry: 'etcd' | 'consul'
  key: string
}

export type Location = FileLocation | ContainerLocation | RegistryLocation

export interface Finding {
  /** Stable id: a rule id (`service-name-format`) or a doctor code (`STALE_REGISTRATION`). */
  ruleId: string
  severity: Severity
  message: string
  location?: Location
  /** What to do about it. */
  hint?: string
  /** The facts behind the finding, for --json and SARIF properties. Never holds secrets. */
  evidence?: Record<string, unknown>
  /** The service and instance a finding is about, where it is about one (doctor, live labels). */
  service?: string
  instance?: string
}

/**
 * What a rule is (ESLint's `meta`), the same fields in every family (label rules, config rules, doctor
 * checks): SARIF's rule table, `mcp rules`, the rule docs generator and --rule validation read it.
 */
export interface RuleMeta {
  id: string
  /** The default severity; `.mcp.yaml` rules: and --rule change it per run. */
  severity: Severity
  description: string
  /** The rule's section in the docs, an absolute URL from docsUrl (rules.md#id, config-rules.md#id, doctor.md#code). */
  docs: string
  /** Its findings can carry a mechanical fix (lint-config --fix); a fix from a rule without it is a bug. */
  fixable?: boolean
}

/** Reserved rule id for a file or document that could not be read or parsed (exit code 3). */
export const INPUT_ERROR_RULE = 'input-error'

/** Human text for a location: `file:line:col`, `container web-1`, `etcd /services/a/b`. */
export function locationText(location: Location | undefined): string {
  if (!location) return ''
  switch (location.kind) {
    case 'file': {
      return `${location.file}:${location.line}:${location.column}`
    }

    case 'container': {
      return `container ${location.container}${location.host ? `@${location.host}` : ''}`
    }

    case 'registry': {
      return `${location.registry} ${location.key}`
    }
  }
}

/** Group key for stylish output: the file, the container, or the registry. */
export function locationGroup(location: Location | undefined): string {
  if (!location) return '(general)'
  switch (location.kind) {
    case 'file': {
      return location.file
    }

    case 'container': {
      return `container ${location.container}${location.host ? `@${location.host}` : ''}`
    }

    case 'registry': {
      return location.registry
    }
  }
}

/** Order findings by file/group, then position, then severity (highest first). */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => {
    const ga = locationGroup(a.location)
    const gb = locationGroup(b.location)
    if (ga !== gb) return ga < gb ? -1 : 1
    const la = a.location?.kind === 'file' ? a.location : undefined
    const lb = b.location?.kind === 'file' ? b.location : undefined
    if (la && lb && (la.line !== lb.line || la.column !== lb.column)) {
      return la.line - lb.line || la.column - lb.column
    }

    return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.ruleId.localeCompare(b.ruleId)
  })
}

/** Sorted findings grouped by file (or container, or registry), in order: stylish and junit's sections. */
export function groupFindings(findings: Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>()
  for (const f of sortFindings(findings)) {
    const key = locationGroup(f.location)
    let list = groups.get(key)
    if (!list) groups.set(key, (list = []))
    list.push(f)
  }

  return groups
}
