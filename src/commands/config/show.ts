import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../cli/base-command.js'
import {connectionFlags, sourceFlag} from '../../cli/flags.js'
import {ProfileShow, showProfile} from '../../core/profiles.js'
import {loadProjectConfig} from '../../core/project-config.js'
import {columns} from '../../core/text-table.js'
import {FORMAT_NAMES} from '../../report/findings/index.js'
import {selectedByText} from './list.js'

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static override summary = 'Show the connection settings a command would use, and where each one came from'
  static override description = `Resolves every connection setting exactly as discover, doctor or loadtest would — flag > environment > profile > default — and names its origin: the flag, the environment variable, the profile key, or the default. Secrets (etcd password, Consul token) are never printed: only where they come from, e.g. [from env PROD_ETCD_PASS] or [from file /run/secrets/etcd]. Files named by TLS settings are checked to exist.

With NAME, shows that profile (as --profile NAME would). Connection flags given here show as "flag".`
  static override examples = [
    '<%= config.bin %> config show',
    '<%= config.bin %> config show prod',
    '<%= config.bin %> config show prod --etcd-endpoints 10.0.0.9:2379',
    '<%= config.bin %> config show --json',
  ]
  static override args = {
    name: Args.string({description: 'Profile to show (default: the current one)'}),
  }
  static override flags = {...connectionFlags, ...sourceFlag}

  async run(): Promise<ProfileShow> {
    const flags = {...this.flags, profile: this.args.name ?? this.flags.profile}
    const shown = showProfile(flags, process.env, await loadProjectConfig(), FORMAT_NAMES)
    if (!this.jsonEnabled()) {
      const p = shown.profile
      this.print(
        p
          ? `profile ${p.name}  (${selectedByText(p)}; defined in ${p.file})\n\n`
          : 'no profile selected: flags, environment and defaults only\n\n',
      )
      const rows = shown.settings.map((s) => [
        s.key,
        s.value ?? '-',
        s.via ? `${s.from} (${s.via})` : s.from,
        s.note ?? '',
      ])
      this.print(columns([['SETTING', 'VALUE', 'FROM', 'NOTE'], ...rows]))
    }

    return shown
  }
}
