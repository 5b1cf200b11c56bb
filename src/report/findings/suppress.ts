import {docsUrl} from '../../core/docs-url.js'
import {didYouMean} from '../../core/suggest.js'
import {Finding, INPUT_ERROR_RULE, RuleMeta} from './finding.js'

/**
 * Inline suppressions, as hadolint's `# hadolint ignore=DL3006` and yamllint's `disable-line`:
 * `# mcp-ignore: rule-id[, rule-id…] reason` at the end of the line a finding is reported at, or on a
 * line of its own above it (in a Dockerfile, only there, and it covers the instruction's continuation
 * lines). A directive that suppresses nothing is itself reported, as ESLint's unused disable
 * directives are, so stale ones do not pile up.
 */
export const UNUSED_SUPPRESSION_RULE = 'unused-suppression'

export function unusedSuppressionMeta(page: 'rules.md' | 'config-rules.md'): RuleMeta {
  return {
    id: UNUSED_SUPPRESSION_RULE,
    severity: 'warning',
    description: 'An mcp-ignore comment that suppresses nothing, or names a rule that does not exist',
    docs: docsUrl(page, UNUSED_SUPPRESSION_RULE),
  }
}

export type CommentStyle = 'yaml' | 'dockerfile'

interface Directive {
  ruleIds: string[]
  line: number
  column: number
  /** The lines whose findings it suppresses. */
  covers: Set<number>
}

const DIRECTIVE = /#\s*mcp-ignore:\s*([A-Za-z][\w-]*(?:\s*,\s*[A-Za-z][\w-]*)*)/

/** The directives of one file. YAML: a `#` at the line start or after a space; Dockerfile: comment lines only. */
export function parseSuppressions(text: string, style: CommentStyle): Directive[] {
  if (!text.includes('mcp-ignore')) return []
  const lines = text.split('\n')
  const out: Directive[] = []
  lines.forEach((raw, i) => {
    if (!raw.includes('mcp-ignore')) return
    const line = raw.replace(/\r$/, '')
    const m = DIRECTIVE.exec(line)
    if (!m) return
    const before = line.slice(0, m.index)
    const standalone = before.trim() === ''
    if (style === 'dockerfile' ? !standalone : !standalone && !/\s$/.test(before)) return
    const covers = new Set<number>()
    if (standalone) {
      // The next line that is not blank and not a comment, with its continuation lines in a Dockerfile.
      let next = i + 1
      while (next < lines.length && /^\s*(#.*)?\r?$/.test(lines[next]!)) next++
      while (next < lines.length) {
        covers.add(next + 1)
        if (style !== 'dockerfile' || !/\\\s*\r?$/.test(lines[next]!)) break
        next++
      }
    } else {
      covers.add(i + 1)
    }

    out.push({ruleIds: m[1]!.split(',').map((id) => id.trim()), line: i + 1, column: m.index + 1, covers})
  })
  return out
}

/**
 * Drop the findings in `file` that a directive covers, and report each directive rule id that
 * suppressed nothing (or is not a rule). Input errors are never suppressed.
 */
export function applySuppressions(
  findings: Finding[],
  file: string,
  text: string,
  style: CommentStyle,
  knownRuleIds: Iterable<string>,
): Finding[] {
  const directives = parseSuppressions(text, style)
  if (directives.length === 0) return findings
  const used = new Set<string>()
  const kept = findings.filter((f) => {
    const at = f.location
    if (at?.kind !== 'file' || at.file !== file || f.ruleId === INPUT_ERROR_RULE) return true
    const d = directives.find((x) => x.covers.has(at.line) && x.ruleIds.includes(f.ruleId))
    if (!d) return true
    used.add(`${d.line} ${f.ruleId}`)
    return false
  })
  const known = new Set(knownRuleIds)
  for (const d of directives) {
    for (const id of d.ruleIds) {
      if (used.has(`${d.line} ${id}`)) continue
      const guess = known.has(id) ? undefined : didYouMean(id, known)
      kept.push({
        ruleId: UNUSED_SUPPRESSION_RULE,
        severity: 'warning',
        message: known.has(id)
          ? `mcp-ignore: ${id} suppresses nothing here`
          : `mcp-ignore names an unknown rule "${id}"`,
        location: {kind: 'file', file, line: d.line, column: d.column},
        hint: known.has(id)
          ? 'remove it, or put it at the end of the line the finding is reported at, or on a line of its own just above'
          : guess
            ? `did you mean ${guess}?`
            : 'mcp rules lists the rule ids',
        evidence: {rule: id},
      })
    }
  }

  return kept
}
