import {existsSync} from 'node:fs'
import {join, resolve} from 'node:path'

import type {DockerContainer} from '../model/types.js'
import type {LabelSet} from './types.js'

import {DEFAULT_LABEL_PREFIX} from '../core/connections.js'
import {docsUrl} from '../core/docs-url.js'
import {InputError, SourceUnreachableError, UsageError} from '../core/errors.js'
import {readTextDocument} from '../core/input.js'
import {parseEnvFile} from '../core/interpolate.js'
import {Finding, INPUT_ERROR_RULE, locationText, RuleMeta} from '../report/findings/finding.js'
import {inputErrorFinding} from '../report/findings/input-error.js'
import {applyOverrides, RuleOverrides} from '../report/findings/policy.js'
import {applySuppressions, unusedSuppressionMeta} from '../report/findings/suppress.js'
import {assertComposeDocument, assertDockerfile} from './document-kind.js'
import {carriesPrefix} from './label-set.js'
import {isSetRule, LABEL_RULE_META, LABEL_RULES, ruleContext} from './rules/index.js'
import {
  COMPOSE_FILE_NAMES,
  COMPOSE_OVERRIDE_NAMES,
  ComposeProject,
  ComposeService,
  loadComposeProject,
  ProjectInputErrors,
} from './sources/compose.js'
import {containerLabelSet} from './sources/container.js'
import {parseDockerfile} from './sources/dockerfile.js'

export interface LintLabelsOptions {
  /**
   * Compose files (-f): one project, merged in order as `docker compose -f a -f b` does. When none are
   * given and nothing else is asked: COMPOSE_FILE, else the current directory's default compose file.
   */
  composeFiles?: string[]
  /** Several compose projects, each a list of files merged in order (validate: one per directory). */
  composeProjects?: string[][]
  /** Enabled compose profiles (--profile); default: COMPOSE_PROFILES. */
  profiles?: string[]
  /** Dockerfiles (--dockerfile). */
  dockerfiles?: string[]
  /** Live containers (--docker): called once; a SourceUnreachableError makes the result partial. */
  containers?: () => Promise<DockerContainer[]>
  /** --env-file values for compose interpolation (the environment wins over them, as in compose). */
  envFiles?: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  labelPrefix?: string
  /** Swarm mode: deploy.labels is the right place for gateway labels (the warning turns around). */
  swarm?: boolean
  /** Severity overrides, applied in order (`.mcp.yaml` rules, then --rule). */
  overrides?: (RuleOverrides | undefined)[]
}

export interface LintLabelsResult {
  findings: Finding[]
  /** Every rule lint-labels knows (SARIF's rule table, --rule validation). */
  rules: RuleMeta[]
  /** What was checked: files (compose and Dockerfiles) and how many containers. */
  checked: {files: string[]; containers: number}
  /** A source asked for that did not answer (Docker with --docker): the result is partial. */
  unreachable?: SourceUnreachableError
  /** Inputs read only in part (a remote include, an inline Dockerfile): one line each, for stderr. */
  warnings: string[]
}

/** Every rule id lint-labels can report, including input-error. */
export const LINT_LABELS_RULES: RuleMeta[] = [
  ...LABEL_RULE_META,
  {
    id: INPUT_ERROR_RULE,
    severity: 'error',
    description: 'A file that cannot be read or parsed (exit code 3)',
    docs: docsUrl('rules.md', INPUT_ERROR_RULE),
  },
  unusedSuppressionMeta('rules.md'),
]

/** The default compose file of a directory and its override, as `docker compose` finds them. */
export function findComposeFiles(cwd: string): string[] {
  const base = COMPOSE_FILE_NAMES.find((n) => existsSync(join(cwd, n)))
  if (!base) return []
  const override = COMPOSE_OVERRIDE_NAMES.find((n) => existsSync(join(cwd, n)))
  return override ? [base, override] : [base]
}

/** An InputError about one file as an `input-error` finding (shared with lint-config). */
export {inputErrorFinding} from '../report/findings/input-error.js'

/**
 * Check gateway labels wherever they are written: compose files, Dockerfiles and live containers.
 * Files that cannot be read or parsed become `input-error` findings; the others are still checked.
 */
