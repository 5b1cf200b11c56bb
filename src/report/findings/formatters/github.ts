import type {Formatter} from './types.js'

import {terminalTextKeepingLineBreaks} from '../../../core/terminal-text.js'
import {sortFindings} from '../finding.js'

// GitHub Actions workflow commands: data and property values need their own escaping (as @actions/core
// does), so a value holding "\n::error" stays inside its annotation; other controls are shown, not obeyed.
const escapeData = (s: string) =>
  terminalTextKeepingLineBreaks(s).replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
const escapeProp = (s: string) => escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C')

const COMMAND = {error: 'error', warning: 'warning', info: 'notice'} as const

/** `::error file=…,line=…,col=…,title=rule::message` annotations for GitHub Actions. */
export const github: Formatter = (findings) =>
  sortFindings(findings)
    .map((f) => {
      const props: string[] = []
      if (f.location?.kind === 'file') {
        props.push(`file=${escapeProp(f.location.file)}`, `line=${f.location.line}`, `col=${f.location.column}`)
        if (f.location.endLine) props.push(`endLine=${f.location.endLine}`)
        if (f.location.endColumn) props.push(`endColumn=${f.location.endColumn}`)
      }

      props.push(`title=${escapeProp(f.ruleId)}`)
      const where =
        f.location && f.location.kind !== 'file'
          ? ` (${f.location.kind === 'container' ? `container ${f.location.container}` : f.location.key})`
          : ''
      const hint = f.hint ? ` Hint: ${f.hint}` : ''
      return `::${COMMAND[f.severity]} ${props.join(',')}::${escapeData(f.message + where + hint)}`
    })
    .join('\n') + (findings.length > 0 ? '\n' : '')
