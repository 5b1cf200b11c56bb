import * as Args from '@oclif/core/args'

import {BaseCommand} from '../cli/base-command.js'
import {completionScript, type Shell, SHELLS} from '../cli/completion.js'

export default class Completion extends BaseCommand<typeof Completion> {
  static override summary =
    'Print the shell completion script for bash, zsh or fish (commands, flags, and values such as profiles and services)'
  static override description = `The script asks mcp itself for the candidates on every <TAB>, as kubectl's and docker's do, so it completes commands, flags and their values: profile names (--profile, config use/show), service names from Docker labels and etcd (--service, loadtest's target; at most 500 ms, nothing when a source does not answer), rule ids (--rule, mcp rules ID), doctor codes (--only, --ignore), Docker contexts (--context, --docker-context) and the values of flags with a fixed set (--format, --fail-on). Nothing to regenerate when mcp is upgraded.

bash: source <(mcp completion bash) in ~/.bashrc. zsh: source <(mcp completion zsh) in ~/.zshrc (after compinit), or save it as _mcp in a directory of $fpath. fish: mcp completion fish > ~/.config/fish/completions/mcp.fish.`
  static override examples = [
    '<%= config.bin %> completion bash > ~/.local/share/bash-completion/completions/<%= config.bin %>',
    '<%= config.bin %> completion zsh > "${fpath[1]}/_<%= config.bin %>"',
    '<%= config.bin %> completion fish > ~/.config/fish/completions/<%= config.bin %>.fish',
  ]
  static override args = {
    shell: Args.string({description: 'The shell', options: [...SHELLS], required: true}),
  }

  async run(): Promise<{shell: Shell; script: string}> {
    const shell = this.args.shell as Shell
    const script = completionScript(shell, this.config.bin)
    if (!this.jsonEnabled()) process.stdout.write(script)
    return {shell, script}
  }
}
