import * as Flags from '@oclif/core/flags'

import type {ServiceView} from '../model/types.js'

import {BaseCommand} from '../cli/base-command.js'
import {connectionFlags, serviceFlag, sourceFlag, watchFlag} from '../cli/flags.js'
import {resolveConnections} from '../core/connections.js'
import {loadProjectConfig} from '../core/project-config.js'
import {renderView, sourceWarnings} from '../discover/render.js'
import {buildServiceView} from '../discover/view.js'

export default class Discover extends BaseCommand<typeof Discover> {
  static override summary = 'Show every instance Docker runs and every registration etcd and Consul hold, side by side'
  static override description = `Groups by service: the address a gateway would use (and why), Docker state and health, the etcd key with its lease TTL, the Consul check status. "Running but not registered" and "registered but not running" show at a glance.

Exit codes: 0 every source answered, 4 some source did not (the view is partial), 5 none did, 2 bad flags.`
  static override examples = [
    '<%= config.bin %> discover',
    '<%= config.bin %> discover --service user-api --probe',
    '<%= config.bin %> discover --source docker,etcd --etcd-endpoints 10.0.0.5:2379 --json',
    '<%= config.bin %> discover --watch',
    '<%= config.bin %> discover -o wide',
    String.raw`<%= config.bin %> discover --format 'table {{.Service}}\t{{.Address}}\t{{.Etcd}}'`,
  ]
  static override flags = {
    ...connectionFlags,
    ...sourceFlag,
    ...serviceFlag,
    ...watchFlag,
    all: Flags.boolean({char: 'a', description: 'Include stopped containers (like docker ps -a)'}),
    probe: Flags.boolean({
      description: 'GET each health path through a loopback-published port (never other addresses)',
    }),
    format: Flags.string({
      char: 'o',
      description: String.raw`table (default), wide (also image, networks, etcd key), or a docker-style template: '{{.Service}} {{.Address}}', 'table {{.Instance}}\t{{.Etcd}}' (fields: .Service .Instance .Address .Reason .Docker .Etcd .Consul .Probe .Container .ID .Image .State .Health .Networks .Ports .Key .TTL .Match .Unknown; {{json .}})`,
      exclusive: ['watch'],
    }),
    'probe-any': Flags.boolean({
      description:
        'Also probe the address a gateway would use when no loopback port is published (sends traffic to container/host IPs)',
    }),
  }

  async run(): Promise<ServiceView | void> {
    const {flags} = this
    const connections = resolveConnections(flags, process.env, await loadProjectConfig())
    const options = {
      services: flags.service,
      all: flags.all,
      probe: flags['probe-any'] ? ('any' as const) : flags.probe ? ('loopback' as const) : (false as const),
    }
    if (flags.watch) {
      const {watchView} = await import('../discover/watch.js')
      process.exitCode = await watchView(connections, options, {
        color: this.color,
        json: this.jsonEnabled(),
        // Streamed, not this.log: under --json these are JSON lines as they happen, which this.log would drop.
        out: (line) => process.stdout.write(line + '\n'),
        warn: (line) => this.warnLine(line),
      })
      return
    }

    const format = flags.format ?? 'table'
    // A bad template is known before any source is asked.
    const {renderTemplate} =
      format === 'table' || format === 'wide' ? {renderTemplate: undefined} : await import('../discover/template.js')
    renderTemplate?.({services: [], sources: [], unnamed: [], takenAt: ''}, format)
    const {view, exitCode} = await buildServiceView(connections, options)
    for (const w of sourceWarnings(view)) this.warnLine(w)
    if (!this.jsonEnabled()) {
      this.print(
        renderTemplate
          ? renderTemplate(view, format)
          : renderView(view, {
              color: this.color,
              sources: connections.sources,
              probed: Boolean(options.probe),
              wide: format === 'wide',
            }),
      )
    }

    process.exitCode = exitCode
    return view
  }
}
