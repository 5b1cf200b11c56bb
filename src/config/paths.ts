import type {PathSegment} from './source.js'

/** A path as people read it: `routes[3].match.pathPrefix`. */
export function humanPath(path: PathSegment[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else out += out ? `.${seg}` : seg
  }

  return out || '(top level)'
}

/** snake_case and kebab-case to camelCase: health_check → healthCheck. */
export function toCamelCase(key: string): string {
  return key.replaceAll(/(?<![_-])[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase())
}

/** Spelling-insensitive form of a key: case, underscores and dashes do not matter. */
export const looseKey = (key: string) => key.replaceAll(/[_-]/g, '').toLowerCase()