export async function lintLabels(options: LintLabelsOptions): Promise<LintLabelsResult> {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const prefix = options.labelPrefix ?? DEFAULT_LABEL_PREFIX
  const findings: Finding[] = []
  const sets: LabelSet[] = []
  const files: string[] = []

  const warnings: string[] = []
  let composeFiles = options.composeFiles ?? []
  if (
    composeFiles.length === 0 &&
    !options.composeProjects?.length &&
    !options.dockerfiles?.length &&
    !options.containers
  ) {
    composeFiles = composeFileVariable(cwd, env) ?? findComposeFiles(cwd)
    if (composeFiles.length === 0) {
      throw new UsageError(`no compose file in ${cwd} (looked for ${COMPOSE_FILE_NAMES.join(', ')})`, {
        hint: 'name files with -f/--file or --dockerfile, or check live containers with --docker',
      })
    }
  }

  const read = <T>(file: string, parse: (text: string) => T): T | undefined => {
    files.push(file)
    try {
      return parse(readTextDocument(resolveIn(cwd, file)).text)
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      // Findings name files as the user did, not by the resolved path.
      findings.push(inputErrorFinding(renameWhere(error, resolveIn(cwd, file), file), file))
      return undefined
    }
  }

  // A named --env-file that cannot be read stops the command (`mcp: nope.env: no such file`, exit 3),
  // named as the user wrote it: every variable it would have set is unknown.
  for (const f of options.envFiles ?? []) {
    try {
      readTextDocument(resolveIn(cwd, f), {allowEmpty: true})
    } catch (error) {
      throw error instanceof InputError ? renameWhere(error, resolveIn(cwd, f), f) : error
    }
  }

  const projects = [...(composeFiles.length > 0 ? [composeFiles] : []), ...(options.composeProjects ?? [])]
  for (const project of projects) {
    let loaded: ComposeProject
    try {
      loaded = loadComposeProject({files: project, cwd, env, envFiles: options.envFiles, profiles: options.profiles})
      // `-f gateway.yaml` by mistake is not "no problems": a file with no services: is refused.
      for (const file of project)
        if (file !== '-') assertComposeDocument(file, readTextDocument(resolveIn(cwd, file)).text, 0)
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      files.push(...project)
      // Compose refuses the whole project: every file's error is reported, no service is judged.
      for (const e of error instanceof ProjectInputErrors ? error.errors : [error])
        findings.push(inputErrorFinding(e, fileOf(e, project)))
      continue
    }

    files.push(...loaded.files.filter((f) => !files.includes(f)))
    warnings.push(...loaded.warnings)
    for (const service of loaded.services) sets.push(withBuiltImage(service, cwd))
  }

  for (const file of options.dockerfiles ?? []) {
    const set = read(file, (text) => {
      assertDockerfile(file, text)
      return parseDockerfile(file, text)
    })
    if (set) sets.push(set)
  }

  let containers = 0
  let unreachable: SourceUnreachableError | undefined
  if (options.containers) {
    let list: DockerContainer[] = []
    try {
      list = await options.containers()
    } catch (error) {
      if (!(error instanceof SourceUnreachableError)) throw error
      unreachable = error
    }

    // By name, so output and the "first place" of service-conflict do not depend on Docker's list order.
    for (const c of [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const set = containerLabelSet(c)
      if (!carriesPrefix(set, prefix)) continue
      containers++
      sets.push(set)
    }
  }

  findings.push(...checkLabelSets(sets, prefix, {swarm: options.swarm}))
  return {
    findings: applyOverrides(
      suppressInFiles(dedupe(findings), files, options.dockerfiles ?? [], cwd),
      ...(options.overrides ?? []),
    ),
    rules: LINT_LABELS_RULES,
    checked: {files, containers},
    warnings,
    ...(unreachable ? {unreachable} : {}),
  }
}

/**
 * `# mcp-ignore: rule-id reason` in the files checked and the Dockerfiles the findings point into (a
 * service's build: Dockerfile too). Each file is read again: it is in the page cache, and the
 * readers stay as they are.
 */
function suppressInFiles(findings: Finding[], files: string[], dockerfiles: string[], cwd: string): Finding[] {
  const inFindings = findings.flatMap((f) => (f.location?.kind === 'file' ? [f.location.file] : []))
  const known = LINT_LABELS_RULES.map((r) => r.id)
  let out = findings
  for (const file of new Set([...files, ...inFindings])) {
    if (file === '-') continue
    let text: string
    try {
      text = readTextDocument(resolveIn(cwd, file)).text
    } catch {
      continue // reported already as an input-error
    }

    const style =
      dockerfiles.includes(file) || /(^|[/\\])(Dockerfile[^/\\]*|[^/\\]+\.Dockerfile)$/i.test(file)
        ? 'dockerfile'
        : 'yaml'
    out = applySuppressions(out, file, text, style, known)
  }

  return out
}

/** Run every rule over the sets: each set alone, then all together. */
export function checkLabelSets(
  sets: LabelSet[],
  prefix = DEFAULT_LABEL_PREFIX,
  options: {swarm?: boolean} = {},
): Finding[] {
  const ctx = ruleContext(prefix, options)
  const out: Finding[] = []
  for (const set of sets) for (const rule of LABEL_RULES) if (isSetRule(rule)) out.push(...rule.check(set, ctx))
  for (const rule of LABEL_RULES) if (!isSetRule(rule)) out.push(...rule.check(sets, ctx))
  return dedupe(out)
}

/**
 * The label findings for one live container (doctor's LABEL_INVALID uses this): every per-set rule,
 * with severity overrides applied. Containers without gateway labels have none.
 */
export function checkContainerLabels(
  container: DockerContainer,
  options: {labelPrefix?: string; overrides?: (RuleOverrides | undefined)[]} = {},
): Finding[] {
  const prefix = options.labelPrefix ?? DEFAULT_LABEL_PREFIX
  const set = containerLabelSet(container)
  if (!carriesPrefix(set, prefix)) return []
  const ctx = ruleContext(prefix)
  const findings = LABEL_RULES.flatMap((rule) => (isSetRule(rule) ? rule.check(set, ctx) : []))
  return applyOverrides(findings, ...(options.overrides ?? []))
}

/**
 * COMPOSE_FILE (from the environment, else the working directory's .env), split on
 * COMPOSE_PATH_SEPARATOR (default `:`), as docker compose reads it when no -f is given.
 */
function composeFileVariable(cwd: string, env: NodeJS.ProcessEnv): string[] | undefined {
  let value = env.COMPOSE_FILE
  let separator = env.COMPOSE_PATH_SEPARATOR
  const dotEnv = join(cwd, '.env')
  if ((value === undefined || separator === undefined) && existsSync(dotEnv)) {
    const fromFile = parseEnvFile(dotEnv, env)
    value ??= fromFile.COMPOSE_FILE
    separator ??= fromFile.COMPOSE_PATH_SEPARATOR
  }

  const files = (value ?? '').split(separator || ':').filter(Boolean)
  return files.length > 0 ? files : undefined
}

/** The file an error is about: the one its `where` names, else the project's first. */
function fileOf(error: InputError, project: string[]): string {
  return (
    project.find((f) => error.where === f || error.where?.startsWith(`${f}:`)) ??
    error.where?.replace(/:\d+:\d+$/, '') ??
    project[0]!
  )
}

/**
 * A service that builds its image carries the Dockerfile's LABELs (under its own labels) and
 * EXPOSEs. A Dockerfile that cannot be read is left to `docker compose build` to report.
 */
function withBuiltImage(service: ComposeService, cwd: string): LabelSet {
  const {set} = service
  if (!service.dockerfile) return set
  let image: LabelSet
  try {
    image = parseDockerfile(service.dockerfile, readTextDocument(resolveIn(cwd, service.dockerfile)).text)
  } catch {
    return set
  }

  return {
    ...set,
    labels: [...image.labels, ...set.labels],
    ports: set.portsNotApplicable ? set.ports : [...(set.ports ?? []), ...(image.ports ?? [])],
    portsDynamic: set.portsDynamic || image.portsDynamic,
  }
}

function resolveIn(cwd: string, file: string): string {
  return file === '-' ? file : resolve(cwd, file)
}

/** Re-point an error's `where` from the resolved path to the path as the user wrote it. */
function renameWhere(error: InputError, resolved: string, written: string): InputError {
  if (!error.where?.startsWith(resolved) || resolved === written) return error
  return new InputError(error.message, {where: written + error.where.slice(resolved.length), hint: error.hint})
}

/** One finding per rule, place and message (a Dockerfile reached twice reports once). */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>()
  return findings.filter((f) => {
    const key = `${f.ruleId}\0${locationText(f.location)}\0${f.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
