/**
 * A SIMD substring finder in WebAssembly, for the one hot loop of `mcp trace`.
 *
 * Why: Buffer.indexOf (Boyer-Moore-Horspool) slows down on logs full of hex ids (docs/performance.md), since
 * every hex byte is in the needle and the skips stay short, and each letter case costs another
 * pass. This finder tests 16 positions per step (first and last needle byte, case-folded with
 * |0x20, which maps A-F onto a-f and leaves digits alone), then confirms the whole needle. One pass
 * finds every case, mixed case included; the caller still verifies each hit (verifyAt).
 *
 * The module is written out by hand below (no toolchain needed); memory layout: needle at 0, the
 * read buffer from BUFFER_OFFSET on, so readSync fills wasm memory directly with no copy.
 */

import v8 from 'node:v8'

const I32 = 0x7f
const V128 = 0x7b
const simd = (op: number) => [0xfd, ...uleb(op)]
const memarg = [0x00, 0x00]

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)

  return out
}

function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b)
      return out
    }

    out.push(b | 0x80)
  }
}

const op = {
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  const: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  sub: [0x6b],
  and: [0x71],
  or: [0x72],
  ne: [0x47],
  eqz: [0x45],
  ctz: [0x68],
  gtS: [0x4a],
  geS: [0x4e],
  shl: [0x74],
  load8u: [0x2d, ...memarg],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, d],
  brIf: (d: number) => [0x0d, d],
  ret: [0x0f],
  call: (f: number) => [0x10, f],
  v128load: [...simd(0), ...memarg],
  splat: simd(15),
  eq8: simd(35),
  vand: simd(78),
  vor: simd(80),
  bitmask: simd(100),
  anyTrue: simd(83),
}

/** eqfold(p, needle, k) -> 1 when mem[p..p+k) | 0x20 == mem[needle..needle+k). Local 3: t. */
const eqfold = [
  1,
  1,
  I32, // one i32 local
  ...op.const(0),
  ...op.set(3),
  ...op.block,
  ...op.loop,
  ...op.get(3),
  ...op.get(2),
  ...op.geS,
  ...op.if,
  ...op.const(1),
  ...op.ret,
  ...op.end,
  ...op.get(0),
  ...op.get(3),
  ...op.add,
  ...op.load8u,
  ...op.const(0x20),
  ...op.or,
  ...op.get(1),
  ...op.get(3),
  ...op.add,
  ...op.load8u,
  ...op.ne,
  ...op.brIf(1),
  ...op.get(3),
  ...op.const(1),
  ...op.add,
  ...op.set(3),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.const(0),
  ...op.end,
]

/**
 * find(start, end, needle, k) -> first p in [start, end-k] where the needle matches, else -1.
 * Locals: 4 i, 5 last, 6 mask, 7 pos (i32); 8 first, 9 lastByte, 10 fold, 11 c1, 12 c2 (v128).
 * The main loop tests 32 positions per step with one branch; a 16-wide loop and a scalar loop
 * finish the tail.
 */
/** The candidate vector for 16 positions from i + delta: first and last needle byte both equal. */
const candidates = (delta: number) => [
  ...op.get(4),
  ...op.const(delta),
  ...op.add,
  ...op.v128load,
  ...op.get(10),
  ...op.vor,
  ...op.get(8),
  ...op.eq8,
  ...op.get(4),
  ...op.get(3),
  ...op.add,
  ...op.const(delta - 1),
  ...op.add,
  ...op.v128load,
  ...op.get(10),
  ...op.vor,
  ...op.get(9),
  ...op.eq8,
  ...op.vand,
]
/** Report the first full match among the set bits of local 6 (positions i + bit). */
const confirmMask = [
  ...op.block,
  ...op.loop,
  ...op.get(6),
  ...op.eqz,
  ...op.brIf(1),
  ...op.get(4),
  ...op.get(6),
  ...op.ctz,
  ...op.add,
  ...op.set(7),
  ...op.get(7),
  ...op.get(2),
  ...op.get(3),
  ...op.call(0),
  ...op.if,
  ...op.get(7),
  ...op.ret,
  ...op.end,
  ...op.get(6),
  ...op.get(6),
  ...op.const(1),
  ...op.sub,
  ...op.and,
  ...op.set(6),
  ...op.br(0),
  ...op.end,
  ...op.end,
]
const find = [
  2,
  4,
  I32,
  5,
  V128,
  ...op.get(1),
  ...op.get(3),
  ...op.sub,
  ...op.set(5),
  ...op.get(2),
  ...op.load8u,
  ...op.splat,
  ...op.set(8),
  ...op.get(2),
  ...op.get(3),
  ...op.add,
  ...op.const(1),
  ...op.sub,
  ...op.load8u,
  ...op.splat,
  ...op.set(9),
  ...op.const(0x20),
  ...op.splat,
  ...op.set(10),
  ...op.get(0),
  ...op.set(4),
  // 32 positions per step
  ...op.block,
  ...op.loop,
  ...op.get(4),
  ...op.const(31),
  ...op.add,
  ...op.get(5),
  ...op.gtS,
  ...op.brIf(1),
  ...candidates(0),
  ...op.set(11),
  ...candidates(16),
  ...op.set(12),
  ...op.get(11),
  ...op.get(12),
  ...op.vor,
  ...op.anyTrue,
  ...op.if,
  ...op.get(11),
  ...op.bitmask,
  ...op.get(12),
  ...op.bitmask,
  ...op.const(16),
  ...op.shl,
  ...op.or,
  ...op.set(6),
  ...confirmMask,
  ...op.end,
  ...op.get(4),
  ...op.const(32),
  ...op.add,
  ...op.set(4),
  ...op.br(0),
  ...op.end,
  ...op.end,
  // 16 positions per step
  ...op.block,
  ...op.loop,
  ...op.get(4),
  ...op.const(15),
  ...op.add,
  ...op.get(5),
  ...op.gtS,
  ...op.brIf(1),
  ...candidates(0),
  ...op.bitmask,
  ...op.set(6),
  ...confirmMask,
  ...op.get(4),
  ...op.const(16),
  ...op.add,
  ...op.set(4),
  ...op.br(0),
  ...op.end,
  ...op.end,
  // Scalar tail: the last < 16 positions.
  ...op.block,
  ...op.loop,
  ...op.get(4),
  ...op.get(5),
  ...op.gtS,
  ...op.brIf(1),
  ...op.get(4),
  ...op.get(2),
  ...op.get(3),
  ...op.call(0),
  ...op.if,
  ...op.get(4),
  ...op.ret,
  ...op.end,
  ...op.get(4),
  ...op.const(1),
  ...op.add,
  ...op.set(4),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.const(-1),
  ...op.end,
]

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body]
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()]
}

