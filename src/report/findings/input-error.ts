import type {McpError} from '../../core/errors.js'

import {FileLocation, Finding, INPUT_ERROR_RULE} from './finding.js'

/**
 * A file that cannot be read or parsed, as an `input-error` finding (exit code 3) at the position
 * the error names (`where` is file:line:col or the file), so the other files are still checked.
 */
export function inputErrorFinding(error: McpError, file: string): Finding {
  const m = error.where ? /^(.*):(\d+):(\d+)$/.exec(error.where) : null
  const location: FileLocation = m
    ? {kind: 'file', file: m[1]!, line: Number(m[2]), column: Number(m[3])}
    : {kind: 'file', file: error.where ?? file, line: 1, column: 1}
  return {
    ruleId: INPUT_ERROR_RULE,
    severity: 'error',
    message: error.message,
    location,
    ...(error.hint ? {hint: error.hint} : {}),
  }
}
