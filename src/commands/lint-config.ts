import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import type {ServiceView} from '../model/types.js'

import {BaseCommand} from '../cli/base-command.js'
import {buildCheckReport, CheckJson, checkJson} from '../cli/check-report.js'
import {checkFlags, connectionFlags, sourceFlag} from '../cli/flags.js'
import {
  CONFIG_RULE_METAS,
  configuredLabelPrefix,
  DEFAULT_CONFIG_NAMES,
  findDefaultConfigs,
  FixedFile,
  lintConfigFiles,
  loadVariables,
} from '../config/index.js'
import {resolveConnections} from '../core/connections.js'
import {UsageError} from '../core/errors.js'
import {ExitCode, worstExitCode} from '../core/exit-codes.js'
import {loadProjectConfig} from '../core/project-config.js'

export default class LintConfig extends BaseCommand<typeof LintConfig> {
  static override summary = 'Check gateway config files against the schema and the rules beyond it'
  // One line per paragraph: oclif wraps to the terminal, and hard-wrapped source text came out ragged.
  static override description = `Reports every problem with file:line:column: schema violations, unknown keys (with did-you-mean), bad durations, health-check and lease timings, route splits, shadowed and duplicate routes, unset \${VAR}s and missing TLS files. \`mcp rules\` lists the rules. With no FILES, reads ${DEFAULT_CONFIG_NAMES.join(', ')} from the current directory; "-" reads standard input.

Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage, 3 a file could not be read or parsed (the other files are still checked), 4 --discover: a source did not answer (the live checks are partial or skipped).`
  static override examples = [
    '<%= config.bin %> lint-config gateway.yaml',
    '<%= config.bin %> lint-config --fix gateway.yaml',
    '<%= config.bin %> lint-config -o sarif gateway.yaml > lint.sarif',
    '<%= config.bin %> lint-config --env-file .env --rule route-shadowed=error gateway.yaml',
    '<%= config.bin %> lint-config --discover gateway.yaml',
  ]
  static override strict = false
  static override args = {files: Args.string({description: 'Config files (YAML or JSON); - for standard input'})}
  static override flags = {
    ...checkFlags,
    fix: Flags.boolean({
      description:
        'Rewrite snake_case keys, loosely spelt durations and allowed values spelt another way (round-robin → round_robin) in place (comments and layout kept), then report what is left',
    }),
    'env-file': Flags.string({
      description: 'Read ${VAR} values from this file (repeatable; the environment wins)',
      multiple: true,
      multipleNonGreedy: true,
    }),
    discover: Flags.boolean({
      description:
        'Also check routes against the live view (mcp discover): services with no instances, split versions no instance carries',
    }),
    ...connectionFlags,
    ...sourceFlag,
  }

  async run(): Promise<CheckJson<{files: string[]; fixed: FixedFile[]}>> {
    const given = this.positionals
    const files = given.length > 0 ? given : findDefaultConfigs()
    if (files.length === 0) {
      throw new UsageError(`no config file given, and no ${DEFAULT_CONFIG_NAMES.join(', ')} here`, {
        hint: 'name the file: mcp lint-config path/to/gateway.yaml',
      })
    }

    if (this.flags.fix && files.includes('-'))
      throw new UsageError('--fix cannot rewrite standard input', {hint: 'name the file instead of -'})
    const vars = loadVariables(this.flags['env-file'])
    let view: ServiceView | undefined
    let sourcesExit: number = ExitCode.OK
    if (this.flags.discover) {
      // Loaded on demand: the Docker/etcd/Consul clients are dear to import (docs/performance.md), a plain lint needs none of them.
      const {buildServiceView} = await import('../discover/view.js')
      const {sourceWarnings} = await import('../discover/render.js')
      // List the containers the gateway would see: under the config's label prefix unless told otherwise.
      const labelPrefix = this.flags['label-prefix'] ?? configuredLabelPrefix(files)
      const built = await buildServiceView(
        resolveConnections({...this.flags, 'label-prefix': labelPrefix}, process.env, await loadProjectConfig()),
      )
      for (const w of sourceWarnings(built.view)) this.warnLine(w)
      // With no source answering, "no instances" would be a lie: the live rules are skipped.
      if (built.view.sources.some((s) => s.ok)) view = built.view
      sourcesExit = built.exitCode === ExitCode.OK ? ExitCode.OK : ExitCode.PARTIAL
    }

    const run = lintConfigFiles(files, {vars, fix: this.flags.fix, view})
    const report = await buildCheckReport(
      run.results.flatMap((r) => r.findings),
      this.flags,
      {command: 'lint-config', rules: CONFIG_RULE_METAS, toolVersion: this.config.version, color: this.color},
    )
    process.exitCode = worstExitCode(report.exitCode, sourcesExit)
    if (report.overLimit) this.warnLine(`mcp: ${report.overLimit}`)
    if (!this.jsonEnabled()) {
      // What --fix changed goes first; to stderr when stdout carries a machine format.
      const fixedLines = run.fixed.flatMap((f) =>
        f.fixes.map((x) => `fixed ${f.file}:${x.line}:${x.column}  ${x.description}  ${x.ruleId}`),
      )
      if (fixedLines.length > 0) {
        const text = fixedLines.join('\n') + '\n'
        if (this.flags.format === 'stylish') this.print(text + '\n')
        else process.stderr.write(text)
      }

      this.print(report.output)
    }

    return checkJson(report.findings, {files, fixed: run.fixed})
  }
}
