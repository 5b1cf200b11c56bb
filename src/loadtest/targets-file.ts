import {readFileSync, statSync} from 'node:fs'

import {InputError} from '../core/errors.js'
import {fileErrorText, MAX_DOCUMENT_BYTES, readTextDocument} from '../core/input.js'
import {bytesText} from '../net/limits.js'
import {METHODS} from './options.js'
import {parseTargetArg} from './targets.js'

/** One request of a --targets file (vegeta's text format). */
export interface FileTarget {
  /** 1-based line of the "METHOD URL" line. */
  line: number
  method: string
  url: URL
  headers: [string, string][]
  /** From an "@path" line (read whole, bounded) or an "@<<TAG" here-document; else the run's --body. */
  body?: Buffer
}

/** Each target gets its own counters and histograms: a few thousand is plenty for a request mix. */
export const MAX_FILE_TARGETS = 1000

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const REQUEST_LINE_RE = /^([A-Za-z]+)\s+(\S.*)$/

/**
 * Parse a targets file in vegeta's text format:
 *
 * ```
 * GET http://127.0.0.1:8080/a
 * X-Account-ID: 8675309
 *
 * POST http://127.0.0.1:8080/b
 * Content-Type: application/json
 * @body.json
 * ```
 *
 * A "METHOD URL" line, then "Name: value" header lines, then optionally "@path" (the body, read from a
 * file relative to the current directory, as vegeta does) or "@<<TAG" … "TAG" (an inline body); a blank
 * line or the next request line ends a target. Lines starting with # are comments. Errors name
 * file:line and never echo a header value or a body (they may be secrets).
 */
export function parseTargetsFile(
  path: string,
  readBody: (path: string, where: string, budget: number) => Buffer = readBodyFile,
): FileTarget[] {
  const doc = readTextDocument(path)
  const lines = doc.text.split(/\r?\n/)
  const targets: FileTarget[] = []
  let current: FileTarget | undefined
  let bodyBudget = MAX_DOCUMENT_BYTES
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1
    const where = `${doc.path}:${n}`
    const line = lines[i]!.trim()
    if (line === '') {
      current = undefined
      continue
    }

    if (line.startsWith('#')) continue
    // As in vegeta, a request line also ends the target before it (no blank line needed).
    if (current === undefined || (REQUEST_LINE_RE.test(line) && isMethod(line.split(/\s/)[0]!))) {
      current = requestLine(line, where, n)
      if (targets.length >= MAX_FILE_TARGETS) {
        throw new InputError(`more than ${MAX_FILE_TARGETS} targets`, {
          where,
          hint: 'a request mix needs a few; split the file into several runs',
        })
      }

      targets.push(current)
      continue
    }

    if (current.body !== undefined)
      throw new InputError('a line after the body of a target', {where, hint: 'leave a blank line between targets'})
    if (line.startsWith('@<<')) {
      const tag = line.slice(3)
      if (tag === '') throw new InputError('"@<<" needs a closing tag, e.g. @<<EOF', {where})
      const start = i + 1
      let end = start
      while (end < lines.length && lines[end] !== tag) end++
      if (end === lines.length) throw new InputError(`the body has no closing "${tag}" line`, {where})
      current.body = Buffer.from(
        lines
          .slice(start, end)
          .map((l) => l + '\n')
          .join(''),
        'utf8',
      )
      i = end
      continue
    }

    if (line.startsWith('@')) {
      const bodyPath = line.slice(1).trim()
      if (bodyPath === '') throw new InputError('"@" needs a file name: @path/to/body', {where})
      current.body = readBody(bodyPath, where, bodyBudget)
      bodyBudget -= current.body.length
      continue
    }

    current.headers.push(headerLine(line, where))
  }

  if (targets.length === 0)
    throw new InputError('has no targets', {
      where: doc.path,
      hint: 'one "METHOD URL" line per target, e.g. GET http://127.0.0.1:8080/',
    })
  return targets
}

function isMethod(word: string): boolean {
  return METHODS.includes(word)
}

function requestLine(line: string, where: string, n: number): FileTarget {
  const m = REQUEST_LINE_RE.exec(line)
  if (!m) throw new InputError('expected "METHOD URL", e.g. GET http://127.0.0.1:8080/', {where})
  const method = m[1]!
  if (!isMethod(method)) {
    throw new InputError(`${JSON.stringify(method.slice(0, 20))} is not an HTTP method`, {
      where,
      hint: 'e.g. GET, POST, PUT, DELETE, HEAD (upper case, as vegeta)',
    })
  }

  let url: URL
  try {
    const ref = parseTargetArg(m[2]!)
    if (ref.kind !== 'url') throw new InputError('the URL is not an http:// or https:// URL', {where})
    url = ref.url
  } catch (error) {
    if (error instanceof InputError) throw error
    throw new InputError((error as Error).message, {where, hint: (error as {hint?: string}).hint})
  }

  return {line: n, method, url, headers: []}
}

function headerLine(line: string, where: string): [string, string] {
  const colon = line.indexOf(':')
  const name = colon > 0 ? line.slice(0, colon).trim() : ''
  const value = colon > 0 ? line.slice(colon + 1).trim() : ''
  // The line itself is not shown: it may be "Authorization: Bearer …".
  if (!name || !TOKEN_RE.test(name) || value === '') {
    throw new InputError('expected a header "Name: value", "@body-file", or a blank line before the next target', {
      where,
    })
  }

  return [name, value]
}

/** A body file, read whole but bounded: what is left of the bodies' budget. */
function readBodyFile(path: string, where: string, budget: number): Buffer {
  try {
    const st = statSync(path)
    if (st.isDirectory()) throw new InputError(`body file ${JSON.stringify(path)} is a directory`, {where})
    // A FIFO or a device reports no size that bounds what it sends (/dev/zero never ends).
    if (!st.isFile()) throw new InputError(`body file ${JSON.stringify(path)} is not a regular file`, {where})
    if (st.size > budget) {
      throw new InputError(
        `body file ${JSON.stringify(path)} is ${bytesText(st.size)}; the bodies of a targets file may total ${bytesText(MAX_DOCUMENT_BYTES)}`,
        {where},
      )
    }

    return readFileSync(path)
  } catch (error) {
    if (error instanceof InputError) throw error
    throw new InputError(`body file ${JSON.stringify(path)}: ${fileErrorText(error)}`, {
      where,
      hint: 'an @path is relative to the current directory, as in vegeta',
    })
  }
}
