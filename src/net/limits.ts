/**
 * Every limit on what mcp reads from outside, in one place. docs/reliability.md ("Limits") names
 * each with its default and why; a reply past one fails its source with a LimitError naming it.
 */
export const LIMITS = {
  /** One reply's body (Engine API list, etcd Range, Consul, health): a 10,000-key Range is ~1 MB. */
  bodyBytes: 32 * 1024 * 1024,
  /** A health answer (etcd member /health, a service's health path) is a few bytes. */
  healthBodyBytes: 64 * 1024,
  /** One header block: HTTP/1.1 status line and fields, or an HTTP/2 header list. */
  headerBytes: 64 * 1024,
  /** Concurrent requests to one Consul agent (one per catalog service otherwise). */
  consulConcurrency: 8,
  /** Concurrent LeaseTimeToLive streams on one etcd connection. */
  etcdLeaseConcurrency: 64,
  /** Concurrent health probes. */
  probeConcurrency: 16,
  /** Containers whose log streams are read at once. */
  logStreamConcurrency: 8,
  /** One Docker log frame's payload: Docker writes frames of at most a few KiB (lines past 16 KiB are split). */
  logFrameBytes: 1024 * 1024,
  /** One log line from a container: longer lines are cut there (files keep their own, larger cap). */
  logLineBytes: 1024 * 1024,
} as const

/** "32 MiB", "64 KiB", "4.0 GiB": a size as people read it. */
export function bytesText(n: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (n >= size) return `${n % size === 0 ? n / size : (n / size).toFixed(1)} ${unit}`
  }

  return `${n} bytes`
}
