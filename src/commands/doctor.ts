import * as Flags from '@oclif/core/flags'

import {BaseCommand} from '../cli/base-command.js'
import {checkFlags, connectionFlags, durationFlag, serviceFlag, sourceFlag, watchFlag} from '../cli/flags.js'
import {resolveConnections} from '../core/connections.js'
import {UsageError} from '../core/errors.js'
import {worstExitCode} from '../core/exit-codes.js'
import {loadProjectConfig} from '../core/project-config.js'
import {DOCTOR_CODES} from '../doctor/codes.js'
import {DoctorJson, doctorJson, doctorNotes} from '../doctor/output.js'
import {DOCTOR_RULES, parseCodeList, runDoctor} from '../doctor/run.js'
import {
  applyOverrides,
  exitCodeForFindings,
  FailPolicy,
  Finding,
  formatFindings,
  parseRuleFlags,
  RuleOverrides,
  tooManyWarnings,
} from '../report/findings/index.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = "Find the gateway's known failure modes on a live host: codes, evidence and what to do"
  static override description = `Builds discover's merged view (Docker, etcd, Consul) and checks it: unregistered containers, stale registrations, wrong addresses, registered-but-not-ready instances, label drift, missing leases, ambiguous networks, name conflicts, invalid labels, critical Consul checks, and (with --watch) registrations that appear before their container is ready. Healthy instances produce no findings; a source that does not answer is itself a finding and the checks that need it are skipped. Codes and what to do about each: mcp rules, mcp rules CODE.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it (or more than --max-warnings warnings), 4 some source did not answer, 5 none did, 2 bad flags.`
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --service user-api --only WRONG_ADDRESS,STALE_REGISTRATION',
    '<%= config.bin %> doctor --format sarif > doctor.sarif',
    '<%= config.bin %> doctor --grace 0s --fail-on warning --json',
    '<%= config.bin %> doctor --watch',
  ]
  static override flags = {
    ...connectionFlags,
    ...sourceFlag,
    ...serviceFlag,
    ...watchFlag,
    ...checkFlags,
    only: Flags.string({description: 'Run only these checks: comma list of codes (repeatable)', multiple: true}),
    ignore: Flags.string({description: 'Leave these checks out: comma list of codes (repeatable)', multiple: true}),
    grace: durationFlag({
      description: 'UNREGISTERED: how long a container may run before it must be registered',
      default: '30s',
      allowZero: true,
    }),
    'max-ttl': durationFlag({description: 'LONG_TTL: the longest acceptable lease TTL', default: '60s'}),
    probe: Flags.boolean({
      description:
        'NOT_READY: GET health paths of registered instances through loopback-published ports (--no-probe: trust Docker health only)',
      default: true,
      allowNo: true,
    }),
    'probe-any': Flags.boolean({
      description:
        'Also probe the address a gateway would use when no loopback port is published (sends traffic to container/host IPs)',
    }),
  }

  async run(): Promise<DoctorJson | void> {
    const {flags} = this
    const config = await loadProjectConfig()
    const connections = resolveConnections(flags, process.env, config)
    const only = parseCodeList('only', flags.only)
    const ignore = parseCodeList('ignore', flags.ignore)
    const graceMs = flags.grace
    const maxTtlSeconds = flags['max-ttl'] / 1000
    const codes = new Set<string>(DOCTOR_CODES)
    const overrides: (RuleOverrides | undefined)[] = [
      projectOverrides(config.rules, (id) => codes.has(id)),
      parseRuleFlags(flags.rule, DOCTOR_CODES),
    ]
    const policy: FailPolicy = {failOn: flags['fail-on'], maxWarnings: flags['max-warnings']}
    const probe = flags['probe-any'] ? ('any' as const) : flags.probe ? ('loopback' as const) : (false as const)
    const options = {
      services: flags.service,
      only,
      ignore,
      graceMs,
      maxTtlSeconds,
      probe,
      lintOverrides: [projectOverrides(config.rules, (id) => !codes.has(id))],
    }
    const render = (findings: Finding[]) =>
      formatFindings(findings, flags.format, {
        toolName: 'mcp',
        toolVersion: this.config.version,
        command: 'doctor',
        rules: DOCTOR_RULES,
        color: this.color,
      })

    if (flags.watch) {
      const jsonLines = this.jsonEnabled() || flags.format === 'json'
      if (flags.format !== 'stylish' && !jsonLines) {
        throw new UsageError(
          `--watch prints findings as they happen: --format ${flags.format} is not available with it`,
          {hint: 'use --watch alone (text) or --watch --json (JSON lines)'},
        )
      }

      const {watchDoctor} = await import('../doctor/watch.js')
      process.exitCode = await watchDoctor(
        connections,
        {...options, policy, overrides},
        {
          color: this.color,
          json: jsonLines,
          // Streamed, not this.log: under --json these are JSON lines as they happen, which this.log would drop.
          out: (line) => process.stdout.write(line + '\n'),
          warn: (line) => this.warnLine(line),
          snapshot: render,
        },
      )
      return
    }

    const result = await runDoctor(connections, options)
    const findings = applyOverrides(result.findings, ...overrides)
    const exitCode = worstExitCode(exitCodeForFindings(findings, policy), result.sourceExitCode)
    for (const note of doctorNotes(result, flags.service)) this.warnLine(note)
    const overLimit = tooManyWarnings(findings, policy.maxWarnings)
    if (overLimit) this.warnLine(`mcp: ${overLimit}`)
    const json = doctorJson(result, findings, exitCode)
    // --format json is the same document as --json (codes, not rule ids), as lint-labels does.
    if (!this.jsonEnabled())
      this.print(flags.format === 'json' ? JSON.stringify(json, null, 2) + '\n' : render(findings))
    process.exitCode = exitCode
    return json
  }
}

/** `.mcp.yaml` `rules:` entries: doctor codes for the findings, lint-labels rule ids for LABEL_INVALID. */
function projectOverrides(
  rules: Record<string, string> | undefined,
  wanted: (id: string) => boolean,
): RuleOverrides | undefined {
  if (!rules) return undefined
  const entries = Object.entries(rules).filter(
    ([id, v]) => wanted(id) && ['error', 'info', 'off', 'warning'].includes(v),
  )
  return Object.fromEntries(entries) as RuleOverrides
}
