import {writeFileAtomic} from '../../core/atomic-write.js'
import {InputError} from '../../core/errors.js'

/** Write a report whole or not at all (temp file + rename); a failure is an input error (exit 3). */
export function writeHtmlReport(path: string, html: string): void {
  try {
    writeFileAtomic(path, html)
  } catch (error) {
    throw new InputError(
      `cannot write the report (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      {where: path, hint: 'check that the directory exists and is writable'},
    )
  }
}
