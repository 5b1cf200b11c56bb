import type {Finding} from '../../report/findings/finding.js'
import type {LabelEntry} from '../types.js'

import {didYouMean} from '../../core/suggest.js'
import {hasPrefix} from '../../model/labels.js'
import {defineRule, RuleContext} from './rule.js'

const known = (ctx: RuleContext) => Object.values(ctx.keys)

/**
 * A key with its value glued on (`mcp.service.nameuser-api`, `mcp.service.port:8080`): a known key
 * followed by more text that is not a sub-key. Returns the key meant and the value it swallowed.
 */
export function gluedKey(key: string, ctx: RuleContext): {key: string; value: string} | undefined {
  if (!hasPrefix(key, ctx.prefix) || known(ctx).includes(key)) return undefined
  const base = known(ctx)
    .filter((k) => key.startsWith(k) && key.length > k.length && key[k.length] !== '.')
    .sort((a, b) => b.length - a.length)[0]
  if (!base) return undefined
  const rest = key.slice(base.length)
  // `mcp.service.names` is a typo, not a glued value; a separator or an obvious value start says glued.
  const value = rest.replace(/^[\s=:]+/, '')
  if (value === '') return undefined
  return {key: base, value}
}

export const keyValueGlued = defineRule({
  meta: {
    id: 'key-value-glued',
    severity: 'error',
    description: 'A label key with its value glued on, such as mcp.service.nameuser-api',
  },
  check(set, ctx) {
    const out: Finding[] = []
    for (const l of set.labels) {
      const glued = gluedKey(l.key, ctx)
      // Only when nothing else was written as the value: `mcp.service.names: api` is a typo (unknown-key).
      if (!glued || (l.value !== '' && !l.noEquals)) continue
      const sep = l.form === 'map' ? ': ' : '='
      out.push(
        ctx.report({
          set,
          at: l.keyLocation,
          message: `${JSON.stringify(l.key)} looks like ${glued.key} with its value glued on`,
          hint: `write ${glued.key}${sep}${glued.value}`,
          evidence: {key: l.key, suggestion: `${glued.key}${sep}${glued.value}`},
        }),
      )
    }

    return out
  },
})

export const unknownKey = defineRule({
  meta: {
    id: 'unknown-key',
    severity: 'warning',
    description: 'A label under the gateway prefix that the gateway does not read (typos included)',
  },
  check(set, ctx) {
    const out: Finding[] = []
    for (const l of set.labels) {
      if (!hasPrefix(l.key, ctx.prefix) || known(ctx).includes(l.key)) continue
      if (gluedKey(l.key, ctx) && (l.value === '' || l.noEquals)) continue
      // Identity normalisation: label keys are case-sensitive, so mcp.Service.Name is a near miss too.
      const suggestion = didYouMean(l.key, known(ctx), (s) => s)
      out.push(
        ctx.report({
          set,
          at: l.keyLocation,
          message: `unknown label ${l.key}${suggestion ? `; did you mean ${suggestion}?` : ''}`,
          hint: suggestion
            ? `rename it to ${suggestion}`
            : `the gateway reads ${ctx.prefix}.service.{name,port,version,weight,network} and ${ctx.prefix}.health.{path,interval,timeout}`,
          evidence: {key: l.key, ...(suggestion ? {suggestion} : {})},
        }),
      )
    }

    return out
  },
})

const RESERVED = ['com.docker.', 'io.docker.', 'org.dockerproject.']

/** What is wrong with a key under Docker's label-key guidance (the checks hadolint's DL3048 makes). */
export function keySyntaxProblems(key: string): string[] {
  const problems: string[] = []
  if (/[A-Z]/.test(key)) problems.push('has uppercase letters')
  if (/[^A-Za-z0-9.-]/.test(key)) problems.push('has characters other than a-z, 0-9, "." and "-"')
  if (/^[^a-z0-9]|[^a-z0-9]$/i.test(key)) problems.push('does not start and end with a letter or digit')
  if (/\.\.|--/.test(key)) problems.push('has ".." or "--"')
  const reserved = RESERVED.find((r) => key.startsWith(r))
  if (reserved) problems.push(`uses the ${reserved}* namespace Docker reserves`)
  return problems
}

export const keySyntax = defineRule({
  meta: {
    id: 'key-syntax',
    severity: 'warning',
    description: "A label key that breaks Docker's label-key guidance (lowercase, no ../--, reserved namespaces)",
  },
  check(set, ctx) {
    const out: Finding[] = []
    const seen = new Set<string>()
    for (const l of set.labels) {
      // On a live container, labels from base images and Docker's own tooling are not the user's to fix.
      if (set.kind === 'container' && !hasPrefix(l.key, ctx.prefix)) continue
      const problems = keySyntaxProblems(l.key)
      const where = locKey(l)
      if (problems.length === 0 || seen.has(where)) continue
      seen.add(where)
      out.push(
        ctx.report({
          set,
          at: l.keyLocation,
          message: `label key ${JSON.stringify(l.key)} ${problems.join(', ')}`,
          hint: 'use lowercase reverse-DNS keys such as com.example.team, with single dots and dashes',
          evidence: {key: l.key, problems},
        }),
      )
    }

    return out
  },
})

function locKey(l: LabelEntry): string {
  const loc = l.keyLocation
  return `${l.key}@${loc && loc.kind === 'file' ? `${loc.file}:${loc.line}:${loc.column}` : ''}`
}
