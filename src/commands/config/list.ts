import {BaseCommand} from '../../cli/base-command.js'
import {connectionFlags} from '../../cli/flags.js'
import {docsUrl} from '../../core/docs-url.js'
import {listProfiles, ProfileList} from '../../core/profiles.js'
import {loadProjectConfig} from '../../core/project-config.js'
import {columns} from '../../core/text-table.js'

export default class ConfigList extends BaseCommand<typeof ConfigList> {
  static override summary = 'List connection profiles, the file each comes from, and which one is current'
  static override description = `Profiles come from the project's .mcp.yaml (nearest one from the current directory upward, or MCP_CONFIG) and the user's $XDG_CONFIG_HOME/mcp/config.yaml (~/.config/mcp/config.yaml); a project profile replaces a user profile of the same name. The current profile is chosen by --profile, then MCP_PROFILE, then current-profile in those files (project first). See docs/profiles.md in the package.`
  static override examples = [
    '<%= config.bin %> config list',
    '<%= config.bin %> config list --json',
    'MCP_PROFILE=staging <%= config.bin %> config list',
  ]
  static override flags = {profile: connectionFlags.profile}

  async run(): Promise<ProfileList> {
    const list = listProfiles(await loadProjectConfig(), this.flags.profile, process.env)
    if (list.current && !list.current.defined) {
      this.warnLine(
        `mcp: warning: the current profile "${list.current.name}" (${selectedByText(list.current)}) is not defined`,
      )
    }

    if (!this.jsonEnabled()) {
      if (list.profiles.length === 0) {
        this.warnLine(
          `mcp: no profiles defined (config files read: ${list.files.length > 0 ? list.files.join(', ') : 'none'}); see ${docsUrl('profiles.md')}`,
        )
      } else {
        const rows = list.profiles.map((p) => [p.current ? '*' : '', p.name, p.scope, p.file])
        this.print(columns([['CURRENT', 'NAME', 'SCOPE', 'FILE'], ...rows]))
        if (list.current?.defined && list.current.selectedBy !== 'current-profile')
          this.print(`\ncurrent: ${list.current.name} (${selectedByText(list.current)})\n`)
      }
    }

    return list
  }
}

export function selectedByText(current: {selectedBy: string; file?: string}): string {
  if (current.selectedBy === 'flag') return 'from --profile'
  if (current.selectedBy === 'env') return 'from MCP_PROFILE'
  return `current-profile in ${current.file}`
}
