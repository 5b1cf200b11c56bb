import {bytesText} from './limits.js'

/**
 * A reply that broke a limit or the protocol. `code` says which: ELIMIT (a size or count limit),
 * ETIMEDOUT (the deadline), EPROTO (not the protocol asked for). The message names the source.
 */
export class NetError extends Error {
  constructor(
    message: string,
    readonly code: 'ELIMIT' | 'ETIMEDOUT' | 'EPROTO',
  ) {
    super(message)
  }
}

export function limitError(source: string, what: string, limit: number): NetError {
  return new NetError(`${source} sent ${what} over the ${bytesText(limit)} limit`, 'ELIMIT')
}

export function deadlineError(source: string, ms: number): NetError {
  return new NetError(`${source} did not answer within ${Math.max(0, Math.round(ms))} ms`, 'ETIMEDOUT')
}

/** Milliseconds left before `deadline` (a Date.now() time); Infinity when there is none. */
export function remainingMs(deadline: number | undefined): number {
  return deadline === undefined || !Number.isFinite(deadline) ? Infinity : deadline - Date.now()
}
