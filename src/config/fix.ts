import type {PlannedFix} from './lint.js'

import {writeFileAtomic} from '../core/atomic-write.js'
import {InputError} from '../core/errors.js'

/**
 * Apply text edits (each replaces one key or scalar), leaving every other byte alone: comments,
 * indentation and quoting stay as they were. Overlapping edits keep the first; returns the applied ones.
 */
export function applyFixes(text: string, fixes: PlannedFix[]): {text: string; applied: PlannedFix[]} {
  const sorted = [...fixes].sort((a, b) => a.start - b.start)
  const applied: PlannedFix[] = []
  let end = -1
  for (const f of sorted) {
    if (f.start < end) continue
    applied.push(f)
    end = f.end
  }

  let out = text
  for (const f of [...applied].reverse()) out = out.slice(0, f.start) + f.text + out.slice(f.end)
  return {text: out, applied}
}

/** Replace a file's content atomically, keeping its mode; a failure is one line about that file. */
export function writeFixedFile(path: string, text: string): void {
  try {
    writeFileAtomic(path, text)
  } catch (error) {
    throw new InputError(
      `cannot write the fixed file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {where: path, hint: 'check the directory is writable'},
    )
  }
}
