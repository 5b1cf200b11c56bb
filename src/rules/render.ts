import {Chalk} from 'chalk'

import type {RuleEntry} from './catalog.js'

// Everything here is mcp's own text (rule metadata and its docs): nothing from outside to escape.

/** The rule table: ID, COMMAND, SEVERITY, WHAT (ESLint's rule list, hadolint's --help). */
export function renderRuleList(rules: RuleEntry[], color: boolean): string {
  const c = new Chalk({level: color ? 1 : 0})
  const idWidth = Math.max(2, ...rules.map((r) => r.id.length))
  const commandWidth = Math.max(7, ...rules.map((r) => r.command.length))
  const lines = [c.bold(`${'ID'.padEnd(idWidth)}  ${'COMMAND'.padEnd(commandWidth)}  SEVERITY  WHAT`)]
  for (const r of rules)
    lines.push(
      `${r.id.padEnd(idWidth)}  ${r.command.padEnd(commandWidth)}  ${r.defaultSeverity.padEnd(8)}  ${r.description}`,
    )
  lines.push('', c.dim(`${rules.length} rules; mcp rules ID explains one, with examples`))
  return lines.join('\n') + '\n'
}

/** One rule: heading, description, the docs' explanation as terminal text, the link. */
export function renderRule(rule: RuleEntry, color: boolean): string {
  const c = new Chalk({level: color ? 1 : 0})
  const lines = [
    `${c.bold(rule.id)}  ${c.dim(`${rule.command}, ${rule.defaultSeverity} by default`)}`,
    rule.description,
  ]
  if (rule.explanation) lines.push('', markdownToText(rule.explanation))
  if (rule.helpUri) lines.push('', c.dim(rule.helpUri))
  return lines.join('\n') + '\n'
}

/** The little Markdown the rule sections use, as plain text: links to their words, code blocks indented. */
export function markdownToText(markdown: string): string {
  const out: string[] = []
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      fenced = !fenced
      continue
    }

    if (fenced) {
      out.push(`    ${line}`)
      continue
    }

    out.push(
      line
        .replaceAll(/\[([^\]]+)\]\([^)]*\)/g, '$1')
        .replaceAll(/\*\*([^*]+)\*\*/g, '$1')
        .replaceAll(/`([^`]+)`/g, '$1'),
    )
  }

  return out
    .join('\n')
    .replaceAll(/\n{3,}/g, '\n\n')
    .trimEnd()
}
