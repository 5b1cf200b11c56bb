import {TraceQuery, verifyAt} from './trace-id.js'

/** One line handed out by the scanner: a match or a context line around one. */
export interface ScannedLine {
  /** Byte offset of the line's first byte in its source (decompressed for .gz). */
  offset: number
  text: string
  match: boolean
}

/** Lines longer than this are cut into pieces of this size (memory stays bounded). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024
/** How much of a line is kept as text; the rest is dropped with a marker (a 10 MB line stays searchable). */
export const MAX_TEXT_BYTES = 1024 * 1024
/** Context lines carried across a buffer refill are capped at this many bytes. */
const MAX_CONTEXT_CARRY = 1024 * 1024
/** Like git and ripgrep: a NUL byte near the start (or in a matching line) marks a binary file. */
const BINARY_SNIFF_BYTES = 8192

const NL = 0x0a

/** Finds the next needle hit in b[from, end): -1 when there is none. */
export type NeedleFinder = (b: Buffer, from: number, end: number) => number

export interface ScannerOptions {
  /** Lines of context before and after each match (-C). */
  context?: number
  /** A faster finder for the query's needle (all cases in one pass); default: Buffer.indexOf per needle. */
  finder?: NeedleFinder
  onLine: (line: ScannedLine) => void
}

/**
 * Finds the lines that carry one trace id in a byte stream handed over in buffers. It never decodes
 * a line that does not contain one of the id's needles: Buffer.indexOf runs over the bytes, and only
 * at a hit are the line's bounds found and the hit verified (see verifyAt).
 *
 * The caller owns one buffer; after each scan() it keeps the bytes from the returned index on (the
 * unfinished last line, plus context lines) and appends new data after them.
 */
export class LineScanner {
  private readonly needles: Buffer[]
  private readonly context: number
  private readonly onLine: (line: ScannedLine) => void
  private readonly finder?: NeedleFinder
  /** Absolute offset where the next scan resumes: always the start of a line. */
  private resume = 0
  /** Lines starting before this absolute offset were already handed out. */
  private emittedUpTo = 0
  private pendingAfter = 0
  private sniffed = false
  /** Absolute offset of the NUL byte when the input turned out to be binary. */
  binaryAt: number | undefined
  matches = 0

  constructor(
    private readonly query: TraceQuery,
    options: ScannerOptions,
  ) {
    this.needles = query.needles
    this.context = Math.max(0, options.context ?? 0)
    this.onLine = options.onLine
    this.finder = options.finder
  }

  /** Restart at an absolute offset (follow mode after a truncation, or a range that starts mid-file). */
  reset(offset: number): void {
    this.resume = offset
    this.emittedUpTo = offset
    this.pendingAfter = 0
  }

  /**
   * Scan buf[0, end), whose first byte is at absolute offset `base`. `final` means no more data
   * follows, so an unterminated last line is complete. Returns the index from which the caller
   * must keep bytes for the next call (== end when nothing needs keeping).
   */
  scan(buf: Buffer, end: number, base: number, final: boolean): number {
    const b = end === buf.length ? buf : buf.subarray(0, end)
    if (!this.sniffed && base === 0) {
      this.sniffed = true
      const nul = b.subarray(0, Math.min(end, BINARY_SNIFF_BYTES)).indexOf(0)
      if (nul !== -1) {
        this.binaryAt = nul
        return end
      }
    }

    let pos = Math.max(0, this.resume - base)
    pos = this.drainAfter(b, pos, end, base, final)
    if (this.pendingAfter > 0) return this.keepFrom(b, pos, base)

    const next = this.needles.map(() => -2)
    let sp = pos
    for (;;) {
      // Nearest hit of any needle at or after sp (each needle's next hit is cached).
      let p = -1
      if (this.finder) p = this.finder(b, sp, end)
      else
        for (let i = 0; i < next.length; i++) {
          if (next[i]! !== -1 && next[i]! < sp) next[i] = b.indexOf(this.needles[i]!, sp)
          const q = next[i]!
          if (q !== -1 && (p === -1 || q < p)) p = q
        }

      if (p === -1) break
      const lineStart = p === 0 ? 0 : b.lastIndexOf(NL, p - 1) + 1
      let lineEnd = b.indexOf(NL, p)
      if (lineEnd === -1) {
        if (!final) {
          this.resume = base + Math.max(lineStart, pos)
          return this.keepFrom(b, Math.max(lineStart, pos), base)
        }

        lineEnd = end
      }

      if (!verifyAt(b, p, lineStart, lineEnd, this.query)) {
        sp = p + 1
        continue
      }

      if (b.subarray(lineStart, lineEnd).includes(0)) {
        this.binaryAt = base + lineStart + b.subarray(lineStart, lineEnd).indexOf(0)
        return end
      }

      this.emitBefore(b, lineStart, base)
      this.emit(b, lineStart, lineEnd, base, true)
      this.matches++
      pos = Math.min(lineEnd + 1, end)
      sp = pos
      this.pendingAfter = this.context
      pos = this.drainAfter(b, pos, end, base, final)
      sp = pos
      if (this.pendingAfter > 0) {
        this.resume = base + pos
        return this.keepFrom(b, pos, base)
      }
    }

    // No more hits: keep the unfinished last line (a needle may straddle the refill).
    const lastLine = final ? end : b.lastIndexOf(NL, end - 1) + 1
    const from = Math.max(lastLine, pos)
    this.resume = base + from
    return this.keepFrom(b, from, base)
  }

