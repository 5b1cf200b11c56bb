import type {Finding} from '../../report/findings/finding.js'

import {didYouMean} from '../../core/suggest.js'
import {canonicalDuration} from '../duration-spelling.js'
import {humanPath, looseKey, toCamelCase} from '../paths.js'
import {defineConfigRule} from '../rule.js'
import {JsonSchema, SchemaError, schemaKeys} from '../schema.js'
import {ConfigContext, isObject, RuleHit, segments} from '../types.js'

const DURATION_SCHEMA = '#/$defs/duration/'

/** ajv's errors minus the noise: anyOf branch details, and values whose ${VAR} is unset. */
function relevantErrors(ctx: ConfigContext): SchemaError[] {
  // Stryker disable next-line MethodExpression,ConditionalExpression,EqualityOperator,StringLiteral: equivalent, the schema has no oneOf
  const anyOfs = ctx.schemaErrors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
  const unresolved = [...ctx.unresolved.keys()]
  return ctx.schemaErrors.filter((e) => {
    // Stryker disable next-line LogicalOperator,StringLiteral: equivalent, a branch error shares its anyOf's instance path
    if (anyOfs.some((a) => a !== e && a.instancePath === e.instancePath && e.schemaPath.startsWith(a.schemaPath + '/')))
      return false
    return !unresolved.some((p) => e.instancePath === p || e.instancePath.startsWith(p + '/'))
  })
}

const isDurationError = (e: SchemaError) => e.schemaPath.includes(DURATION_SCHEMA)

// "string, number, or boolean": ajv gives the allowed types as one comma-joined string.
const TYPE_LIST = new Intl.ListFormat('en', {type: 'disjunction'})