const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'latin1')]

function moduleBytes(pages: number): Uint8Array {
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(
      1,
      vec([
        [0x60, 3, I32, I32, I32, 1, I32],
        [0x60, 4, I32, I32, I32, I32, 1, I32],
      ]),
    ),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(
      7,
      vec([
        [...name('find'), 0x00, 1],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(
      10,
      vec([
        [...uleb(eqfold.length), ...eqfold],
        [...uleb(find.length), ...find],
      ]),
    ),
  ]
  return Uint8Array.from(bytes)
}

/** The slice of the WebAssembly API used here (lib "ES2023" has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (compiled: object, imports: object) => {exports: Record<string, unknown>}
}
interface WasmMemory {
  buffer: ArrayBuffer
  grow(pages: number): number
}
const {WebAssembly} = globalThis as unknown as {WebAssembly: WasmApi}

/** Where the read buffer starts in wasm memory (the needle lives below it). */
export const BUFFER_OFFSET = 256
const PAGE = 65_536

export interface WasmFinder {
  /** A Buffer view of wasm memory from BUFFER_OFFSET, at least `size` bytes (grows memory; keeps data). */
  buffer(size: number): Buffer
  /** Set the needle (lowercase ASCII, at most 200 bytes). */
  setNeedle(needle: Buffer): void
  /** First needle hit in b[from, end) (b must be a view from buffer()), else -1. */
  find(b: Buffer, from: number, end: number): number
}

let instance: WasmFinder | undefined | null

/** The finder for this thread, or undefined when WebAssembly SIMD is not available (then indexOf is used). */
export function wasmFinder(initialBytes: number): WasmFinder | undefined {
  if (instance !== undefined) return instance ?? undefined
  try {
    // Compile straight to optimized code: the baseline tier runs this loop several times slower
    // (docs/performance.md), and one call scans a whole buffer, so tier-up would come late. The
    // flag is put back right after.
    v8.setFlagsFromString('--no-liftoff')
    const mod = new WebAssembly.Module(moduleBytes(Math.ceil((initialBytes + BUFFER_OFFSET + 64) / PAGE)))
    v8.setFlagsFromString('--liftoff')
    const inst = new WebAssembly.Instance(mod, {})
    const memory = inst.exports.memory as WasmMemory
    const fn = inst.exports.find as (start: number, end: number, needle: number, k: number) => number
    let k = 0
    let view: Buffer | undefined
    instance = {
      buffer(size: number) {
        const need = BUFFER_OFFSET + size + 64
        if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / PAGE))
        if (!view || view.buffer !== memory.buffer || view.length < size)
          view = Buffer.from(memory.buffer, BUFFER_OFFSET, memory.buffer.byteLength - BUFFER_OFFSET - 64)
        return view
      },
      setNeedle(needle: Buffer) {
        new Uint8Array(memory.buffer).set(needle, 0)
        k = needle.length
      },
      find(b: Buffer, from: number, end: number) {
        if (end - from < k) return -1
        const at = fn(b.byteOffset + from, b.byteOffset + end, 0, k)
        return at === -1 ? -1 : at - b.byteOffset
      },
    }
  } catch {
    instance = null
  }

  return instance ?? undefined
}
