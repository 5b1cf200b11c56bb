/** Which page documents which command's rules, and the heading level of one rule's section there. */
export const RULE_DOC_PAGES = [
  {command: 'lint-labels', page: 'rules.md', heading: '### '},
  {command: 'lint-config', page: 'config-rules.md', heading: '## '},
  {command: 'doctor', page: 'doctor.md', heading: '### '},
] as const

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

/** The generated module: every command's rule sections, keyed by rule id. */
export function generateRuleDocsSource(pages: {command: string; markdown: string; heading: string}[]): string {
  const docs: Record<string, Record<string, string>> = {}
  for (const {command, markdown, heading} of pages) docs[command] = ruleSections(markdown, heading)
  return [
    '// Generated from docs/rules.md, docs/config-rules.md and docs/doctor.md: do not edit.',
    '// Regenerate after editing a rule section: node --import tsx scripts/generate-rule-docs.ts',
    `export const RULE_DOCS: Record<string, Record<string, string>> = ${JSON.stringify(docs, null, 2)}`,
    '',
  ].join('\n')
}
