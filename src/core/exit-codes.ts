/**
 * The one exit-code contract every command follows (README "Exit codes").
 * Where two apply the higher wins, except INTERRUPTED, which always wins.
 */
export const ExitCode = {
  OK: 0,
  /** A negative answer: findings at or above --fail-on, a threshold breached, an id not found. */
  NEGATIVE: 1,
  /** Bad flag, argument or value. oclif's own parse errors use 2 as well. */
  USAGE: 2,
  /** A file or document that cannot be read or parsed. */
  INPUT: 3,
  /** Some source unreachable while others answered: the answer shown is incomplete. */
  PARTIAL: 4,
  /** No source answered. */
  UNREACHABLE: 5,
  /** SIGINT: partial results were printed. */
  INTERRUPTED: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** Combine two exit codes under the contract: INTERRUPTED wins, else the higher. */
export function worstExitCode(...codes: number[]): number {
  if (codes.includes(ExitCode.INTERRUPTED)) return ExitCode.INTERRUPTED
  return Math.max(0, ...codes)
}
