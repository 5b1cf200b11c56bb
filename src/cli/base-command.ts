import type {Interfaces} from '@oclif/core'

import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import chalk from 'chalk'
import {fstatSync, writeSync} from 'node:fs'

import {McpError, UsageError} from '../core/errors.js'
import {ExitCode} from '../core/exit-codes.js'
import {jsonPieces} from '../core/json-pieces.js'
import {setConfigWarningSink} from '../core/project-config.js'
import {redact} from '../core/redact.js'
import {terminalText} from '../core/terminal-text.js'
import {commandLine} from './command-line.js'
import {CommandShape, describeParseError, unwrapFlagParseMessage} from './parse-error.js'

export type InferredFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type InferredArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** stdout is a file or a device other than a terminal: what Node writes through a SyncWriteStream. */
function stdoutIsFile(): boolean {
  try {
    const stat = fstatSync(1)
    return stat.isFile() || (stat.isCharacterDevice() && !process.stdout.isTTY)
  } catch {
    return false
  }
}

/** -o/--format typed on the command line (a profile's or .mcp.yaml's default format gives way to --json). */
function formatGiven(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).some((word) => /^(?:-o|--format)(?:=|$)|^-o\S/.test(word))
}

/** Exit code for a bug in mcp itself (EX_SOFTWARE): never confused with a finding or a bad flag. */
export const INTERNAL_ERROR_EXIT = 70

