import type {Formatter} from './types.js'

import {sortFindings} from '../finding.js'

const LEVEL = {error: 'error', warning: 'warning', info: 'note'} as const

/** A file path as a SARIF artifact URI: relative paths stay relative (to %SRCROOT%), with '/' separators. */
function artifactUri(file: string): {uri: string; uriBaseId?: string} {
  const posix = file.replaceAll('\\', '/')
  if (posix.startsWith('/')) return {uri: encodeURI(`file://${posix}`)}
  return {uri: encodeURI(posix.replace(/^\.\//, '')), uriBaseId: '%SRCROOT%'}
}

/** SARIF 2.1.0, one run, the command's full rule table, one result per finding. */
export const sarif: Formatter = (findings, context) => {
  const ruleIndex = new Map(context.rules.map((r, i) => [r.id, i]))
  const rules = context.rules.map((r) => ({
    id: r.id,
    shortDescription: {text: r.description},
    defaultConfiguration: {level: LEVEL[r.severity]},
    ...(r.docs ? {helpUri: r.docs} : {}),
  }))
  // Findings whose rule is not in the table (e.g. input-error) get an entry so ruleIndex is valid.
  for (const f of findings) {
    if (!ruleIndex.has(f.ruleId)) {
      ruleIndex.set(f.ruleId, rules.length)
      rules.push({id: f.ruleId, shortDescription: {text: f.ruleId}, defaultConfiguration: {level: LEVEL[f.severity]}})
    }
  }

  const results = sortFindings(findings).map((f) => {
    const result: Record<string, unknown> = {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId),
      level: LEVEL[f.severity],
      message: {text: f.hint ? `${f.message} (${f.hint})` : f.message},
    }
    const loc = f.location
    if (loc?.kind === 'file') {
      result.locations = [
        {
          physicalLocation: {
            artifactLocation: artifactUri(loc.file),
            region: {
              startLine: loc.line,
              startColumn: loc.column,
              ...(loc.endLine ? {endLine: loc.endLine} : {}),
              ...(loc.endColumn ? {endColumn: loc.endColumn} : {}),
            },
          },
        },
      ]
    } else if (loc) {
      const name = loc.kind === 'container' ? loc.container : loc.key
      result.locations = [{logicalLocations: [{name, kind: loc.kind === 'container' ? 'object' : 'resource'}]}]
    }

    const properties: Record<string, unknown> = {}
    if (f.service) properties.service = f.service
    if (f.instance) properties.instance = f.instance
    if (f.evidence) properties.evidence = f.evidence
    if (Object.keys(properties).length > 0) result.properties = properties
    return result
  })
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: context.toolName,
            version: context.toolVersion,
            rules,
          },
        },
        originalUriBaseIds: {'%SRCROOT%': {uri: pathToDirUri(process.cwd())}},
        results,
      },
    ],
  }
  return JSON.stringify(log, null, 2) + '\n'
}

function pathToDirUri(dir: string): string {
  const posix = dir.replaceAll('\\', '/')
  return encodeURI(`file://${posix.endsWith('/') ? posix : posix + '/'}`)
}
