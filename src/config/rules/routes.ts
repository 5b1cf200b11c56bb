import type {Finding} from '../../report/findings/finding.js'
import type {PathSegment} from '../source.js'

import {defineConfigRule} from '../rule.js'
import {isObject} from '../types.js'

/** A route's match, normalised for comparison; undefined when the match is unusable (schema reports it). */
export interface RouteMatch {
  index: number
  name?: string
  kind: 'exact' | 'prefix'
  path: string
  /** Upper-case methods, or undefined for any method. */
  methods?: Set<string>
  /** Lower-case header name → value. */
  headers: ReadonlyMap<string, string>
  /** Canonical text of the whole match, equal for equal matches. */
  key: string
}

const NO_HEADERS: ReadonlyMap<string, string> = new Map()

// Several rules read the same routes: normalise them once per config.
const matchCache = new WeakMap<object, RouteMatch[]>()

export function routeMatches(config: unknown): RouteMatch[] {
  if (!isObject(config)) return []
  let cached = matchCache.get(config)
  // Stryker disable next-line ConditionalExpression: equivalent, a cache: normalising again gives the same matches
  if (!cached) matchCache.set(config, (cached = normaliseRoutes(config)))
  return cached
}

function normaliseRoutes(config: Record<string, unknown>): RouteMatch[] {
  // Stryker disable next-line ArrayDeclaration: equivalent, a list holding a string is skipped entry by entry like an empty one
  const routes = isObject(config) && Array.isArray(config.routes) ? config.routes : []
  const out: RouteMatch[] = []
  routes.forEach((route, index) => {
    if (!isObject(route) || !isObject(route.match)) return
    const m = route.match
    const kind = typeof m.path === 'string' ? 'exact' : typeof m.pathPrefix === 'string' ? 'prefix' : undefined
    if (!kind) return
    const path = (kind === 'exact' ? m.path : m.pathPrefix) as string
    const methods = Array.isArray(m.methods) ? new Set(m.methods.map((x) => String(x).toUpperCase())) : undefined
    const headers = isObject(m.headers)
      ? new Map(Object.entries(m.headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
      : NO_HEADERS
    // A string, not JSON: this runs for every route of 5,000-route files.
    let key = `${kind}\u0000${path}\u0000${methods ? [...methods].sort().join(',') : '*'}`
    if (headers.size > 0)
      key += `\u0000${[...headers]
        .map(([k, v]) => `${k}=${v}`)
        .sort()
        .join('\u0000')}`
    out.push({index, name: typeof route.name === 'string' ? route.name : undefined, kind, path, methods, headers, key})
  })
  return out
}

const describe = (r: RouteMatch) => `route ${r.index}${r.name ? ` (${r.name})` : ''}`
const matchPath = (r: RouteMatch): PathSegment[] => ['routes', r.index, 'match']

/** Does every request `later` matches also match `earlier`? (then `later` never gets a request) */
export function covers(earlier: RouteMatch, later: RouteMatch): boolean {
  if (
    earlier.kind === 'exact'
      ? later.kind !== 'exact' || later.path !== earlier.path
      : !later.path.startsWith(earlier.path)
  )
    return false
  if (earlier.methods && (!later.methods || [...later.methods].some((m) => !earlier.methods!.has(m)))) return false
  for (const [name, value] of earlier.headers) if (later.headers.get(name) !== value) return false
  return true
}

export const duplicateRouteRule = defineConfigRule({
  meta: {
    id: 'duplicate-route',
    severity: 'error',
    description: 'Two routes with the same match: the second never receives a request.',
  },
  check(config, ctx) {
    const first = new Map<string, RouteMatch>()
    const hits: Finding[] = []
    for (const r of routeMatches(config)) {
      const earlier = first.get(r.key)
      if (!earlier) {
        first.set(r.key, r)
        continue
      }

      hits.push(
        ctx.report({
          path: matchPath(r),
          target: 'key',
          message: `${describe(r)} has the same match as ${describe(earlier)}`,
          hint: 'remove one of them, or merge their settings',
          evidence: {route: r.index, duplicateOf: earlier.index},
        }),
      )
    }

    return hits
  },
})

export const routeShadowedRule = defineConfigRule({
  meta: {
    id: 'route-shadowed',
    severity: 'warning',
    description:
      'A route placed after a broader one (a shorter path prefix, any method, fewer headers): routes match first-wins, so it never receives a request.',
  },
  check(config, ctx) {
    // Index earlier routes by their path so each route only compares with routes that could cover it:
    // exact paths by equality, prefixes by every prefix of the later path (O(n × path length), not O(n²)).
    const exact = new Map<string, RouteMatch[]>()
    const prefixes = new Map<string, RouteMatch[]>()
    // Only prefix lengths some earlier route has are worth slicing the path at.
    const prefixLengths = new Set<number>()
    const hits: Finding[] = []
    const seenKeys = new Set<string>()
    for (const r of routeMatches(config)) {
      const duplicate = seenKeys.has(r.key)
      seenKeys.add(r.key)
      if (!duplicate) {
        let cover: RouteMatch | undefined
        const candidates = r.kind === 'exact' ? [...(exact.get(r.path) ?? [])] : []
        for (const n of prefixLengths) {
          // Stryker disable next-line ConditionalExpression: equivalent, a shortcut: no longer prefix equals the path
          if (n > r.path.length) continue
          // Stryker disable next-line ArrayDeclaration: equivalent, a string in place of the empty list covers nothing
          for (const e of prefixes.get(r.path.slice(0, n)) ?? [])
            if (covers(e, r) && (!cover || e.index < cover.index)) cover = e
        }

        const exactCover = candidates.find((e) => covers(e, r))
        if (exactCover && (!cover || exactCover.index < cover.index)) cover = exactCover
        // Same match is duplicate-route's finding, not this one.
        if (cover && cover.key !== r.key) {
          hits.push(
            ctx.report({
              path: matchPath(r),
              target: 'key',
              message: `${describe(r)} is shadowed by ${describe(cover)} (${cover.kind === 'prefix' ? `pathPrefix ${cover.path}` : `path ${cover.path}`}${cover.methods ? ` ${[...cover.methods].join(',')}` : ', any method'}), which matches first`,
              hint: `move ${describe(r)} above ${describe(cover)}, or narrow ${describe(cover)}`,
              evidence: {route: r.index, shadowedBy: cover.index},
            }),
          )
        }
      }

      const index = r.kind === 'exact' ? exact : prefixes
      if (r.kind === 'prefix') prefixLengths.add(r.path.length)
      // Stryker disable next-line ArrayDeclaration: equivalent, a string in the index covers nothing
      const list = index.get(r.path) ?? []
      list.push(r)
      index.set(r.path, list)
    }

    return hits
  },
})

export const splitWeightsRule = defineConfigRule({
  meta: {
    id: 'split-weights-sum',
    severity: 'error',
    description: "A route's splits weights do not add up to 100.",
  },
  check(config, ctx) {
    // Stryker disable next-line ArrayDeclaration: equivalent, a list holding a string is skipped entry by entry like an empty one
    const routes = isObject(config) && Array.isArray(config.routes) ? config.routes : []
    const hits: Finding[] = []
    routes.forEach((route, index) => {
      if (!isObject(route) || !Array.isArray(route.splits) || route.splits.length === 0) return
      const weights = route.splits.map((s) => (isObject(s) ? s.weight : undefined))
      if (!weights.every((w) => typeof w === 'number')) return
      const sum = (weights as number[]).reduce((a, b) => a + b, 0)
      if (sum === 100) return
      hits.push(
        ctx.report({
          path: ['routes', index, 'splits'],
          target: 'key',
          message: `route ${index}${typeof route.name === 'string' ? ` (${route.name})` : ''} splits weights add up to ${sum}, not 100 (${weights.join(' + ')})`,
          hint: 'make the weights add up to 100',
          evidence: {sum, weights},
        }),
      )
    })
    return hits
  },
})