/**
 * Every command extends this. It owns the cross-cutting contract: --json (the value run() returns),
 * colour (NO_COLOR, --no-color, not a TTY), --debug, and turning errors into one line + exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    debug: Flags.boolean({
      description: 'Show stack traces and source timings on errors (also DEBUG=1)',
      helpGroup: 'GLOBAL',
    }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'No warnings or progress on stderr (errors still print; the exit code tells the rest)',
      helpGroup: 'GLOBAL',
    }),
    color: Flags.boolean({
      description: 'Colour output (default on a TTY; NO_COLOR turns it off)',
      allowNo: true,
      helpGroup: 'GLOBAL',
    }),
  }
  protected flags!: InferredFlags<T>
  protected args!: InferredArgs<T>
  /**
   * Every positional word, parsed: what a command with variadic arguments (strict = false: trace's
   * PATHS, lint-config's FILES) reads. `this.argv` is the raw command line, flags included.
   */
  protected positionals!: string[]

  /** Whether human output may use colour. */
  protected get color(): boolean {
    return chalk.level > 0
  }

  /** --quiet: warnings and progress are not printed. */
  protected get quiet(): boolean {
    return Boolean(this.flags?.quiet)
  }

  /** Progress is drawn only on a TTY, never under --json or --quiet. */
  protected get progressEnabled(): boolean {
    return Boolean(process.stderr.isTTY) && !this.quiet && !this.jsonEnabled()
  }

  /** The command line as typed, secrets masked (shown in reports). */
  protected get commandLine(): string {
    return commandLine(this.config.bin, [...(this.id ?? '').split(':').filter(Boolean), ...this.argv])
  }

  /**
   * --debug, DEBUG or MCP_DEBUG: stack traces on errors. Before the flags are parsed (a parse error
   * is being reported), --debug is looked for among the words typed.
   */
  protected get debugEnabled(): boolean {
    const flag = this.flags ? Boolean(this.flags.debug) : (this.argv ?? []).includes('--debug')
    return flag || Boolean(process.env.DEBUG) || Boolean(process.env.MCP_DEBUG)
  }

  public override async init(): Promise<void> {
    await super.init()
    // Flag defaults may read the project config (--format): its warnings are ours from the start.
    setConfigWarningSink((line) => {
      if (this.flags || !this.argv.some((a) => a === '--quiet' || a === '-q')) this.warnLine(line)
    })
    // The one parse: run() reads this.flags, this.args and this.positionals.
    const {args, argv, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as InferredFlags<T>
    this.args = args as InferredArgs<T>
    this.positionals = argv as string[]
    // `--json -o sarif` would print JSON and drop the SARIF without a word: two outputs, refuse the pair.
    const {format} = flags as {format?: string}
    if (format !== undefined && format !== 'json' && this.jsonEnabled() && formatGiven(this.argv)) {
      throw new UsageError(`--json and --format ${format} ask for two different outputs`, {
        hint: `use one: --format ${format}, or --json`,
      })
    }

    const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== ''
    if (this.flags.color === false || noColor || this.jsonEnabled()) chalk.level = 0
    else if (this.flags.color === true && chalk.level === 0) chalk.level = 1
  }

  /**
   * JSON straight to stdout. oclif's default colourises by tokenizing the whole document, which
   * costs seconds on a 10 MB view; JSON output carries no colour anyway. Indented for a person at a
   * terminal, one line for a pipe or a file (as `gh --json` does): half the bytes, and V8's fast
   * stringify path, which a gap argument turns off.
   */
  public override logJson(json: unknown): void {
    if (process.stdout.isTTY) {
      process.stdout.write(JSON.stringify(json, null, 2) + '\n')
      return
    }

    // In pieces (src/core/json-pieces.ts): the members of the document and of its top-level arrays
    // (discover: each service), gathered to ~64 KB or more a write. Into a file (or /dev/null) the
    // stream writes synchronously anyway, after copying the text into a Buffer first: written
    // directly, it goes out faster (docs/performance.md, bench/discover.sh).
    const write = stdoutIsFile() ? (text: string) => writeSync(1, text) : (text: string) => process.stdout.write(text)
    let gathered = ''
    jsonPieces(json, 2, (piece) => {
      gathered += piece
      if (gathered.length >= 1 << 16) {
        write(gathered)
        gathered = ''
      }
    })
    write(gathered + '\n')
  }

  /**
   * Human output, a rendered block as the renderers return it (empty, or lines each ending in a
   * newline), through this.log: nothing under --json, where run()'s value is the output.
   */
  protected print(text: string): void {
    if (text) this.log(text.endsWith('\n') ? text.slice(0, -1) : text)
  }

  /** Print to stderr (warnings, progress); stdout stays clean for data. Nothing under --quiet. */
  protected warnLine(text: string): void {
    if (this.quiet) return
    // One line: whatever a value in it holds (a server's error, a label) is shown, never obeyed.
    process.stderr.write(terminalText(redact(text)) + '\n')
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // oclif's own exit (this.exit) keeps its handling and code; its parse errors are reworded below.
    const debug = this.debugEnabled
    let json = false
    try {
      json = this.jsonEnabled()
    } catch {
      json = process.argv.includes('--json')
    }

    if (err.oclif?.exit !== undefined && !(err instanceof McpError)) {
      if ((err as {code?: string}).code === 'EEXIT') throw err
      // A parse error: one line and a hint (did you mean …?), in mcp's own style, not oclif's box.
      const ctor = this.ctor as unknown as {flags?: CommandShape['flags']; baseFlags?: CommandShape['flags']}
      const shape = {
        name: `${this.config.bin} ${(this.id ?? '').replaceAll(':', ' ')}`.trim(),
        flags: {...ctor.baseFlags, ...ctor.flags, json: {type: 'boolean'}},
        argv: this.argv,
      }
      const {message, hint} = describeParseError(err, shape)
      if (json) {
        this.logJson({error: {kind: 'usage', message: redact(message), hint, exitCode: ExitCode.USAGE}})
      } else {
        // The message quotes the flag or argument as typed: shown, never obeyed.
        process.stderr.write(
          `${chalk.red('mcp:')} ${terminalText(redact(message))}\n  ${chalk.dim('hint:')} ${terminalText(redact(hint))}\n`,
        )
        if (debug && err.stack) process.stderr.write(redact(err.stack) + '\n')
      }

      this.exit(ExitCode.USAGE)
    }

    if (err instanceof McpError) {
      const line = unwrapFlagParseMessage(err.line)
      if (json) {
        this.logJson({error: {kind: err.kind, message: redact(line), hint: err.hint, exitCode: err.exitCode}})
      } else {
        process.stderr.write(`${chalk.red('mcp:')} ${terminalText(redact(line))}\n`)
        if (err.hint) process.stderr.write(`  ${chalk.dim('hint:')} ${terminalText(redact(err.hint))}\n`)
        if (debug && err.stack) process.stderr.write(redact(err.stack) + '\n')
      }

      this.exit(err.exitCode)
    }

    // Anything else is a bug in mcp: one line, the stack only on request.
    const message = redact(err?.message ?? String(err))
    if (json) {
      this.logJson({error: {kind: 'internal', message, exitCode: INTERNAL_ERROR_EXIT}})
    } else {
      process.stderr.write(`${chalk.red('mcp: internal error:')} ${terminalText(message)}\n`)
      if (debug && err?.stack) process.stderr.write(redact(err.stack) + '\n')
      else process.stderr.write(`  ${chalk.dim('hint:')} run again with --debug for the stack trace, and report it\n`)
    }

    this.exit(INTERNAL_ERROR_EXIT)
  }
}
