import {Command} from '@oclif/core/command'

import {completionSources} from '../cli/completion-sources.js'
import {type CommandInfo, complete, formatAnswer} from '../cli/completion.js'

/**
 * What the scripts of `mcp completion` call on <TAB> (cobra's __complete): `mcp __complete -- WORD…
 * CURRENT` prints the candidates for CURRENT, one a line, then ":directive". Not a BaseCommand: the
 * words are the user's half-typed command line, never parsed as this command's flags.
 */
export default class Complete extends Command {
  static override hidden = true
  static override strict = false
  static override enableJsonFlag = false
  static override summary = 'Completion candidates for a shell (used by the scripts of mcp completion)'
  static override examples = ['<%= config.bin %> __complete -- config use ""']

  async run(): Promise<void> {
    const argv = this.argv[0] === '--' ? this.argv.slice(1) : this.argv
    const words = argv.slice(0, -1)
    const current = argv.at(-1) ?? ''
    const commands: CommandInfo[] = this.config.commands.map((c) => ({
      id: c.id,
      summary: c.summary ?? c.description?.split('\n')[0],
      hidden: c.hidden,
      flags: Object.values(c.flags).map((f) => ({
        name: f.name,
        char: f.char,
        takesValue: f.type === 'option',
        options: f.type === 'option' ? f.options : undefined,
        description: f.summary ?? f.description,
        hidden: f.hidden,
        multiple: f.type === 'option' ? f.multiple : false,
        allowNo: f.type === 'boolean' ? f.allowNo : false,
      })),
      args: Object.keys(c.args ?? {}),
    }))
    try {
      const topics = Object.fromEntries(this.config.topics.map((t) => [t.name, t.description ?? '']))
      const answer = await complete(commands, words, current, completionSources(process.env), topics)
      process.stdout.write(formatAnswer(answer))
    } catch {
      // A <TAB> never prints an error into the command line: no candidates, file names as usual.
      process.stdout.write(':0\n')
    }
  }
}
