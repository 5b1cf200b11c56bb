/** The gateway's label keys under a prefix (default `mcp`). */
export function labelKeys(prefix: string) {
  return {
    name: `${prefix}.service.name`,
    port: `${prefix}.service.port`,
    healthPath: `${prefix}.health.path`,
    network: `${prefix}.service.network`,
    version: `${prefix}.service.version`,
    weight: `${prefix}.service.weight`,
  }
}

export const DEFAULT_HEALTH_PATH = '/health'

/** A port label's value as a port number, or undefined when it is not an integer 1–65535. */
export function parsePortLabel(value: string | undefined): number | undefined {
  // Stryker disable next-line ConditionalExpression,LogicalOperator,Regex: equivalent, Number() rejects what the pattern lets through
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined
  const n = Number(value)
  return n >= 1 && n <= 65535 ? n : undefined
}
