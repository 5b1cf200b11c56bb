/**
 * A minimal, allocation-free HTTP/1.1 response parser for the load generator. It only needs what the
 * measurement needs: where each response ends, its status code and its size. Headers are scanned
 * for Content-Length, Transfer-Encoding: chunked and Connection: close; nothing else is decoded.
 * (autocannon uses http-parser-js, which builds header arrays and body strings per response: its
 * largest cost per request in a profile.)
 */

const CR = 13
const LF = 10

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
}

export class ParseError extends Error {}

export interface ResponseSink {
  /** A complete response. `close` is true when the server will close the connection after it. */
  onResponse(status: number, close: boolean): void
}

const MAX_HEAD = 64 * 1024

export class ResponseParser {
  private state = State.Head
  private head: Buffer | undefined
  private remaining = 0
  private status = 0
  private close = false
  private trailerLineLength = 0
  private inExtension = false
  /** The requests are HEAD: responses have no body whatever their headers say. */
  headRequest = false

  constructor(private readonly sink: ResponseSink) {}

  reset(): void {
    this.state = State.Head
    this.head = undefined
    this.remaining = 0
    this.inExtension = false
  }

  /** The connection closed: a response being read until close is complete now. */
  end(): boolean {
    if (this.state === State.UntilClose) {
      this.state = State.Head
      this.sink.onResponse(this.status, true)
      return true
    }

    return false
  }

  /** Feed bytes [start, end) of buf. Throws ParseError on a malformed response. */
  execute(buf: Buffer, start: number, end: number): void {
    let i = start
    while (i < end) {
      switch (this.state) {
        case State.Head: {
          let data = buf
          let from = i
          let to = end
          const carried = this.head === undefined ? 0 : this.head.length
          if (this.head !== undefined) {
            data = Buffer.concat([this.head, buf.subarray(i, end)])
            from = 0
            to = data.length
          }

          const headEnd = findHeadEnd(data, from, to)
          if (headEnd < 0) {
            if (to - from > MAX_HEAD) throw new ParseError('response header larger than 64 KiB')
            this.head = Buffer.from(data.subarray(from, to))
            return
          }

          this.head = undefined
          this.parseHead(data, from, headEnd)
          i = carried === 0 ? headEnd : i + headEnd - carried
          // A 1xx interim response (100 Continue) is not the answer: the real one follows.
          if (this.status < 200 && this.status !== 101) continue
          if (this.state === State.Head) this.complete()
          break
        }

        case State.Body: {
          const n = Math.min(this.remaining, end - i)
          this.remaining -= n
          i += n
          if (this.remaining === 0) {
            this.state = State.Head
            this.complete()
          }

          break
        }

        case State.ChunkSize: {
          // hex digits, optional ;extension, CRLF
          while (i < end) {
            const c = buf[i++]!
            if (c === LF) {
              this.inExtension = false
              if (this.remaining === 0) {
                this.state = State.Trailers
                this.trailerLineLength = 0
              } else {
                this.state = State.ChunkData
              }

              break
            }

            if (this.inExtension) continue
            const v = hexValue(c)
            if (v >= 0) this.remaining = this.remaining * 16 + v
            else if (c === 59 /* ; */) this.inExtension = true
            else if (c !== CR && c !== 32 && c !== 9) throw new ParseError('bad chunk size')
          }

          break
        }

        case State.ChunkData: {
          const n = Math.min(this.remaining, end - i)
          this.remaining -= n
          i += n
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd
            this.trailerLineLength = 0
          }

          break
        }

        case State.ChunkDataEnd: {
          const c = buf[i++]!
          if (c === LF) {
            this.state = State.ChunkSize
            this.remaining = 0
          }

          break
        }

        case State.Trailers: {
          // Lines until an empty one.
          const c = buf[i++]!
          if (c === LF) {
            if (this.trailerLineLength === 0) {
              this.state = State.Head
              this.complete()
            }

            this.trailerLineLength = 0
          } else if (c !== CR) {
            this.trailerLineLength++
          }

          break
        }

        case State.UntilClose: {
          return
        }
      }
    }
  }

  private complete(): void {
    this.sink.onResponse(this.status, this.close)
  }

  /** Parse the status line and the headers that decide where the body ends. */
  private parseHead(b: Buffer, start: number, end: number): void {
    // "HTTP/1.x SSS"
    if (end - start < 12 || b[start] !== 72 || b[start + 1] !== 84 || b[start + 4] !== 47) {
      throw new ParseError('not an HTTP/1.x response')
    }

    const s = (b[start + 9]! - 48) * 100 + (b[start + 10]! - 48) * 10 + (b[start + 11]! - 48)
    if (!(s >= 100 && s <= 999)) throw new ParseError('bad status code')
    this.status = s
    const http10 = b[start + 7] === 48
    let contentLength = -1
    let chunked = false
    let close = http10
    // Walk header lines.
    let line = b.indexOf(LF, start) + 1
    while (line > 0 && line < end) {
      const lineEnd = b.indexOf(LF, line)
      if (lineEnd === -1 || lineEnd >= end) break
      const c0 = b[line]! | 0x20
      if (c0 === 0x63 /* c */) {
        if (nameIs(b, line, lineEnd, 'content-length')) contentLength = parseDecimal(b, line + 15, lineEnd)
        else if (nameIs(b, line, lineEnd, 'connection')) {
          if (valueHas(b, line + 11, lineEnd, 'close')) close = true
          else if (valueHas(b, line + 11, lineEnd, 'keep-alive')) close = false
        }
      } else if (
        c0 === 0x74 /* t */ &&
        nameIs(b, line, lineEnd, 'transfer-encoding') &&
        valueHas(b, line + 18, lineEnd, 'chunked')
      )
        chunked = true
      line = lineEnd + 1
    }

    this.close = close
    const noBody = this.headRequest || s === 204 || s === 304 || (s >= 100 && s < 200)
    if (noBody) {
      this.state = State.Head
    } else if (chunked) {
      this.state = State.ChunkSize
      this.remaining = 0
    } else if (contentLength >= 0) {
      this.remaining = contentLength
      this.state = contentLength > 0 ? State.Body : State.Head
    } else {
      // No length: the body runs until the server closes the connection.
      this.state = State.UntilClose
      this.close = true
    }
  }
}

