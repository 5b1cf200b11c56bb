import {ExitCode} from './exit-codes.js'

export interface McpErrorOptions {
  /** What to try next, shown after the message. */
  hint?: string
  /** Where: file:line:col, host, endpoint. Prefixed to the message when given. */
  where?: string
  cause?: unknown
}

/**
 * Every failure the user should see as one line (what, where, what to do) is an McpError.
 * Anything else reaching the top is a bug and shows a stack only under --debug / DEBUG.
 */
export class McpError extends Error {
  readonly exitCode: number
  readonly hint?: string
  readonly where?: string
  readonly kind: string = 'error'

  constructor(message: string, exitCode: number, options: McpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.exitCode = exitCode
    this.hint = options.hint
    this.where = options.where
  }

  /** The one line shown to people: "where: message". */
  get line(): string {
    return this.where ? `${this.where}: ${this.message}` : this.message
  }
}

/** A bad flag value, argument or combination (exit 2). */
export class UsageError extends McpError {
  override readonly kind = 'usage'

  constructor(message: string, options: McpErrorOptions = {}) {
    super(message, ExitCode.USAGE, options)
  }
}

/** A file or document that cannot be read or parsed (exit 3). */
export class InputError extends McpError {
  override readonly kind = 'input'

  constructor(message: string, options: McpErrorOptions = {}) {
    super(message, ExitCode.INPUT, options)
  }
}

/** A source (Docker, etcd, Consul) that could not be reached at all (exit 5). */
export class SourceUnreachableError extends McpError {
  override readonly kind = 'unreachable'

  constructor(message: string, options: McpErrorOptions = {}) {
    super(message, ExitCode.UNREACHABLE, options)
  }
}

/** A negative answer that still ends the command (exit 1), e.g. unknown service for loadtest. */
export class NegativeAnswerError extends McpError {
  override readonly kind = 'negative'

  constructor(message: string, options: McpErrorOptions = {}) {
    super(message, ExitCode.NEGATIVE, options)
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
