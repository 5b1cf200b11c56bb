import type {Formatter} from './types.js'

import {groupFindings} from '../finding.js'
import {xml} from './junit.js'

/**
 * Checkstyle XML, as ESLint's checkstyle formatter writes it (Jenkins' Warnings NG, reviewdog, SonarQube
 * read it): one <file> per file (a container or the registry by its group name), one <error> per finding,
 * the rule id as source.
 */
export const checkstyle: Formatter = (findings, context) => {
  const out = ['<?xml version="1.0" encoding="utf-8"?>', '<checkstyle version="4.3">']
  for (const [group, list] of groupFindings(findings)) {
    out.push(`  <file name="${xml(group)}">`)
    for (const f of list) {
      const at = f.location?.kind === 'file' ? ` line="${f.location.line}" column="${f.location.column}"` : ''
      const message = f.hint ? `${f.message} (${f.hint})` : f.message
      out.push(
        `    <error${at} severity="${f.severity}" message="${xml(message)}" source="${xml(`${context.toolName}.${context.command}.${f.ruleId}`)}"/>`,
      )
    }

    out.push('  </file>')
  }

  out.push('</checkstyle>')
  return out.join('\n') + '\n'
}
