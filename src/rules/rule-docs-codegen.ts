import {docsPage, RULE_FAMILIES, type RuleCommand} from './families.js'

/** The heading level of one rule's section on each command's page. */
const HEADING: Record<RuleCommand, string> = {'lint-labels': '### ', 'lint-config': '## ', doctor: '### '}

/**
 * Which page documents which command's rules, read off the rules' meta as `mcp rules` reads it (the
 * page meta.docs links to, the ids), and the heading level of one rule's section there.
 */
export const RULE_DOC_PAGES = RULE_FAMILIES.map(({command, metas}) => ({
  command,
  page: docsPage(metas),
  heading: HEADING[command],
  ids: metas.map((m) => m.id),
}))

// A rule id (kebab-case) or a doctor code (UPPER_SNAKE); other headings ("Output") are not rules.
const RULE_ID = /^(?:[a-z][a-z0-9-]*|[A-Z][A-Z0-9_]*)$/

/**
 * Each rule's section of the docs (the heading is the rule id, the text runs to the next heading of the
 * same level or above), so `mcp rules ID` prints the explanation and the good and bad examples the
 * docs give, without the docs: the npm package does not ship them.
 */
export function ruleSections(markdown: string, heading: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = markdown.split('\n')
  const level = heading.trim().length
  let id: string | undefined
  let body: string[] = []
  let fenced = false
  const flush = () => {
    if (id) out[id] = body.join('\n').trim()
  }

  for (const line of lines) {
    if (line.startsWith('```')) fenced = !fenced
    const h = fenced ? undefined : /^(#+) (.*)$/.exec(line)
    if (h && h[1]!.length <= level) {
      flush()
      id = h[1]!.length === level && RULE_ID.test(h[2]!.trim()) ? h[2]!.trim() : undefined
      body = []
      continue
    }

    if (id) body.push(line)
  }

  flush()
  return out
}

/** The generated module: every command's rule sections (the rules' own when `ids` are given), keyed by rule id. */
export function generateRuleDocsSource(
  pages: {command: string; markdown: string; heading: string; ids?: string[]}[],
): string {
  const docs: Record<string, Record<string, string>> = {}
  for (const {command, markdown, heading, ids} of pages) {
    const sections = Object.entries(ruleSections(markdown, heading))
    docs[command] = Object.fromEntries(ids ? sections.filter(([id]) => ids.includes(id)) : sections)
  }

  return [
    '// Generated from docs/rules.md, docs/config-rules.md and docs/doctor.md: do not edit.',
    '// Regenerate after editing a rule section: node --import tsx scripts/generate-rule-docs.ts',
    `export const RULE_DOCS: Record<string, Record<string, string>> = ${JSON.stringify(docs, null, 2)}`,
    '',
  ].join('\n')
}