/** Index just past "\r\n\r\n" (or "\n\n"), or -1. */
function findHeadEnd(b: Buffer, start: number, end: number): number {
  let i = b.indexOf(LF, start)
  while (i >= 0 && i < end) {
    if (i + 1 < end && b[i + 1] === LF) return i + 2
    if (i + 2 < end && b[i + 1] === CR && b[i + 2] === LF) return i + 3
    i = b.indexOf(LF, i + 1)
  }

  return -1
}

function nameIs(b: Buffer, start: number, lineEnd: number, name: string): boolean {
  const n = name.length
  if (start + n >= lineEnd || b[start + n] !== 58 /* : */) return false
  for (let k = 1; k < n; k++) if ((b[start + k]! | 0x20) !== name.charCodeAt(k)) return false
  return true
}

function parseDecimal(b: Buffer, start: number, end: number): number {
  let v = 0
  let seen = false
  for (let i = start; i < end; i++) {
    const c = b[i]!
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48)
      seen = true
    } else if (c !== 32 && c !== 9 && c !== CR) throw new ParseError('bad Content-Length')
  }

  if (!seen) throw new ParseError('bad Content-Length')
  return v
}

/** Whether bytes [start, end) contain `word` (lower case), ignoring case, without allocating. */
function valueHas(b: Buffer, start: number, end: number, word: string): boolean {
  const n = word.length
  // eslint-disable-next-line no-labels -- the inner loop's mismatch moves the outer window on
  outer: for (let i = start; i + n <= end; i++) {
    for (let k = 0; k < n; k++) if ((b[i + k]! | 0x20) !== word.charCodeAt(k)) continue outer // eslint-disable-line no-labels
    return true
  }

  return false
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  const l = c | 0x20
  if (l >= 97 && l <= 102) return l - 87
  return -1
}
