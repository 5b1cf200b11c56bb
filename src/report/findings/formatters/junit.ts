import type {Formatter} from './types.js'

import {groupFindings, locationText} from '../finding.js'

// XML 1.0 allows only #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF: the rest
// (other C0 controls, U+FFFE, U+FFFF, lone surrogates) is dropped, or the report is not well-formed.
/** Text for an XML attribute or element (also checkstyle's). */
export const xml = (s: string) =>
  s
    .replaceAll(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')

/**
 * JUnit XML: one <testsuite> per file (or container), one failing <testcase> per error or warning.
 * Infos are recorded as passing cases with system-out, so CI dashboards do not count them as failures.
 */
export const junit: Formatter = (findings, context) => {
  const groups = groupFindings(findings)
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  const failures = findings.filter((f) => f.severity !== 'info').length
  out.push(
    `<testsuites name="mcp ${xml(context.command)}" tests="${findings.length}" failures="${failures}" errors="0">`,
  )
  if (findings.length === 0) {
    out.push(`  <testsuite name="${xml(context.command)}" tests="1" failures="0" errors="0">`)
    out.push(`    <testcase name="no problems" classname="${xml(context.command)}"/>`)
    out.push('  </testsuite>')
  }

  for (const [group, list] of groups) {
    const fails = list.filter((f) => f.severity !== 'info').length
    out.push(`  <testsuite name="${xml(group)}" tests="${list.length}" failures="${fails}" errors="0">`)
    for (const f of list) {
      const where = locationText(f.location)
      const name = `${where ? where + ' ' : ''}${f.ruleId}`
      out.push(`    <testcase name="${xml(name)}" classname="${xml(`${context.command}.${f.ruleId}`)}">`)
      const body = `${f.severity}: ${f.message}${where ? `\nat ${where}` : ''}${f.hint ? `\nhint: ${f.hint}` : ''}`
      if (f.severity === 'info') out.push(`      <system-out>${xml(body)}</system-out>`)
      else out.push(`      <failure message="${xml(f.message)}" type="${f.severity}">${xml(body)}</failure>`)
      out.push('    </testcase>')
    }

    out.push('  </testsuite>')
  }

  out.push('</testsuites>')
  return out.join('\n') + '\n'
}