/** The value's schema type in words. */
function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`
}

/** The allowed value meant by a near miss: same letters in another spelling (round-robin), else a typo. */
function closestValue(value: string, allowed: string[]): string | undefined {
  return allowed.find((a) => looseKey(a) === looseKey(value)) ?? didYouMean(value, allowed, looseKey)
}

// Keys whose values are secrets (registry.consul.token): a finding names the key, never the value.
const SECRET_KEY = /token|password|secret/i

/** Lowercase letters, digits and inner dashes: what a value written otherwise most likely meant. */
function toDnsLabel(value: string): string {
  return value
    .toLowerCase()
    .replaceAll(/[^a-z0-9]+/g, '-')
    .replaceAll(/^-+|-+$/g, '')
    .slice(0, 63)
}

/** The schema's patterns in words (what is wrong, and the value that would do), keyed by the pattern. */
const PATTERN_WORDS: Record<string, (value: string) => {message: string; hint: string} | undefined> = {
  '^/'(value) {
    const url = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(value)
    return {message: "does not start with '/'", hint: url ? `write only the path: ${url[1] ?? '/'}` : `write /${value}`}
  },
  '^/(.*/)?$': (value) => ({
    message: "must start and end with '/'",
    hint: `write /${value.replaceAll(/^\/+|\/+$/g, '')}/`.replace('//', '/'),
  }),
  '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$'(value) {
    const fixed = toDnsLabel(value)
    return {
      message: 'is not a DNS label',
      hint: `use lowercase letters, digits and dashes${fixed ? `, e.g. ${fixed}` : ''}`,
    }
  },
  '^[a-z0-9]+([._-][a-z0-9]+)*$'(value) {
    const fixed = value
      .toLowerCase()
      .replaceAll(/[^a-z0-9._-]+/g, '-')
      .replaceAll(/([._-])[._-]+/g, '$1')
      .replace(/^[._-]/, '')
      .replace(/[._-]$/, '')
    return {
      message: 'is not a label prefix (lowercase letters and digits, joined by single . _ or -)',
      hint: fixed ? `e.g. ${fixed}` : 'e.g. mcp',
    }
  },
}

function schemaMessage(e: SchemaError): {message: string; hint?: string; fix?: RuleHit['fix']} {
  const path = segments(e.instancePath)
  const label = humanPath(path)
  if (
    path.some((seg) => typeof seg === 'string' && SECRET_KEY.test(seg)) &&
    e.data !== null &&
    typeof e.data !== 'object'
  ) {
    return {
      message: `${label} has a value the schema does not allow (${e.message ?? 'invalid'}; value not shown)`,
      hint: 'write ${VARIABLE} and keep the secret in the environment',
    }
  }

  const p = e.params
  switch (e.keyword) {
    case 'type': {
      return {message: `${label} must be ${TYPE_LIST.format(String(p.type).split(','))}, not ${typeOf(e.data)}`}
    }

    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? []
      const guess = typeof e.data === 'string' ? closestValue(e.data, allowed.map(String)) : undefined
      // The same letters in another spelling (round-robin for round_robin) is what was meant: --fix writes it.
      // A typo's nearest value may not be, and is only suggested.
      const sure = guess !== undefined && looseKey(guess) === looseKey(e.data as string)
      return {
        message: `${label} is ${JSON.stringify(e.data)}; expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        hint: guess
          ? `did you mean ${JSON.stringify(guess)}?${sure ? ' (mcp lint-config --fix writes it)' : ''}`
          : undefined,
        fix: sure ? {target: 'value', text: guess, description: `${JSON.stringify(e.data)} → ${guess}`} : undefined,
      }
    }

    case 'required': {
      // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent today, the schema requires no key at the top level
      return {
        message: `${label === '(top level)' ? 'the config' : label} is missing required key "${p.missingProperty}"`,
      }
    }

    case 'anyOf':
    case 'oneOf': {
      // Stryker disable next-line MethodExpression,OptionalChaining,StringLiteral: equivalent, each anyOf branch requires one key
      const branches = ((e.parentSchema?.[e.keyword] as JsonSchema[] | undefined) ?? [])
        .map((b) => b.required?.join(' and '))
        .filter(Boolean)
      return branches.length > 0
        ? {message: `${label} needs ${branches.map((b) => `"${b}"`).join(' or ')}`}
        : {message: `${label} ${e.message ?? 'is invalid'}`}
    }

    case 'dependentRequired': {
      return {
        message: `${label} sets "${p.property}" but not "${p.missingProperty}"`,
        hint: `${p.property} and ${p.missingProperty} go together`,
      }
    }

    case 'pattern': {
      // In words, with the fix, as the label rules say it; a pattern without words keeps the regex.
      const words = typeof e.data === 'string' ? PATTERN_WORDS[String(p.pattern)]?.(e.data) : undefined
      if (words) return {message: `${label} ${JSON.stringify(e.data)} ${words.message}`, hint: words.hint}
      return {
        message: `${label} ${JSON.stringify(e.data)} does not match ${p.pattern}`,
        hint: e.parentSchema?.description,
      }
    }

    case 'uniqueItems': {
      return {message: `${label} lists the same item twice (items ${p.j} and ${p.i})`}
    }

    default: {
      return {
        message: `${label} ${e.message ?? 'is invalid'}${typeof e.data === 'object' ? '' : `, not ${JSON.stringify(e.data)}`}`,
      }
    }
  }
}

export const schemaRule = defineConfigRule({
  meta: {
    id: 'schema',
    severity: 'error',
    description: 'A value the gateway schema does not allow (type, allowed values, range, required keys).',
    fixable: true,
  },
  check: (_config, ctx) =>
    relevantErrors(ctx)
      .filter((e) => e.keyword !== 'additionalProperties' && !isDurationError(e))
      .map((e) =>
        ctx.report({
          path: segments(e.instancePath),
          target: 'value',
          ...schemaMessage(e),
          evidence: {keyword: e.keyword, schemaPath: e.schemaPath},
        }),
      ),
})

