import {Chalk} from 'chalk'

import type {Formatter} from './types.js'

import {terminalSafe} from '../../../core/terminal-text.js'
import {Finding, groupFindings} from '../finding.js'
import {summarize} from '../policy.js'

/** The row's place within its group: line:col in a file; for a container (the heading), nothing more. */
function position(f: Finding): string {
  const {location} = f
  if (location?.kind === 'file') return `${location.line}:${location.column}`
  const who = f.instance ?? f.service ?? '-'
  if (location?.kind === 'container' && (who === location.container || who.startsWith(`${location.container}@`)))
    return ''
  return who
}

/** ESLint's stylish: grouped by file (or container/registry), line:col, severity, message, rule id. */
export const stylish: Formatter = (raw, context) => {
  // Messages and hints quote labels and files: a value never starts an output line of its own.
  const findings = terminalSafe(raw)
  const c = new Chalk({level: context.color ? 1 : 0})
  if (findings.length === 0) return `${c.green('✔')} no problems\n`
  const groups = groupFindings(findings)
  const sevText = {error: c.red('error'), warning: c.yellow('warning'), info: c.blue('info')}
  const lines: string[] = []
  for (const [group, list] of groups) {
    lines.push(c.underline(group))
    const rows = list.map((f) => ({pos: position(f), f}))
    // A container's group heading already names it: no column that says it again on every row.
    const posWidth = Math.max(...rows.map((r) => r.pos.length))
    const indent = posWidth ? `  ${' '.repeat(posWidth)}  ` : '  '
    for (const {pos, f} of rows) {
      const sev = sevText[f.severity] + ' '.repeat(7 - f.severity.length)
      lines.push(`${posWidth ? `  ${c.dim(pos.padEnd(posWidth))}  ` : '  '}${sev}  ${f.message}  ${c.dim(f.ruleId)}`)
      if (f.hint) lines.push(`${indent}${c.dim(`↳ ${f.hint}`)}`)
    }

    lines.push('')
  }

  const s = summarize(findings)
  const total = findings.length
  const mark = s.errors ? c.red('✖') : s.warnings ? c.yellow('⚠') : c.blue('ℹ')
  lines.push(
    `${mark} ${total} problem${total === 1 ? '' : 's'} (${s.errors} error${s.errors === 1 ? '' : 's'}, ` +
      `${s.warnings} warning${s.warnings === 1 ? '' : 's'}, ${s.infos} info)`,
  )
  return lines.join('\n') + '\n'
}
