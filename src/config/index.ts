import {existsSync} from 'node:fs'

import {InputError} from '../core/errors.js'
import {inputErrorFinding} from '../report/findings/index.js'
import {applyFixes, writeFixedFile} from './fix.js'
import {ConfigLintResult, lintConfigDocument, LintConfigOptions, PlannedFix, readConfigDocument} from './lint.js'
import {parseConfigSource} from './source.js'
import {isObject, section} from './types.js'

export {lintConfigDocument, lintConfigFile, loadVariables} from './lint.js'
export type {ConfigLintResult, LintConfigOptions, PlannedFix} from './lint.js'
export {CONFIG_RULE_METAS, CONFIG_RULES} from './rules/index.js'
export {loadGatewaySchema, SCHEMA_PATH} from './schema.js'

/** Names lint-config and validate look for when no config file is given. */
export const DEFAULT_CONFIG_NAMES = ['gateway.yaml', 'gateway.yml', 'gateway.json']

export function findDefaultConfigs(names = DEFAULT_CONFIG_NAMES): string[] {
  return names.filter((n) => existsSync(n))
}

export interface FixedFile {
  file: string
  fixes: {ruleId: string; line: number; column: number; description: string}[]
}

export interface ConfigLintRun {
  results: ConfigLintResult[]
  fixed: FixedFile[]
}

/**
 * Lint each file (an unreadable one becomes an input-error finding and the others are still checked).
 * With fix, apply the mechanical fixes in place and lint the fixed text, so the findings left are
 * the ones a person must look at.
 */
export function lintConfigFiles(paths: string[], options: LintConfigOptions & {fix?: boolean} = {}): ConfigLintRun {
  const results: ConfigLintResult[] = []
  const fixed: FixedFile[] = []
  for (const path of paths) {
    const doc = readConfigDocument(path)
    if (!('text' in doc)) {
      results.push(doc)
      continue
    }

    let result = lintConfigDocument(doc, options)
    if (options.fix && path !== '-' && result.fixes.length > 0) {
      // A renamed key exposes its children to the schema, which may need fixes of their own:
      // repeat (a few passes, as ESLint does) until nothing more is mechanical.
      let {text} = doc
      const applied: PlannedFix[] = []
      for (let pass = 0; pass < 5 && result.fixes.length > 0; pass++) {
        const step = applyFixes(text, result.fixes)
        text = step.text
        applied.push(...step.applied)
        result = lintConfigDocument({...doc, text}, options)
      }

      try {
        writeFixedFile(path, (doc.hadBom ? '\uFEFF' : '') + text)
        fixed.push({file: doc.path, fixes: applied.map(describeFix)})
      } catch (error) {
        if (!(error instanceof InputError)) throw error
        result = lintConfigDocument(doc, options)
        result.findings.push(inputErrorFinding(error, path))
      }
    }

    results.push(result)
  }

  return {results, fixed}
}

/**
 * The label prefix the configs set (discovery.labelPrefix), for --discover to list the containers the
 * gateway would see; undefined when none sets one or a file cannot be read.
 */
export function configuredLabelPrefix(paths: string[]): string | undefined {
  for (const path of paths) {
    if (path === '-') continue
    const result = configValue(path)
    const prefix = result && isObject(result) ? section(result, 'discovery').labelPrefix : undefined
    if (typeof prefix === 'string') return prefix
  }

  return undefined
}

function configValue(path: string): unknown {
  const doc = readConfigDocument(path)
  if (!('text' in doc)) return undefined
  try {
    return parseConfigSource(doc).value
  } catch (error) {
    if (error instanceof InputError) return undefined
    throw error
  }
}

const describeFix = (f: PlannedFix) => ({ruleId: f.ruleId, line: f.line, column: f.column, description: f.description})