export const invalidDurationRule = defineConfigRule({
  meta: {
    id: 'invalid-duration',
    severity: 'error',
    description: 'A duration the gateway cannot parse; durations are strings with a unit: 500ms, 5s, 1m, 1h30m.',
    fixable: true,
  },
  check(_config, ctx) {
    const hits: Finding[] = []
    const seen = new Set<string>()
    for (const e of relevantErrors(ctx).filter(isDurationError)) {
      if (seen.has(e.instancePath)) continue
      seen.add(e.instancePath)
      const path = segments(e.instancePath)
      const label = humanPath(path)
      if (typeof e.data === 'number') {
        hits.push(
          ctx.report({
            path,
            message: `${label} is the number ${e.data}; a duration needs a unit`,
            hint: `write "${e.data}s" or "${e.data}ms", whichever is meant`,
          }),
        )
        continue
      }

      if (typeof e.data !== 'string') {
        hits.push(ctx.report({path, message: `${label} must be a duration string like "5s", not ${typeOf(e.data)}`}))
        continue
      }

      const canonical = canonicalDuration(e.data)
      hits.push(
        ctx.report({
          path,
          message: `${label} ${JSON.stringify(e.data)} is not a duration`,
          hint: canonical
            ? `write "${canonical}" (mcp lint-config --fix does it)`
            : /^\d+(\.\d+)?$/.test(e.data.trim())
              ? `add a unit: "${e.data.trim()}s" or "${e.data.trim()}ms"`
              : 'use a number with a unit: 500ms, 5s, 1m, 1h30m',
          // Only a literal scalar is rewritten; a value built from ${VAR} is fixed where the variable is set.
          fix:
            canonical && !ctx.unresolved.has(e.instancePath)
              ? {target: 'value', text: canonical, description: `${JSON.stringify(e.data)} → ${canonical}`}
              : undefined,
        }),
      )
    }

    return hits
  },
})

// Spellings from older posts whose canonical home is not the only key of that name in the schema.
const LEGACY_HOMES: Record<string, string> = {healthcheckinterval: 'healthCheck.interval'}

let keyIndex: Map<string, string[]> | undefined

/** Where else in the schema a key of this spelling lives: looseKey → dotted paths. */
function keysElsewhere(key: string): string[] {
  // Stryker disable next-line ConditionalExpression: equivalent, a cache: rebuilding it gives the same index
  if (!keyIndex) {
    keyIndex = new Map()
    for (const k of schemaKeys()) {
      const list = keyIndex.get(looseKey(k.name)) ?? []
      list.push(k.path)
      keyIndex.set(looseKey(k.name), list)
    }
  }

  return keyIndex.get(looseKey(key)) ?? []
}

/** The known key a misspelt one means, and whether renaming it is mechanical (a spelling, not a guess). */
export function suggestKey(key: string, known: string[]): {key: string; mechanical: boolean} | undefined {
  const camel = toCamelCase(key)
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, the loose match below finds the same key
  if (camel !== key && known.includes(camel)) return {key: camel, mechanical: true}
  const loose = known.find((k) => looseKey(k) === looseKey(key))
  if (loose) return {key: loose, mechanical: true}
  const guess = didYouMean(key, known, looseKey)
  return guess ? {key: guess, mechanical: false} : undefined
}

export const unknownKeyRule = defineConfigRule({
  meta: {
    id: 'unknown-key',
    severity: 'error',
    description:
      'A key the gateway does not read (often a snake_case or misspelt spelling of one it does); the setting silently has no effect.',
    fixable: true,
  },
  check(_config, ctx) {
    const hits: Finding[] = []
    for (const e of relevantErrors(ctx).filter((x) => x.keyword === 'additionalProperties')) {
      const key = String(e.params.additionalProperty)
      const parent = segments(e.instancePath)
      const path = [...parent, key]
      // Stryker disable next-line OptionalChaining: equivalent, ajv (verbose) always gives the parent schema
      const known = Object.keys(e.parentSchema?.properties ?? {})
      const where = parent.length > 0 ? ` in ${humanPath(parent)}` : ''
      const suggestion = suggestKey(key, known)
      let hint: string | undefined
      let fix: RuleHit['fix']
      if (suggestion) {
        hint = `did you mean "${suggestion.key}"?`
        const taken = isObject(e.data) && suggestion.key in e.data
        if (suggestion.mechanical && !taken)
          fix = {target: 'key', text: suggestion.key, description: `${key} → ${suggestion.key}`}
        else if (taken) hint += ` ("${suggestion.key}" is also set; keep one)`
      } else {
        const legacy = LEGACY_HOMES[looseKey(key)]
        // Stryker disable next-line MethodExpression: equivalent, a legacy home has another key name than the key's other homes
        const elsewhere = legacy ? [legacy, ...keysElsewhere(key).filter((p) => p !== legacy)] : keysElsewhere(key)
        if (elsewhere.length > 0) hint = `it belongs at ${elsewhere.slice(0, 3).join(' or ')}`
        else if (known.length > 0) hint = `known keys here: ${known.join(', ')}`
      }

      hits.push(
        ctx.report({path, target: 'key', message: `unknown key "${key}"${where}`, hint, evidence: {key, known}, fix}),
      )
    }

    return hits
  },
})