  /** Hand out pending after-context lines from pos; returns the new pos. */
  private drainAfter(b: Buffer, pos: number, end: number, base: number, final: boolean): number {
    while (this.pendingAfter > 0 && pos < end) {
      let nl = b.indexOf(NL, pos)
      if (nl === -1) {
        if (!final) break
        nl = end
      }

      // A line that matches itself ends the context: the main loop reports it as a match.
      if (this.lineMatches(b, pos, nl)) {
        this.pendingAfter = 0
        break
      }

      this.emit(b, pos, nl, base, false)
      this.pendingAfter--
      pos = Math.min(nl + 1, end)
    }

    this.resume = base + pos
    return pos
  }

  private lineMatches(b: Buffer, start: number, end: number): boolean {
    for (const needle of this.needles) {
      let p = b.indexOf(needle, start)
      while (p !== -1 && p + needle.length <= end) {
        if (verifyAt(b, p, start, end, this.query)) return true
        p = b.indexOf(needle, p + 1)
      }
    }

    return false
  }

  /** Context lines before a match that were not handed out yet and are still in the buffer. */
  private emitBefore(b: Buffer, lineStart: number, base: number): void {
    if (this.context === 0) return
    const starts: number[] = []
    let s = lineStart
    for (let n = 0; n < this.context && s > 0; n++) {
      const prev = s - 1 === 0 ? 0 : b.lastIndexOf(NL, s - 2) + 1
      if (base + prev < this.emittedUpTo) break
      starts.unshift(prev)
      s = prev
    }

    for (const st of starts) {
      const nl = b.indexOf(NL, st)
      this.emit(b, st, nl === -1 || nl > lineStart ? lineStart : nl, base, false)
    }
  }

  private emit(b: Buffer, start: number, end: number, base: number, match: boolean): void {
    if (base + start < this.emittedUpTo) return
    this.emittedUpTo = base + end + 1
    let e = end
    if (e > start && b[e - 1] === 0x0d) e--
    const text =
      e - start > MAX_TEXT_BYTES
        ? b.toString('utf8', start, start + MAX_TEXT_BYTES) + ` … [${e - start - MAX_TEXT_BYTES} more bytes]`
        : b.toString('utf8', start, e)
    this.onLine({offset: base + start, text, match})
  }

  /** Where the caller's carry starts: `from`, or earlier to keep up to `context` lines before it. */
  private keepFrom(b: Buffer, from: number, base: number): number {
    let keep = from
    for (let n = 0; n < this.context && keep > 0; n++) {
      const prev = keep - 1 === 0 ? 0 : b.lastIndexOf(NL, keep - 2) + 1
      if (from - prev > MAX_CONTEXT_CARRY || base + prev < this.emittedUpTo) break
      keep = prev
    }

    return keep
  }
}

/**
 * A growable buffer that feeds a LineScanner: push chunks (gzip output, stdin, Docker frames) and the
 * scanner sees complete lines. Memory holds one unfinished line plus context.
 */
export class StreamScanner {
  private buf: Buffer
  private len = 0
  private base: number
  private readonly scanAt: number
  private readonly resize: BufferResizer
  private readonly maxLine: number

  /**
   * `eager`: scan after every chunk (follow mode shows lines as they come), not per 256 KiB.
   * `resize`: where the buffer lives (wasm memory for the SIMD finder); default: plain Buffers.
   * `maxLine`: lines longer than this are cut (MAX_LINE_BYTES when not given).
   */
  constructor(
    readonly scanner: LineScanner,
    options: {
      initialSize?: number
      startOffset?: number
      eager?: boolean
      resize?: BufferResizer
      maxLine?: number
    } = {},
  ) {
    this.resize = options.resize ?? heapResize
    this.maxLine = options.maxLine ?? MAX_LINE_BYTES
    this.buf = this.resize(undefined, Math.min(options.initialSize ?? 1024 * 1024, this.maxLine), 0)
    this.base = options.startOffset ?? 0
    this.scanAt = options.eager ? 1 : 256 * 1024
  }

  /** Bytes handed in so far (absolute offset of the end). */
  get offset(): number {
    return this.base + this.len
  }

  push(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length) {
      if (this.len === this.buf.length) this.grow()
      const n = Math.min(chunk.length - at, this.buf.length - this.len)
      this.buf.set(chunk.subarray(at, at + n), this.len)
      this.len += n
      at += n
      if (this.len === this.buf.length) this.process(false)
    }

    if (this.scanner.binaryAt !== undefined) return
    // Scan when a fair amount is buffered: fewer, larger scans are faster.
    if (this.len >= this.scanAt) this.process(false)
  }

  end(): void {
    this.process(true)
  }

  private process(final: boolean): void {
    if (this.scanner.binaryAt !== undefined) {
      this.len = 0
      return
    }

    const keep = this.scanner.scan(this.buf, this.len, this.base, final)
    if (keep > 0) {
      this.buf.copy(this.buf, 0, keep, this.len)
      this.base += keep
      this.len -= keep
    }
  }

  private grow(): void {
    // Try to make room by scanning first; grow only when one line fills the buffer.
    this.process(false)
    if (this.len < this.buf.length) return
    if (this.buf.length >= this.maxLine) {
      // A line longer than the cap: cut it here so memory stays bounded.
      this.process(true)
      this.scanner.reset(this.base + this.len)
      this.base += this.len
      this.len = 0
      return
    }

    this.buf = this.resize(this.buf, Math.min(this.buf.length * 2, this.maxLine), this.len)
  }
}

/** Return a buffer of `size` bytes holding the first `keep` bytes of `old`. */
export type BufferResizer = (old: Buffer | undefined, size: number, keep: number) => Buffer

const heapResize: BufferResizer = (old, size, keep) => {
  const buf = Buffer.allocUnsafe(size)
  if (old && keep) old.copy(buf, 0, 0, keep)
  return buf
}
