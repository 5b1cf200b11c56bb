import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {buildCheckReport, CheckJson, checkJson} from '../cli/check-report.js'
import {checkFlags, connectionFlags} from '../cli/flags.js'
import {findTargets, VALIDATE_RULES, validateProject, ValidateTargets} from '../validate/index.js'
import {visible} from './lint-labels.js'

export default class Validate extends BaseCommand<typeof Validate> {
  static override summary =
    'The CI step: lint-labels on compose files and Dockerfiles, lint-config on the gateway config, one report'
  static override description = `PATHS are files or directories (default: the current directory). Directories are searched recursively (node_modules, .git, vendor and dist skipped) for compose files (compose.yaml, docker-compose.yml, compose.*.yaml ...), Dockerfiles (Dockerfile, Dockerfile.*, *.Dockerfile) and gateway configs (gateway.yaml, gateway.yml, gateway.json, gateway.*.yaml). A named file is checked by its name; an unrecognised name is read as a gateway config. Compose labels are checked under the gateway config's discovery.labelPrefix unless --label-prefix says otherwise.

\`mcp rules\` lists the rules (labels and config). Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage (nothing found to check), 3 a file could not be read or parsed (the other files are still checked).`
  static override examples = [
    '<%= config.bin %> validate',
    '<%= config.bin %> validate deploy/ --format github',
    '<%= config.bin %> validate --config gateway.yaml --compose compose.yaml --format sarif > mcp.sarif',
  ]
  static override strict = false
  static override args = {paths: Args.string({description: 'Files or directories to check (default: .)'})}
  static override flags = {
    ...checkFlags,
    config: Flags.string({description: 'Gateway config file (repeatable)', multiple: true, multipleNonGreedy: true}),
    compose: Flags.string({
      char: 'f',
      description: "Compose file (repeatable; one directory's files merge like docker compose -f)",
      multiple: true,
      multipleNonGreedy: true,
    }),
    dockerfile: Flags.string({description: 'Dockerfile (repeatable)', multiple: true, multipleNonGreedy: true}),
    'env-file': Flags.string({
      description: 'Variables for ${VAR} in compose files and configs (repeatable; the environment wins)',
      multiple: true,
      multipleNonGreedy: true,
    }),
    'label-prefix': connectionFlags['label-prefix'],
    'compose-profile': Flags.string({
      description:
        'Compose profile to enable, like docker compose --profile (repeatable; default: COMPOSE_PROFILES); services of other profiles are not checked',
      multiple: true,
      multipleNonGreedy: true,
    }),
  }

  async run(): Promise<CheckJson<{checked: ValidateTargets}>> {
    const {flags, positionals: paths} = this
    const named = Boolean(flags.config?.length || flags.compose?.length || flags.dockerfile?.length)
    const found = findTargets(paths.length > 0 || named ? paths : ['.'])
    const targets = {
      compose: [...(flags.compose ?? []), ...found.compose],
      dockerfiles: [...(flags.dockerfile ?? []), ...found.dockerfiles],
      configs: [...(flags.config ?? []), ...found.configs],
    }
    const result = await validateProject({
      ...targets,
      envFiles: flags['env-file'],
      profiles: flags['compose-profile'],
      labelPrefix: flags['label-prefix'],
    })
    for (const line of result.warnings) this.warnLine(`mcp: warning: ${visible(line)}`)
    const report = await buildCheckReport(result.findings, flags, {
      command: 'validate',
      rules: VALIDATE_RULES,
      toolVersion: this.config.version,
      color: this.color,
    })
    process.exitCode = report.exitCode
    if (report.overLimit) this.warnLine(`mcp: ${report.overLimit}`)
    this.print(report.output)
    return checkJson(report.findings, {checked: result.checked})
  }
}
