import type {PathSegment} from './source.js'

import {hasVariables, interpolate} from '../core/interpolate.js'
import {pointer} from './types.js'

export interface InterpolatedConfig {
  value: unknown
  /** JSON pointer → variables still unset there (no value, no default). */
  unresolved: Map<string, string[]>
  /** JSON pointers of the values written with a ${VAR}: --fix never replaces them with what they resolved to. */
  interpolated: Set<string>
}

// A value that is nothing but one ${VAR} takes the type its text has, as a YAML plain scalar would:
// `retries: ${RETRIES:-3}` is the number 3, not the string "3".
function typed(text: string): unknown {
  if (/^-?\d+$/.test(text)) return Number(text)
  if (/^-?\d+\.\d+$/.test(text)) return Number(text)
  if (text === 'true' || text === 'false') return text === 'true'
  return text
}

const WHOLE_VAR = /^\$\{[^{}]+\}$|^\$[A-Za-z_][A-Za-z0-9_]*$/

/** Substitute ${VAR} / ${VAR:-default} in every string value (not keys), the way docker compose does. */
export function interpolateConfig(value: unknown, vars: Record<string, string | undefined>): InterpolatedConfig {
  const unresolved = new Map<string, string[]>()
  const interpolated = new Set<string>()
  // One path stack for the whole walk: a 5,000-route file has ~100,000 values, most without a '$'.
  const path: PathSegment[] = []
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('$') || !hasVariables(v)) return v
      const r = interpolate(v, vars)
      interpolated.add(pointer(path))
      if (r.unresolved.length > 0) unresolved.set(pointer(path), r.unresolved)
      return WHOLE_VAR.test(v.trim()) ? typed(r.value) : r.value
    }

    if (Array.isArray(v)) {
      let out: unknown[] | undefined
      for (let i = 0; i < v.length; i++) {
        path.push(i)
        const next = walk(v[i])
        path.pop()
        if (next !== v[i]) (out ??= [...v])[i] = next
      }

      return out ?? v
    }

    if (v && typeof v === 'object') {
      let out: Record<string, unknown> | undefined
      for (const k of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[k]
        path.push(k)
        const next = walk(item)
        path.pop()
        if (next !== item) (out ??= {...(v as Record<string, unknown>)})[k] = next
      }

      return out ?? v
    }

    return v
  }

  return {value: walk(value), unresolved, interpolated}
}
