import {statSync} from 'node:fs'
import {basename, dirname, isAbsolute, relative, resolve} from 'node:path'
import {globSync} from 'tinyglobby'

import {CONFIG_RULE_METAS, lintConfigFiles, loadVariables} from '../config/index.js'
import {isObject, section} from '../config/types.js'
import {InputError, UsageError} from '../core/errors.js'
import {LINT_LABELS_RULES, lintLabels} from '../labels/index.js'
import {Finding, INPUT_ERROR_RULE, RuleMeta} from '../report/findings/index.js'

export type FileKind = 'compose' | 'dockerfile' | 'config'

export interface ValidateTargets {
  compose: string[]
  dockerfiles: string[]
  configs: string[]
}

const COMPOSE_RE = /^(docker-)?compose(\.[\w.-]+)?\.ya?ml$/i
const DOCKERFILE_RE = /^(Dockerfile(\.[\w.-]+)?|[\w.-]+\.Dockerfile)$/i
const CONFIG_RE = /^(gateway|mcp-gateway)(\.[\w-]+)?\.(ya?ml|json)$/i

/** What a file is, by its name (as docker compose, hadolint and the gateway name them), else undefined. */
export function kindByName(file: string): FileKind | undefined {
  const name = basename(file)
  if (COMPOSE_RE.test(name)) return 'compose'
  if (DOCKERFILE_RE.test(name)) return 'dockerfile'
  if (CONFIG_RE.test(name)) return 'config'
  return undefined
}

// Directories never searched: dependencies and VCS data hold other people's files.
const IGNORE = ['**/node_modules/**', '**/.git/**', '**/vendor/**', '**/dist/**']

/**
 * The files to validate: named files by their name (an unrecognised name counts as a gateway config),
 * directories searched recursively for compose files, Dockerfiles and gateway configs.
 */
export function findTargets(paths: string[], cwd = process.cwd()): ValidateTargets {
  const out: ValidateTargets = {compose: [], dockerfiles: [], configs: []}
  const add = (file: string, kind: FileKind) => {
    const list = kind === 'compose' ? out.compose : kind === 'dockerfile' ? out.dockerfiles : out.configs
    if (!list.includes(file)) list.push(file)
  }

  for (const path of paths) {
    let isDir = false
    try {
      isDir = statSync(resolve(cwd, path)).isDirectory()
    } catch {
      // A missing file is reported as that file's input-error by the linter that reads it.
    }

    if (!isDir) {
      add(path, kindByName(path) ?? 'config')
      continue
    }

    const found = globSync(['**/*'], {cwd: resolve(cwd, path), ignore: IGNORE, onlyFiles: true, dot: false})
    for (const file of found.sort()) {
      const kind = kindByName(file)
      if (!kind) continue
      const full = resolve(cwd, path, file)
      // As the user named it: relative under the working directory, absolute when they gave it so.
      const shown = isAbsolute(path) ? full : relative(cwd, full)
      add(shown, kind)
    }
  }

  return out
}

export interface ValidateOptions extends ValidateTargets {
  envFiles?: string[]
  /** Enabled compose profiles (--profile); default: COMPOSE_PROFILES. */
  profiles?: string[]
  /** The label prefix for lint-labels; default: the gateway config's discovery.labelPrefix, else mcp. */
  labelPrefix?: string
  cwd?: string
  env?: NodeJS.ProcessEnv
}

export interface ValidateResult {
  findings: Finding[]
  rules: RuleMeta[]
  checked: ValidateTargets
  /** Inputs read only in part: one line each, for stderr. */
  warnings: string[]
}

/** Every rule validate can report: lint-labels' then lint-config's (ids both use, such as unknown-key, once). */
export const VALIDATE_RULES: RuleMeta[] = (() => {
  const seen = new Set<string>()
  return [...LINT_LABELS_RULES, ...CONFIG_RULE_METAS].filter((r) => !seen.has(r.id) && seen.add(r.id))
})()

/** lint-labels on the compose files and Dockerfiles, lint-config on the gateway configs: one list of findings. */
export async function validateProject(options: ValidateOptions): Promise<ValidateResult> {
  const {compose, dockerfiles, configs} = options
  if (compose.length + dockerfiles.length + configs.length === 0) {
    throw new UsageError('nothing to validate: no compose file, Dockerfile or gateway config found', {
      hint: 'name files or directories: mcp validate compose.yaml gateway.yaml, or --config/--compose/--dockerfile',
    })
  }

  const configRun = lintConfigFiles(configs, {vars: loadVariables(options.envFiles, options.env ?? process.env)})
  const findings = configRun.results.flatMap((r) => r.findings)
  // The gateway reads labels under its configured prefix: check the compose files with the same one.
  const configured = configRun.results
    .map((r) => (r.source && isObject(r.source.value) ? section(r.source.value, 'discovery').labelPrefix : undefined))
    .find((p) => typeof p === 'string')
  const labelPrefix = options.labelPrefix ?? (configured as string | undefined)
  const warnings: string[] = []
  if (compose.length > 0 || dockerfiles.length > 0) {
    try {
      const labels = await lintLabels({
        composeProjects: byDirectory(compose, options.cwd ?? process.cwd()),
        dockerfiles,
        envFiles: options.envFiles,
        profiles: options.profiles,
        labelPrefix,
        cwd: options.cwd,
        env: options.env,
      })
      findings.push(...labels.findings)
      warnings.push(...labels.warnings)
    } catch (error) {
      // An env file lint-labels cannot read is an input problem of this run, like an unreadable config.
      if (!(error instanceof InputError)) throw error
      findings.push({ruleId: INPUT_ERROR_RULE, severity: 'error', message: error.line, hint: error.hint})
    }
  }

  return {findings, rules: VALIDATE_RULES, checked: {compose, dockerfiles, configs}, warnings}
}

/** Compose files found or named for validate: the files of one directory are one project (base + overrides). */
function byDirectory(files: string[], cwd: string): string[][] {
  const projects = new Map<string, string[]>()
  for (const file of files) {
    const dir = dirname(resolve(cwd, file))
    projects.set(dir, [...(projects.get(dir) ?? []), file])
  }

  return [...projects.values()]
}
