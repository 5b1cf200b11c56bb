import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../cli/base-command.js'
import {useProfile, UseResult} from '../../core/profiles.js'
import {loadProjectConfig} from '../../core/project-config.js'

export default class ConfigUse extends BaseCommand<typeof ConfigUse> {
  static override summary = 'Make a profile the current one (like kubectl config use-context)'
  static override description = `Writes current-profile into the user config file ($XDG_CONFIG_HOME/mcp/config.yaml, ~/.config/mcp/config.yaml), creating it if needed. The file is edited in place — comments, key order and other settings are kept — and replaced atomically. --profile and MCP_PROFILE still win over it, and so does a current-profile in the project's .mcp.yaml; a warning says so.

Exit codes: 0 written; 2 the profile is not defined; 3 the config file cannot be read, parsed or written (nothing is written).`
  static override examples = ['<%= config.bin %> config use prod', '<%= config.bin %> config use staging --json']
  static override args = {
    name: Args.string({description: 'Profile to make current', required: true}),
  }

  async run(): Promise<UseResult> {
    const result = useProfile(this.args.name, await loadProjectConfig(), process.env)
    this.log(`Switched to profile "${result.currentProfile}" (${result.file}).`)
    if (result.overriddenBy) this.warnLine(`mcp: warning: ${result.overriddenBy} overrides it here`)
    return result
  }
}
