import type {ActionKind} from './plan.js'

import {UsageError} from '../core/errors.js'
import {serveText, type TextReply, type TextServer} from '../net/serve.js'

/** What the agent counts, served as Prometheus text on /metrics. */
export class AgentMetrics {
  registrations = 0
  readonly actions: Record<ActionKind, number> = {add: 0, update: 0, remove: 0}
  errors = 0
  /** Unix seconds of the last full resync that succeeded; 0 before the first. */
  lastResync = 0
  lastResyncMs = 0
  /** Whether the last reconcile reached Docker and the registry. */
  healthy = false
  lastError?: string

  text(): string {
    const lines = [
      '# HELP mcp_sync_registrations Entries this agent owns in the registry (after the last reconcile).',
      '# TYPE mcp_sync_registrations gauge',
      `mcp_sync_registrations ${this.registrations}`,
      '# HELP mcp_sync_actions_total Registry writes applied, by kind.',
      '# TYPE mcp_sync_actions_total counter',
      ...(['add', 'update', 'remove'] as const).map((k) => `mcp_sync_actions_total{kind="${k}"} ${this.actions[k]}`),
      '# HELP mcp_sync_errors_total Failed reconciles and failed writes.',
      '# TYPE mcp_sync_errors_total counter',
      `mcp_sync_errors_total ${this.errors}`,
      '# HELP mcp_sync_last_resync_timestamp_seconds When the last full resync succeeded.',
      '# TYPE mcp_sync_last_resync_timestamp_seconds gauge',
      `mcp_sync_last_resync_timestamp_seconds ${this.lastResync}`,
      '# HELP mcp_sync_last_resync_duration_seconds How long the last full resync took.',
      '# TYPE mcp_sync_last_resync_duration_seconds gauge',
      `mcp_sync_last_resync_duration_seconds ${(this.lastResyncMs / 1000).toFixed(4)}`,
    ]
    return lines.join('\n') + '\n'
  }
}

/** "127.0.0.1:9109", "[::1]:9109", ":9109" (loopback) → host and port. */
export function parseListen(text: string): {host: string; port: number} {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim())
  const port = m ? Number(m[3]) : Number.NaN
  if (!m || port < 0 || port > 65_535) {
    throw new UsageError(`--listen ${JSON.stringify(text)} is not host:port`, {hint: 'e.g. --listen 127.0.0.1:9109'})
  }

  return {host: m[1] ?? (m[2] || '127.0.0.1'), port}
}

/** /healthz (200 while Docker and the registry answer, else 503) and /metrics; nothing else. */
export async function serveMetrics(listen: string, metrics: AgentMetrics): Promise<TextServer> {
  const {host, port} = parseListen(listen)
  try {
    return await serveText(host, port, (method, path): TextReply => {
      if (method !== 'GET' && method !== 'HEAD') return {status: 405, headers: {allow: 'GET, HEAD'}}
      if (path === '/metrics')
        return {
          status: 200,
          headers: {'content-type': 'text/plain; version=0.0.4; charset=utf-8'},
          body: metrics.text(),
        }
      if (path === '/healthz') {
        const body = metrics.healthy ? 'ok\n' : `unhealthy: ${metrics.lastError ?? 'starting'}\n`
        return {status: metrics.healthy ? 200 : 503, headers: {'content-type': 'text/plain; charset=utf-8'}, body}
      }

      return {status: 404}
    })
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address in use' : (error as Error).message
    throw new UsageError(`--listen ${listen}: ${why}`, {hint: 'choose another port'})
  }
}
