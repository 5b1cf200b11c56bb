import * as Flags from '@oclif/core/flags'

import type {RuleOverrides} from '../report/findings/policy.js'

import {BaseCommand} from '../cli/base-command.js'
import {connectionFlags, durationFlag, serviceFlag, watchFlag} from '../cli/flags.js'
import {resolveConnections} from '../core/connections.js'
import {formatDuration} from '../core/duration.js'
import {UsageError} from '../core/errors.js'
import {loadProjectConfig} from '../core/project-config.js'
import {defaultOwner, SyncOptions} from '../sync/engine.js'
import {READY_MODES} from '../sync/readiness.js'
import {renderSyncReport} from '../sync/render.js'
import {syncOnce, SyncReport} from '../sync/run.js'
import {openStore} from '../sync/stores.js'

export default class Sync extends BaseCommand<typeof Sync> {
  static override summary =
    'Register what Docker runs in etcd or Consul: once (plan and apply), or as an agent following Docker events'
  static override description = `Desired: every running container with valid labels (lint-labels' errors skip it), at the address \
discover and doctor choose (an ambiguous one is not registered), once it is ready (Docker health, or a 2xx from its health path). \
The difference with the registry is applied: add, update, remove — only entries this agent owns (registeredBy); other owners' \
stale entries are reported, removed only with --prune-foreign. --dry-run prints the plan. --watch runs the agent: Docker events \
reconcile one container at a time, a full resync every --resync, entries on one lease kept alive (SIGTERM revokes it). docs/sync.md.

Exit codes: 0 done (or nothing to do), 4 some writes failed, 5 Docker or the registry did not answer (nothing written), 2 bad flags.`
  static override examples = [
    '<%= config.bin %> sync --dry-run',
    '<%= config.bin %> sync --json',
    '<%= config.bin %> sync --watch --listen 127.0.0.1:9109',
    '<%= config.bin %> sync --registry consul --consul-addr http://127.0.0.1:8500',
  ]
  static override flags = {
    ...connectionFlags,
    ...serviceFlag,
    ...watchFlag,
    'dry-run': Flags.boolean({
      description: 'Print the plan (add / update / remove, each with its reason) and change nothing',
      exclusive: ['watch'],
    }),
    registry: Flags.option({description: 'Where to register', options: ['etcd', 'consul'] as const, default: 'etcd'})(),
    ready: Flags.option({
      description:
        'When a container is ready: auto (Docker health with a HEALTHCHECK, else HTTP), docker-health, http (GET the health path), none',
      options: READY_MODES,
      default: 'auto',
    })(),
    'ready-timeout': durationFlag({description: 'Timeout of one HTTP readiness check', default: '2s'}),
    'unhealthy-threshold': Flags.integer({
      description: '--watch: failed HTTP checks in a row before a registered container is removed',
      default: 3,
      min: 1,
    }),
    ttl: durationFlag({
      description:
        "etcd lease TTL for this agent's entries (default 15s with --watch; none for a one-shot run: it cannot keep one alive)",
      allowZero: true,
    }),
    'value-format': Flags.option({
      description: "etcd value: json (docs/json.md) or plain host:port (registrator's etcd backend)",
      options: ['json', 'plain'] as const,
      default: 'json',
    })(),
    owner: Flags.string({
      description: "This agent's name in registeredBy (default: MCP_SYNC_OWNER, then the host name)",
    }),
    'prune-foreign': Flags.boolean({description: 'Also remove stale entries written by other owners'}),
    'advertise-address': Flags.string({
      description:
        "Address registered for ports published on 0.0.0.0 / :: (default: the Docker host's, 127.0.0.1 for a local socket)",
    }),
    resync: durationFlag({description: '--watch: full resync this often', default: '30s'}),
    'check-interval': durationFlag({
      description: '--watch: how often containers without a HEALTHCHECK are checked over HTTP',
      default: '5s',
    }),
    listen: Flags.string({
      description: '--watch: serve /healthz and Prometheus /metrics on this address (127.0.0.1:PORT)',
    }),
  }

  async run(): Promise<SyncReport | void> {
    const {flags} = this
    const config = await loadProjectConfig()
    const connections = resolveConnections(flags, process.env, config)
    const ttlMs = flags.ttl ?? (flags.watch ? 15_000 : 0)
    if (ttlMs > 0 && ttlMs < 2000) {
      throw new UsageError(`--ttl ${formatDuration(ttlMs)} is too short`, {
        hint: 'etcd leases count in whole seconds; use 2s or more (default 15s)',
      })
    }

    if (flags.registry === 'consul' && !connections.consul) {
      throw new UsageError('--registry consul needs a Consul address', {hint: 'set --consul-addr or CONSUL_HTTP_ADDR'})
    }

    const options: SyncOptions = {
      ready: flags.ready,
      readyTimeoutMs: flags['ready-timeout'],
      unhealthyThreshold: flags['unhealthy-threshold'],
      valueFormat: flags['value-format'],
      owner: flags.owner || defaultOwner(),
      pruneForeign: flags['prune-foreign'],
      advertiseAddress: flags['advertise-address'],
      lintOverrides: [lintOverrides(config.rules)],
      services: flags.service,
    }
    const {registry} = flags
    if (flags.watch) {
      const {runAgent} = await import('../sync/agent.js')
      process.exitCode = await runAgent(
        connections,
        {
          ...options,
          registry,
          ttlSeconds: Math.round(ttlMs / 1000),
          resyncMs: flags.resync,
          checkIntervalMs: flags['check-interval'],
          listen: flags.listen,
        },
        {
          json: this.jsonEnabled(),
          color: this.color,
          // Streamed, not this.log: under --json these are JSON lines as they happen, which this.log would drop.
          out: (line) => process.stdout.write(line + '\n'),
          warn: (line) => this.warnLine(line),
        },
      )
      return
    }

    const store = openStore(registry, connections, Math.round(ttlMs / 1000), options.owner)
    const {report, exitCode} = await syncOnce(connections, {...options, dryRun: flags['dry-run']}, store)
    if (!this.jsonEnabled()) this.print(renderSyncReport(report, this.color))
    process.exitCode = exitCode
    return report
  }
}

/** `.mcp.yaml` `rules:` settings, for lint-labels' rules (other ids match no finding). */
function lintOverrides(rules: Record<string, string> | undefined): RuleOverrides | undefined {
  if (!rules) return undefined
  return Object.fromEntries(
    Object.entries(rules).filter(([, v]) => ['error', 'info', 'off', 'warning'].includes(v)),
  ) as RuleOverrides
}
