import * as Args from '@oclif/core/args'

import {BaseCommand} from '../../cli/base-command.js'
import {trustProjectFile, TrustResult} from '../../core/profiles.js'

export default class ConfigTrust extends BaseCommand<typeof ConfigTrust> {
  static override summary = "Trust a project's .mcp.yaml to choose endpoints, secrets and the current profile"
  static override description = `A .mcp.yaml found in a repository may set rules, label and registry prefixes, timeouts and formats. Its profiles' docker, etcd and consul settings (endpoints, TLS files, passwordFile/passwordEnv, tokenFile/tokenEnv) and its current-profile count only once you trust it: a cloned repository must not send your secrets where it likes. This records the file's real path and SHA-256 under trusted-projects in the user config ($XDG_CONFIG_HOME/mcp/config.yaml), as git's safe.directory and direnv's allow do; when the file changes, it must be trusted again. MCP_CONFIG=FILE names a file you chose, which needs no trust.

Exit codes: 0 trusted; 2 no .mcp.yaml found; 3 the file or the user config cannot be read, parsed or written.`
  static override examples = ['<%= config.bin %> config trust', '<%= config.bin %> config trust ../infra/.mcp.yaml']
  static override args = {
    path: Args.string({
      description: 'The project file (default: the nearest .mcp.yaml up to the repository root or $HOME)',
    }),
  }

  async run(): Promise<TrustResult> {
    const result = await trustProjectFile(this.args.path, process.env)
    this.log(`Trusted ${result.file} (sha256 ${result.sha256.slice(0, 12)}…), recorded in ${result.userFile}.`)
    return result
  }
}
