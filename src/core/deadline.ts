/** Thrown when a source does not answer within its timeout. */
export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`)
  }
}

/**
 * Race a promise against a timer. Libraries have their own timeouts, but not for every stage
 * (a socket that accepts and never answers, a gRPC channel stuck connecting): this one always fires.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.()
      reject(new DeadlineError(what, ms))
    }, ms)
    timer.unref?.()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Milliseconds since start, rounded, for SourceStatus.ms. */
export function elapsedMs(start: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - start) / 1e6)
}
