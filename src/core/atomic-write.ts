import {randomBytes} from 'node:crypto'
import {
  closeSync,
  fchmodSync,
  fchownSync,
  lstatSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'

/** The file a path names: a symlink (even one whose target does not exist yet) is written through, never replaced. */
function writeTarget(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    try {
      if (lstatSync(path).isSymbolicLink()) return resolve(dirname(path), readlinkSync(path))
    } catch {
      // No such file: a new one.
    }

    return path
  }
}

/**
 * Write a whole file so readers see the old content or the new, never half of it: write a temp file
 * in the target's directory, then rename it over the target (atomic on one filesystem). A symlink is
 * followed to its target (the link stays a link); a file that already exists keeps its mode and, where
 * the process may (root), its owner; a new one gets `mode` (default: the umask's). The temp file has
 * an unpredictable name and is created exclusively (O_EXCL), so nothing planted under that name (a
 * symlink to another file) is written through.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: {mode?: number} = {}): void {
  const target = writeTarget(path)
  let {mode} = options
  let owner: {uid: number; gid: number} | undefined
  try {
    const stat = statSync(target)
    mode = stat.mode & 0o7777
    owner = {uid: stat.uid, gid: stat.gid}
  } catch {
    // A new file.
  }

  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(8).toString('hex')}.tmp`)
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'wx', mode ?? 0o666)
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at)
    if (owner && process.getuid && (owner.uid !== process.getuid() || owner.gid !== process.getgid!())) {
      try {
        fchownSync(fd, owner.uid, owner.gid)
      } catch {
        // Only root may give a file away: an ordinary user's copy stays theirs.
      }
    }

    // After chown (which clears set-id bits), and past the umask.
    if (mode !== undefined) fchmodSync(fd, mode)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, target)
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    rmSync(tmp, {force: true})
    throw error
  }
}
