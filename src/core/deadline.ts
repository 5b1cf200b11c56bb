/** Thrown when a source does not answer within its timeout. */
export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`)
  }
}

export interface DeadlineOptions {
  /** Called when the deadline passes, before the promise rejects. */
  onTimeout?: () => void
  /**
   * Hold the process open until the deadline. Off by default: a deadline alone must not keep a
   * finished command running; on where an answer is owed even if the work waits on nothing (a <TAB>).
   */
  keepAlive?: boolean
}

/**
 * Race a promise against a timer. Libraries have their own timeouts, but not for every stage
 * (a socket that accepts and never answers, a gRPC channel stuck connecting): this one always fires.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  options: DeadlineOptions = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      options.onTimeout?.()
      reject(new DeadlineError(what, ms))
    }, ms)
    if (!options.keepAlive) timer.unref?.()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Milliseconds since start, rounded, for SourceStatus.ms. */
export function elapsedMs(start: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - start) / 1e6)
}
