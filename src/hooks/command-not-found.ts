import type {Hook} from '@oclif/core'

import {ExitCode} from '../core/exit-codes.js'
import {didYouMean} from '../core/suggest.js'

/**
 * An unknown command. On a terminal, oclif's plugin-not-found asks "Did you mean discover?" and runs
 * it when confirmed. Anywhere else (CI, pipes, no stdin) nothing may wait for an answer: one line
 * with the suggestion, and the usage exit code.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  if (process.stdin.isTTY && process.stderr.isTTY) {
    const {default: notFound} = await import('@oclif/plugin-not-found')
    try {
      return await notFound.call(this, options)
    } catch (error) {
      // The plugin exits 127 when the suggestion is declined; mcp's contract says 2 (usage).
      if ((error as {oclif?: {exit?: number}}).oclif?.exit === 127)
        this.error((error as Error).message, {exit: ExitCode.USAGE})
      throw error
    }
  }

  const {config} = options
  const separator = config.topicSeparator ?? ':'
  const shown = (id: string): string => id.replaceAll(':', separator)
  const ids = config.commands
    .filter((c) => !c.hidden)
    .flatMap((c) => [c.id, ...c.aliases])
    .map(shown)
  // With a space separator oclif hands over the whole argv joined (`trace:abc:file.log`): keep the
  // command words only — the first, and the second when the first is a topic (`config lst`).
  const words = options.id.split(':')
  const typed = config.findTopic(words[0]!) && words.length > 1 ? `${words[0]}${separator}${words[1]}` : words[0]!
  const guess = didYouMean(typed, ids)
  process.stderr.write(
    `${config.bin}: "${typed}" is not an ${config.bin} command${guess ? `; did you mean "${guess}"?` : ''} (${config.bin} --help lists them)\n`,
  )
  this.exit(ExitCode.USAGE)
}

export default hook
