import {closeSync, openSync, readFileSync, readSync, statSync} from 'node:fs'

import {InputError} from './errors.js'

/** Files larger than this are refused by the commands that read a whole document (configs, compose). */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

export interface TextDocument {
  path: string
  text: string
  /** The file began with a UTF-8 BOM (removed from text). */
  hadBom: boolean
}

/** True when the bytes look binary the way git and ripgrep decide it: a NUL in the first 8 KiB. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192)
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true
  return false
}

/** Why a file could not be read, in a few words (the path is said apart). */
export function fileErrorText(error: unknown): string {
  const {code} = error as NodeJS.ErrnoException
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory, not a file'
  return `cannot read (${code ?? (error as Error).message})`
}

/**
 * Read a file descriptor to its end (standard input: `mcp lint-config -`), at most `maxBytes`:
 * `readFileSync(0)` would take whatever a pipe sends. Throws an InputError naming the limit.
 */
export function readBounded(fd: number, where: string, maxBytes = MAX_DOCUMENT_BYTES): Buffer {
  const chunks: Buffer[] = []
  const chunk = Buffer.allocUnsafe(64 * 1024)
  let total = 0
  for (;;) {
    let n: number
    try {
      n = readSync(fd, chunk, 0, chunk.length, null)
    } catch (error) {
      const {code} = error as NodeJS.ErrnoException
      if (code === 'EOF') break
      // A non-blocking pipe with nothing yet: wait a moment, as a blocking read would.
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
        continue
      }

      throw error
    }

    if (n === 0) break
    total += n
    if (total > maxBytes) {
      throw new InputError(`is larger than the ${maxBytes / 1_048_576} MiB limit for a document`, {where})
    }

    chunks.push(Buffer.from(chunk.subarray(0, n)))
  }

  return Buffer.concat(chunks, total)
}

/** A FIFO or a device (`<(cmd)`, `/dev/stdin`) has no size to check first: read it bounded. */
function readPathBounded(path: string, maxBytes = MAX_DOCUMENT_BYTES): Buffer {
  const fd = openSync(path, 'r')
  try {
    return readBounded(fd, path, maxBytes)
  } finally {
    closeSync(fd)
  }
}

/**
 * Read a whole file named by a flag (a request body, a CA bundle): a regular file of at most
 * `maxBytes`, or one InputError naming the file, the limit and the flag. A FIFO or a device
 * (`/dev/zero`) is refused, since its size says nothing about how much it would send.
 */
export function readFlagFile(path: string, flag: string, maxBytes = MAX_DOCUMENT_BYTES): Buffer {
  try {
    const st = statSync(path)
    if (st.isDirectory()) throw new InputError('is a directory, not a file', {where: path, hint: `check ${flag}`})
    if (!st.isFile()) throw new InputError('is not a regular file', {where: path, hint: `check ${flag}`})
    if (st.size > maxBytes) {
      throw new InputError(
        `is ${Math.round(st.size / 1_048_576)} MiB, larger than the ${maxBytes / 1_048_576} MiB limit for ${flag}`,
        {where: path},
      )
    }

    return readFileSync(path)
  } catch (error) {
    if (error instanceof InputError) throw error
    throw new InputError(fileErrorText(error), {where: path, hint: `check ${flag}`})
  }
}

/**
 * Read a whole text document (a config, compose file or Dockerfile) or throw one InputError that says
 * what is wrong and where: missing, a directory, unreadable, binary, not UTF-8, too big, empty.
 * `-` reads standard input.
 */
export function readTextDocument(path: string, options: {allowEmpty?: boolean} = {}): TextDocument {
  let bytes: Buffer
  try {
    if (path === '-') {
      bytes = readBounded(0, '<stdin>')
    } else {
      const st = statSync(path)
      if (st.isDirectory())
        throw new InputError('is a directory, not a file', {where: path, hint: 'name a file inside it'})
      if (st.size > MAX_DOCUMENT_BYTES) {
        throw new InputError(
          `is ${Math.round(st.size / 1_048_576)} MiB, larger than the ${MAX_DOCUMENT_BYTES / 1_048_576} MiB limit for a document`,
          {where: path},
        )
      }

      bytes = st.isFile() ? readFileSync(path) : readPathBounded(path)
    }
  } catch (error) {
    if (error instanceof InputError) throw error
    const {code} = error as NodeJS.ErrnoException
    throw new InputError(fileErrorText(error), {where: path, hint: code === 'ENOENT' ? 'check the path' : undefined})
  }

  const where = path === '-' ? '<stdin>' : path
  if (looksBinary(bytes)) throw new InputError('is a binary file, not text', {where})
  // ignoreBOM keeps a BOM in the text, so hadBom can see it (--fix writes it back).
  const decoder = new TextDecoder('utf8', {fatal: true, ignoreBOM: true})
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    const offset = firstInvalidUtf8(bytes)
    throw new InputError(`is not valid UTF-8 (first bad byte at offset ${offset})`, {
      where,
      hint: 'save the file as UTF-8',
    })
  }

  const hadBom = text.charCodeAt(0) === 0xfe_ff
  if (hadBom) text = text.slice(1)
  if (!options.allowEmpty && text.trim() === '') throw new InputError('is empty', {where})
  return {path: where, text, hadBom}
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  // ignoreBOM keeps a BOM in the text, so hadBom can see it (--fix writes it back).
  const decoder = new TextDecoder('utf8', {fatal: true, ignoreBOM: true})
  // Binary search on prefix validity would mis-handle split sequences; a linear scan is fine for the error path.
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b < 0x80) continue
    const len = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 0
    if (len === 0) return i
    try {
      decoder.decode(bytes.subarray(i, i + len))
      i += len - 1
    } catch {
      return i
    }
  }

  return bytes.length
}
