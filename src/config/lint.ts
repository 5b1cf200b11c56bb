import {dirname, resolve} from 'node:path'

import type {ServiceView} from '../model/types.js'

import {InputError} from '../core/errors.js'
import {readTextDocument, TextDocument} from '../core/input.js'
import {parseEnvFile} from '../core/interpolate.js'
import {registerSecret} from '../core/redact.js'
import {applySuppressions, Finding, inputErrorFinding} from '../report/findings/index.js'
import {interpolateConfig} from './interpolate-config.js'
import {CONFIG_RULE_METAS, CONFIG_RULES} from './rules/index.js'
import {validateAgainstSchema} from './schema.js'
import {assertHasContent, ConfigSource, parseConfigSource, SourceRange} from './source.js'
import {ConfigContext, ConfigRule, pointer, section} from './types.js'

export interface LintConfigOptions {
  /** Variables for ${VAR}: --env-file values under the environment (the shell wins, as in compose). */
  vars?: Record<string, string | undefined>
  /** The live view for --discover's rules. */
  view?: ServiceView
  rules?: ConfigRule[]
}

/** A fix placed in the text: replace [start, end) with text. */
export interface PlannedFix {
  ruleId: string
  start: number
  end: number
  text: string
  description: string
  line: number
  column: number
}

export interface ConfigLintResult {
  file: string
  findings: Finding[]
  fixes: PlannedFix[]
  /** The parsed source; absent when the file could not be read or parsed. */
  source?: ConfigSource
}

/** Variables for interpolation: the env files in order, then the environment on top. */
export function loadVariables(
  envFiles: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | undefined> {
  const vars: Record<string, string | undefined> = {}
  for (const file of envFiles) Object.assign(vars, parseEnvFile(file))
  return {...vars, ...env}
}

/** Quote a replacement the way the replaced text was quoted. */
function quoted(text: string, range: SourceRange): string {
  if (range.quote === '"') return JSON.stringify(text)
  if (range.quote === "'") return `'${text.replaceAll("'", "''")}'`
  return text
}

/** Lint one parsed config: schema, then every rule; findings carry file:line:col. */
export function lintConfigSource(source: ConfigSource, options: LintConfigOptions = {}): ConfigLintResult {
  const {value, unresolved, interpolated} = interpolateConfig(source.value, options.vars ?? process.env)
  // A token the config holds (often from ${CONSUL_HTTP_TOKEN}) is removed from any output that echoes it.
  const {token} = section(section(value, 'registry'), 'consul')
  if (typeof token === 'string') registerSecret(token)
  const {labelPrefix} = section(value, 'discovery')
  const planned: ConfigContext['fixes'] = new Map()
  const ctx: ConfigContext = {
    source,
    config: value,
    schemaErrors: validateAgainstSchema(value),
    unresolved,
    baseDir: source.path === '<stdin>' ? process.cwd() : dirname(resolve(source.path)),
    view: options.view,
    labelPrefix: typeof labelPrefix === 'string' ? labelPrefix : undefined,
    fixes: planned,
  }
  const findings: Finding[] = []
  const fixes: PlannedFix[] = []
  for (const rule of options.rules ?? CONFIG_RULES) {
    for (const finding of rule.check(value, ctx)) {
      findings.push(finding)
      const fix = planned.get(finding)
      if (!fix) continue
      // `interval: ${HC_INTERVAL}` stays as written: a fix would put the environment's value in the file.
      if (fix.target === 'value' && interpolated.has(pointer(fix.path))) continue
      const range = source.range(fix.path, fix.target)
      if (!range) continue
      const at = source.positionAt(range.start)
      fixes.push({
        ruleId: rule.meta.id,
        start: range.start,
        end: range.end,
        text: quoted(fix.text, range),
        description: fix.description,
        line: at.line,
        column: at.column,
      })
    }
  }

  return {file: source.path, findings, fixes, source}
}

/** Parse and lint a document already read; a parse error becomes an input-error finding. */
export function lintConfigDocument(doc: TextDocument, options: LintConfigOptions = {}): ConfigLintResult {
  try {
    let source: ConfigSource
    try {
      source = parseConfigSource(doc)
    } catch (error) {
      throw error instanceof InputError ? notAConfigFile(doc.path, error) : error
    }

    assertHasContent(source)
    assertConfigMapping(source)
    const result = lintConfigSource(source, options)
    // `# mcp-ignore: rule-id reason` comments (YAML only: JSON has none).
    if (source.format === 'yaml') {
      const kept = applySuppressions(
        result.findings,
        doc.path,
        doc.text,
        'yaml',
        CONFIG_RULE_METAS.map((r) => r.id),
      )
      // --fix leaves alone what a comment says to leave alone.
      const suppressed = new Set(
        result.findings
          .filter((f) => !kept.includes(f))
          .map((f) => `${f.ruleId} ${f.location?.kind === 'file' ? f.location.line : ''}`),
      )
      result.findings = kept
      if (suppressed.size > 0) result.fixes = result.fixes.filter((fix) => !suppressed.has(`${fix.ruleId} ${fix.line}`))
    }

    return result
  } catch (error) {
    if (error instanceof InputError) return {file: doc.path, findings: [inputErrorFinding(error, doc.path)], fixes: []}
    throw error
  }
}

/** A parse error in a file not named .yaml/.yml/.json says first that it is probably not a config at all (`validate server.js`). */
function notAConfigFile(path: string, error: InputError): InputError {
  if (/\.(ya?ml|json)$/i.test(path) || path === '-' || path === '<stdin>') return error
  return new InputError(`not a gateway config (not YAML or JSON: ${error.message})`, {
    where: error.where ?? path,
    hint: 'name the gateway config (gateway.yaml); compose files and Dockerfiles are found by their names',
  })
}

/** A gateway config is a mapping of settings; a document that is a string or a list is some other file. */
function assertConfigMapping(source: ConfigSource): void {
  const {value} = source
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return
  const what = Array.isArray(value) ? 'a list' : `a ${typeof value}`
  throw new InputError(`not a gateway config (the document is ${what}, not a mapping of settings)`, {
    where: `${source.path}:1:1`,
    hint: 'name the gateway config (gateway.yaml); compose files and Dockerfiles are found by their names',
  })
}

/** Read a config file, or the input-error result that says why it cannot be read. */
export function readConfigDocument(path: string): TextDocument | ConfigLintResult {
  try {
    return readTextDocument(path)
  } catch (error) {
    if (error instanceof InputError) return {file: path, findings: [inputErrorFinding(error, path)], fixes: []}
    throw error
  }
}

/** Read, parse and lint one file; unreadable files become input-error findings, not exceptions. */
export function lintConfigFile(path: string, options: LintConfigOptions = {}): ConfigLintResult {
  const doc = readConfigDocument(path)
  return 'text' in doc ? lintConfigDocument(doc, options) : doc
}
