import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {checkFlags, dockerConnectionFlags} from '../cli/flags.js'
import {resolveConnections} from '../core/connections.js'
import {InputError} from '../core/errors.js'
import {ExitCode, worstExitCode} from '../core/exit-codes.js'
import {loadProjectConfig} from '../core/project-config.js'
import {redact} from '../core/redact.js'
import {LINT_LABELS_RULES, lintLabels} from '../labels/index.js'
import {liveContainers} from '../labels/sources/live.js'
import {
  exitCodeForFindings,
  FailPolicy,
  Finding,
  formatFindings,
  parseRuleFlags,
  RuleOverrides,
  sortFindings,
  summarize,
  Summary,
  tooManyWarnings,
} from '../report/findings/index.js'

export default class LintLabels extends BaseCommand<typeof LintLabels> {
  static override summary = 'Check gateway labels in compose files, Dockerfiles and live containers'
  static override description = `Checks the mcp.service.name / mcp.service.port / mcp.health.path conventions (and the optional typed keys; the prefix follows --label-prefix) wherever labels are written. With no file and no --docker, reads the compose file in the current directory (compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml). Rules and their ids: mcp rules, mcp rules ID.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above --fail-on, or more warnings than --max-warnings; 2 bad flags; 3 a file could not be read or parsed (the others are still checked); 4 --docker did not answer but files were checked; 5 --docker did not answer and nothing else was checked.`
  static override examples = [
    '<%= config.bin %> lint-labels',
    '<%= config.bin %> lint-labels -f compose.yaml -f compose.prod.yaml --env-file .env.prod',
    '<%= config.bin %> lint-labels --dockerfile Dockerfile --format github',
    '<%= config.bin %> lint-labels --docker --rule health-path-missing=off --format sarif > labels.sarif',
  ]
  static override flags = {
    ...dockerConnectionFlags,
    ...checkFlags,
    file: Flags.string({
      char: 'f',
      description:
        'Compose file to check (repeatable; the files are one project, merged like docker compose -f; default: COMPOSE_FILE)',
      multiple: true,
    }),
    dockerfile: Flags.string({description: 'Dockerfile to check (repeatable)', multiple: true}),
    docker: Flags.boolean({
      description: 'Check the labels of live containers (the same connection options as discover)',
    }),
    all: Flags.boolean({char: 'a', description: 'With --docker, include stopped containers (like docker ps -a)'}),
    swarm: Flags.boolean({
      description:
        'Swarm mode: gateway labels belong under deploy.labels (the deploy-labels-only warning turns around)',
    }),
    'env-file': Flags.string({
      description:
        "Variables for ${VAR} in compose files (repeatable; default: the project's .env; the environment wins)",
      multiple: true,
    }),
    'compose-profile': Flags.string({
      description:
        'Compose profile to enable, like docker compose --profile (repeatable; default: COMPOSE_PROFILES); services of other profiles are not checked',
      multiple: true,
    }),
  }

  async run(): Promise<{findings: Finding[]; summary: Summary}> {
    const {flags} = this
    const config = await loadProjectConfig()
    const connections = resolveConnections(flags, process.env, config)
    const overrides: RuleOverrides[] = [
      configRules(config.rules, config.files.at(-1)),
      parseRuleFlags(
        flags.rule,
        LINT_LABELS_RULES.map((r) => r.id),
      ),
    ]
    const result = await lintLabels({
      composeFiles: flags.file,
      dockerfiles: flags.dockerfile,
      envFiles: flags['env-file'],
      profiles: flags['compose-profile'],
      labelPrefix: connections.labelPrefix,
      swarm: flags.swarm,
      overrides,
      containers: flags.docker ? () => liveContainers(connections, {all: flags.all}) : undefined,
    })
    const {findings} = result
    for (const line of result.warnings) this.warnLine(`mcp: warning: ${visible(line)}`)
    const policy: FailPolicy = {failOn: flags['fail-on'], maxWarnings: flags['max-warnings']}
    let exitCode = exitCodeForFindings(findings, policy)
    if (result.unreachable) {
      this.warnLine(`mcp: ${result.unreachable.line}`)
      if (result.unreachable.hint) this.warnLine(`  hint: ${result.unreachable.hint}`)
      const checkedSomething = result.checked.files.length > 0
      exitCode = worstExitCode(exitCode, checkedSomething ? ExitCode.PARTIAL : ExitCode.UNREACHABLE)
    }

    // "no problems" would be a lie when the only source asked did not answer.
    const nothingChecked =
      result.unreachable !== undefined && result.checked.files.length === 0 && flags.format === 'stylish'
    if (!this.jsonEnabled() && !nothingChecked) {
      const text = formatFindings(findings, flags.format, {
        toolName: 'mcp',
        toolVersion: this.config.version,
        command: 'lint-labels',
        rules: result.rules,
        color: this.color,
      })
      this.print(redact(text))
    }

    const overLimit = tooManyWarnings(findings, policy.maxWarnings)
    if (overLimit) this.warnLine(`mcp: ${overLimit}`)
    process.exitCode = exitCode
    return {findings: sortFindings(findings), summary: summarize(findings)}
  }
}

/** Control characters from a file shown as \\xNN, never raw on the terminal. */
export function visible(text: string): string {
  return text.replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

const LEVELS = new Set(['off', 'info', 'warning', 'error'])

/**
 * `.mcp.yaml` `rules:` (id: off|info|warning|error). Other commands' rule ids share the map, so an
 * unknown id is not an error here; a bad level is.
 */
function configRules(rules: Record<string, unknown> | undefined, file: string | undefined): RuleOverrides {
  const out: RuleOverrides = {}
  if (rules === undefined || rules === null) return out
  if (typeof rules !== 'object' || Array.isArray(rules)) {
    throw new InputError('rules: expected a mapping of rule id to off|info|warning|error', {where: file})
  }

  for (const [id, level] of Object.entries(rules)) {
    const setting = level === false ? 'off' : String(level)
    if (!LEVELS.has(setting)) {
      throw new InputError(`rules.${id}: ${JSON.stringify(level)} is not off, info, warning or error`, {
        where: file,
        hint: 'e.g. rules: {health-path-missing: off}',
      })
    }

    out[id] = setting as RuleOverrides[string]
  }

  return out
}
