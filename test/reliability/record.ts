import {appendFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {ROOT} from '../helpers/cli.js'

/** One row of docs/reliability.md: a fault, an input class or a secret check, and what happened. */
export interface ReliabilityRow {
  area: 'fault' | 'input' | 'secret' | 'flag'
  command: string
  case: string
  expected: string
  result: string
  exitCode: number | null
  ms: number
  pass: boolean
}

export const RELIABILITY_LOG = join(ROOT, 'test-output', 'reliability.jsonl')

/**
 * Append a row for scripts/reliability-report.mjs, which renders docs/reliability.md after the
 * suite: the document is produced by the tests, never written by hand.
 */
export function record(row: ReliabilityRow): void {
  mkdirSync(join(ROOT, 'test-output'), {recursive: true})
  appendFileSync(RELIABILITY_LOG, JSON.stringify(row) + '\n')
}

/** Output that gives a stack trace away: "    at fn (file.js:1:2)" lines. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text)
}

/** The first line of stderr, for the report. */
export function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 160) ?? ''
}
