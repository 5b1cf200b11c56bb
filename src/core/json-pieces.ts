/**
 * JSON.stringify(value), handed out in pieces: the elements of arrays and the members of plain
 * objects down to `levels` deep are stringified one by one. A large document (a 10,000-instance
 * view is 5 MB) then never exists as one string: written as one, it was flattened into a fresh
 * 5 MB copy and converted into a 15 MB UTF-8 buffer, all of it new pages to touch.
 *
 * The pieces join to exactly what JSON.stringify(value) returns, for data as commands return it:
 * plain objects and arrays, strings, numbers, booleans, null. Anything else (a toJSON, a class
 * instance, a boxed primitive) is left to JSON.stringify whole, so it is as JSON.stringify
 * renders it too, but for a toJSON(key) that looks at its key: it is given ''.
 */
export function jsonPieces(value: unknown, levels: number, emit: (text: string) => void): void {
  if (levels <= 0 || !isPlainContainer(value)) {
    emit(JSON.stringify(value) ?? 'null')
    return
  }

  if (Array.isArray(value)) {
    emit('[')
    for (let i = 0; i < value.length; i++) {
      if (i > 0) emit(',')
      const element: unknown = value[i]
      if (leftOut(element)) emit('null')
      else jsonPieces(element, levels - 1, emit)
    }

    emit(']')
    return
  }

  emit('{')
  let first = true
  for (const key of Object.keys(value)) {
    const member: unknown = (value as Record<string, unknown>)[key]
    if (leftOut(member)) continue
    emit(`${first ? '' : ','}${JSON.stringify(key)}:`)
    first = false
    jsonPieces(member, levels - 1, emit)
  }

  emit('}')
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function leftOut(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol'
}

function isPlainContainer(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || typeof (value as {toJSON?: unknown}).toJSON === 'function')
    return false
  if (Array.isArray(value)) return true
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
