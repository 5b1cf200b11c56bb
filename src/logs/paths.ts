import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {globSync} from 'tinyglobby'

export interface LogFile {
  path: string
  size: number
}

export interface PathProblem {
  path: string
  message: string
  code?: string
}

const GLOB_CHARS = /[*?[\]{}]/

/**
 * Expand the PATHS arguments: files as given, directories recursively (sorted, symlinked
 * directories not followed, as ripgrep does), globs with tinyglobby. A path that does not exist or
 * cannot be read is a problem for that path only; the rest are still searched.
 */
export function expandPaths(args: string[]): {files: LogFile[]; problems: PathProblem[]} {
  const files: LogFile[] = []
  const problems: PathProblem[] = []
  const seen = new Set<string>()
  const add = (path: string, size: number) => {
    if (seen.has(path)) return
    seen.add(path)
    files.push({path, size})
  }

  for (const arg of args) {
    let st
    try {
      st = statSync(arg)
    } catch (error) {
      const {code} = error as NodeJS.ErrnoException
      if (code === 'ENOENT' && GLOB_CHARS.test(arg)) {
        const matched = globSync(arg, {onlyFiles: true, dot: true, followSymbolicLinks: false}).sort()
        if (matched.length === 0) problems.push({path: arg, message: 'no files match this pattern', code: 'ENOENT'})
        for (const m of matched) {
          try {
            add(m, statSync(m).size)
          } catch (error_) {
            problems.push({path: m, message: describeFsError(error_), code: (error_ as NodeJS.ErrnoException).code})
          }
        }

        continue
      }

      problems.push({path: arg, message: describeFsError(error), code})
      continue
    }

    if (st.isDirectory()) walk(arg, add, problems)
    else add(arg, st.size)
  }

  return {files, problems}
}

function walk(dir: string, add: (path: string, size: number) => void, problems: PathProblem[]): void {
  let entries
  try {
    entries = readdirSync(dir, {withFileTypes: true})
  } catch (error) {
    problems.push({path: dir, message: describeFsError(error), code: (error as NodeJS.ErrnoException).code})
    return
  }

  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries) {
    const path = join(dir, e.name)
    if (e.isDirectory()) walk(path, add, problems)
    else if (e.isFile()) {
      try {
        add(path, statSync(path).size)
      } catch (error) {
        problems.push({path, message: describeFsError(error), code: (error as NodeJS.ErrnoException).code})
      }
    } else if (e.isSymbolicLink()) {
      // A symlink to a file is searched; to a directory it is not followed (no loops).
      try {
        const st = statSync(path)
        if (st.isFile()) add(path, st.size)
      } catch {
        // a dangling link: nothing to search
      }
    }
  }
}

export function describeFsError(error: unknown): string {
  const {code} = error as NodeJS.ErrnoException
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  return (error as Error).message
}
