import {chmodSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

/**
 * Write a whole file so readers see the old content or the new, never half of it: write a temp file
 * in the same directory, then rename it over the target (atomic on one filesystem). A file that
 * already exists keeps its permissions; a new one gets `mode` (default: the umask's).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: {mode?: number} = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  let mode = options.mode
  try {
    mode = statSync(path).mode & 0o7777
  } catch {
    // A new file.
  }
  try {
    writeFileSync(tmp, data, mode === undefined ? undefined : {mode})
    if (mode !== undefined) chmodSync(tmp, mode)
    renameSync(tmp, path)
  } catch (error) {
    rmSync(tmp, {force: true})
    throw error
  }
}
