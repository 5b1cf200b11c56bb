import {fileURLToPath} from 'node:url'

import type {Finding} from '../../../src/report/findings/index.js'

import {lintLabels, type LintLabelsOptions} from '../../../src/labels/index.js'

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
export const FIXTURES = 'test/fixtures/labels'

/** Lint files relative to the repository root, with an environment that sets nothing. */
export async function lint(options: Omit<LintLabelsOptions, 'cwd'>): Promise<Finding[]> {
  const {findings} = await lintLabels({env: {}, ...options, cwd: ROOT})
  return findings
}

export const ids = (findings: Finding[]) => findings.map((f) => f.ruleId)

export function at(f: Finding): string {
  return f.location?.kind === 'file' ? `${f.location.line}:${f.location.column}` : String(f.location?.kind)
}
