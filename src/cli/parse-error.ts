import {didYouMean} from '../core/suggest.js'

/** What a command's flags and args are, as oclif declares them (only the parts an error needs). */
export interface CommandShape {
  /** `mcp lint-config`: how the hint names the command. */
  name: string
  flags: Record<string, {char?: string; aliases?: string[]; options?: readonly string[]; type?: string}>
  /** The words after the command, to tell whether a many-valued flag was used at all. */
  argv?: string[]
}

export interface ErrorLine {
  message: string
  hint: string
}

// oclif colours parts of some messages (`dim`) even when it prints nothing else in colour.
const ANSI = /\u001B\[[0-9;]*m/g

/**
 * oclif's parse errors as mcp's one line and hint (`mcp: unknown flag --fiks` / `hint: did you mean
 * --fix?`), instead of its boxed, 80-column-wrapped text. The wording follows git and docker: say what
 * was wrong, name the closest flag or value, and point to --help.
 */
export function describeParseError(
  error: Error & {flags?: string[]; args?: unknown[]},
  shape: CommandShape,
): ErrorLine {
  const help = `${shape.name} --help`
  const text = error.message.replaceAll(ANSI, '').replace(/\n?See more help with --help\s*$/, '')
  const name = error.constructor?.name
  if (name === 'NonExistentFlagsError' || /^Nonexistent flags?: /.test(text)) {
    const typed = (error.flags?.[0] ?? text.replace(/^Nonexistent flags?: /, '').split(', ')[0]!).split('=')[0]!
    const known = Object.entries(shape.flags).flatMap(([flag, def]) => [
      `--${flag}`,
      ...(def.char ? [`-${def.char}`] : []),
      ...(def.aliases ?? []).map((a) => (a.length === 1 ? `-${a}` : `--${a}`)),
      ...(def.type === 'boolean' ? [`--no-${flag}`] : []),
    ])
    const guess = didYouMean(typed, [...known, '--help'])
    const more = (error.flags?.length ?? 1) > 1 ? ` (and ${error.flags!.slice(1).join(', ')})` : ''
    const hint = guess ? `did you mean ${guess}? (${help} lists the flags)` : `${help} lists the flags`
    return {message: `unknown flag ${typed}${more}`, hint}
  }

  if (name === 'RequiredArgsError' || /^Missing \d+ required args?/.test(text)) {
    const args = (error.args ?? []) as {name?: string; description?: string}[]
    const what = args
      .map((a) => (a.name ? `${a.name.toUpperCase()}${a.description ? ` (${a.description})` : ''}` : ''))
      .filter(Boolean)
    // oclif adds its note whenever the command has a many-valued flag; it helps only when one was typed.
    const many = /Note: (.*) allows? multiple values/.exec(text)?.[1]?.split(', ') ?? []
    const typed = (flag: string) =>
      shape.argv?.some((word) => word === flag || word.startsWith(`${flag}=`) || word === charOf(shape, flag))
    const used = many.filter(typed)
    const note =
      used.length > 0
        ? `${used.join(', ')} took the words after ${used.length === 1 ? 'it' : 'them'}: put the argument first, or -- before it`
        : `${help} shows what it takes`
    return {message: `missing argument${what.length > 0 ? ` ${what.join(', ')}` : ''}`, hint: note}
  }

  if (name === 'UnexpectedArgsError' || /^Unexpected arguments?: /.test(text)) {
    const plural = (error.args?.length ?? 1) === 1 ? '' : 's'
    return {
      message: `unexpected argument${plural}: ${text.replace(/^Unexpected arguments?: /, '')}`,
      hint: `${help} shows what it takes`,
    }
  }

  const option = /^Expected --([\w-]+)=(.*) to be one of: (.*)$/s.exec(text)
  if (option) {
    const [, flag, value, list] = option
    const options = list!.split(', ')
    const guess = didYouMean(value!, options)
    return {
      message: `--${flag} ${JSON.stringify(value)} is not one of: ${list}`,
      hint: guess ? `did you mean --${flag} ${guess}?` : help,
    }
  }

  const missingValue = /^Flag (--[\w-]+) expects a value$/.exec(text)
  if (missingValue) return {message: `${missingValue[1]} needs a value`, hint: `${help} shows what it takes`}
  const parsing = /^Parsing (--[\w-]+) \n\t(.*)$/s.exec(text)
  if (parsing) return {message: `${parsing[1]}: ${lowerFirst(parsing[2]!.trim())}`, hint: `${help} shows what it takes`}
  const failed = /^The following errors? occurred:\n\s*(.*)$/s.exec(text)
  if (failed) {
    // oclif states an exclusive pair once from each side: say it once.
    const reasons = failed[1]!
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((reason) => {
        const pair = /^--([\w-]+)=.* cannot also be provided when using --([\w-]+)$/.exec(reason)
        return pair ? `--${[pair[1], pair[2]].sort().join(' and --')} cannot be used together` : reason
      })
    return {message: [...new Set(reasons)].join('; '), hint: `${help} shows which flags go together`}
  }

  return {message: text.split('\n')[0]!.trim(), hint: `${help} shows what it takes`}
}

/** Our own UsageError thrown from a flag's parse comes back wrapped by oclif: unwrap it. */
export function unwrapFlagParseMessage(message: string): string {
  const m = /^Parsing --[\w-]+ \n\t(.*)\nSee more help with --help$/s.exec(message)
  return m ? m[1]! : message
}

function charOf(shape: CommandShape, flag: string): string | undefined {
  const char = shape.flags[flag.replace(/^--/, '')]?.char
  return char ? `-${char}` : undefined
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text
}
