import {Chalk, ChalkInstance} from 'chalk'

import type {Instance, ServiceView, SourceStatus} from '../model/types.js'

import {formatDuration} from '../core/duration.js'
import {terminalSafe} from '../core/terminal-text.js'
import {alignColumns} from '../core/text-table.js'
import {addressText} from '../model/address.js'

const REASON_TEXT: Record<string, string> = {
  'network-label': 'network label',
  published: 'published',
  'only-network': 'only network',
  'host-network': 'host network',
  ambiguous: 'AMBIGUOUS: several networks, no network label',
  'no-port': 'no port label',
  'network-label-unknown': 'network label names no network of it',
  'no-address': 'no address',
  'not-running': 'not running',
  'swarm-vip': 'service VIP',
  'task-ip': 'task IP, dnsrr',
}

export function dockerCell(i: Instance, c: ChalkInstance): string {
  const d = i.docker
  if (!d && i.swarm) {
    const t = i.swarm
    const state =
      t.state === 'running' ? c.green(`task ${t.state}`) : c.red(`task ${t.state}${t.error ? `: ${t.error}` : ''}`)
    return `${state}${t.node ? c.dim(` on ${t.node}`) : ''}`
  }

  if (!d) return i.unknown?.includes('docker') ? c.yellow('? unknown (Docker unreachable)') : c.red('✗ no container')
  const health = d.health === 'none' ? '' : d.health === 'healthy' ? c.green(` ${d.health}`) : c.yellow(` ${d.health}`)
  const state = d.state === 'running' ? c.green('running') : c.red(d.state)
  return `${state}${health}`
}

export function etcdCell(i: Instance, c: ChalkInstance): string {
  const r = i.etcd
  if (!r && i.unknown?.includes('etcd')) return c.yellow('? unknown (etcd unreachable)')
  if (!r) return i.docker?.state === 'running' ? c.red('✗ not registered') : c.dim('-')
  const parts: string[] = []
  if (r.valueFormat === 'invalid') parts.push(c.red(`invalid: ${r.valueError}`))
  else if (r.address && i.docker && i.address && r.address !== addressText(i.address))
    parts.push(c.yellow(`→ ${r.address}`))
  else if (r.address && !i.docker) parts.push(r.address)
  parts.push(
    r.lease
      ? r.lease.ttl >= 0
        ? `ttl ${formatDuration(r.lease.ttl * 1000)}/${formatDuration(r.lease.grantedTtl * 1000)}`
        : `lease ${r.lease.id} expired`
      : c.yellow('no lease'),
  )
  return parts.join(' ')
}

export function consulCell(i: Instance, c: ChalkInstance): string {
  const r = i.consul
  if (!r && i.unknown?.includes('consul')) return c.yellow('? unknown (Consul unreachable)')
  if (!r) return i.docker?.state === 'running' ? c.red('✗ not registered') : c.dim('-')
  const color = r.status === 'passing' ? c.green : r.status === 'critical' ? c.red : c.yellow
  return `${color(r.status)}${i.docker ? '' : ` ${r.address}:${r.port}`}`
}

export function probeCell(i: Instance, c: ChalkInstance): string {
  const p = i.probe
  if (!p) return c.dim('-')
  if (!p.probed) return c.dim('not probed')
  if (p.ok) return c.green(`${p.status} ${p.ms}ms`)
  return c.red(p.status ? `${p.status}` : (p.error ?? 'failed'))
}

export function addressCell(i: Instance, c: ChalkInstance): string {
  const reason = i.addressReason
    ? (REASON_TEXT[i.addressReason] ?? i.addressReason)
    : i.etcd || i.consul
      ? 'registered'
      : ''
  const warn =
    i.addressReason === 'ambiguous' || i.addressReason === 'network-label-unknown' || i.addressReason === 'no-port'
  return `${addressText(i.address)} ${warn ? c.yellow(`(${reason})`) : c.dim(`(${reason})`)}`
}

export function sourceLine(s: SourceStatus, c: ChalkInstance): string {
  const down = s.members?.filter((m) => !m.ok).length ?? 0
  if (s.ok && down)
    return `${c.yellow('✓')} ${s.name} ${c.dim(`${s.count} in ${s.ms}ms`)} ${c.yellow(`(${down}/${s.members!.length} members down)`)}`
  if (s.ok) return `${c.green('✓')} ${s.name} ${c.dim(`${s.count} in ${s.ms}ms`)}`
  return `${c.red('✗')} ${s.name} ${c.red('unreachable')}`
}

/** "(swarm 2/3)": running tasks of desired replicas, shown beside a Swarm service's name. */
function swarmSummary(svc: NonNullable<ServiceView['services'][number]['swarm']>): string {
  return svc.mode === 'replicated'
    ? `(swarm ${svc.running}/${svc.replicas ?? '?'})`
    : `(swarm global, ${svc.running} running)`
}

export interface RenderOptions {
  color: boolean
  sources: string[]
  probed: boolean
  /** -o wide: also the image, the networks and the etcd key, as kubectl's -o wide adds columns. */
  wide?: boolean
}

/** The discover table: one row per instance, grouped by service, a column per source asked. */
export function renderView(raw: ServiceView, options: RenderOptions): string {
  // Names, labels and errors come from containers and servers: shown, never obeyed.
  const view = terminalSafe(raw)
  const c = new Chalk({level: options.color ? 1 : 0})
  const head = ['SERVICE', 'INSTANCE', 'ADDRESS (why)']
  const want = new Set(view.sources.map((s) => s.name))
  if (want.has('docker')) head.push('DOCKER')
  if (want.has('etcd')) head.push('ETCD')
  if (want.has('consul')) head.push('CONSUL')
  if (options.probed) head.push('PROBE')
  if (options.wide) head.push('IMAGE', 'NETWORKS', 'ETCD KEY')
  const table: string[][] = [head.map((h) => c.bold(h))]
  const rows = view.services.map((s) => ({
    name: s.swarm ? `${s.name} ${c.dim(swarmSummary(s.swarm))}` : s.name,
    instances: s.instances,
  }))

  if (view.unnamed.length > 0) rows.push({name: c.yellow('(no service name label)'), instances: view.unnamed})
  for (const service of rows) {
    service.instances.forEach((i, n) => {
      const row = [n === 0 ? c.bold(service.name) : '', i.id, addressCell(i, c)]
      if (want.has('docker')) row.push(dockerCell(i, c))
      if (want.has('etcd')) row.push(etcdCell(i, c))
      if (want.has('consul')) row.push(consulCell(i, c))
      if (options.probed) row.push(probeCell(i, c))
      if (options.wide)
        row.push(
          i.docker?.image ?? c.dim('-'),
          i.docker?.networks.map((n) => n.name).join(',') || c.dim('-'),
          i.etcd?.key ?? c.dim('-'),
        )
      table.push(row)
    })
  }

  const lines: string[] = []
  if (rows.length === 0) lines.push(c.dim('no services found'))
  else lines.push(alignColumns(table).slice(0, -1))
  const instances = view.services.reduce((n, s) => n + s.instances.length, 0)
  lines.push('')
  lines.push(
    `${view.services.length} service${view.services.length === 1 ? '' : 's'}, ${instances} instance${instances === 1 ? '' : 's'} · ${view.sources.map((s) => sourceLine(s, c)).join(' · ')}`,
  )
  return lines.join('\n') + '\n'
}

/** One warning line per failed source or down cluster member, for stderr: what failed, where, what to try. */
export function sourceWarnings(view: ServiceView): string[] {
  const lines: string[] = []
  for (const s of view.sources) {
    if (s.ok) {
      for (const m of s.members ?? [])
        if (!m.ok) lines.push(`warning: ${s.name} member ${m.endpoint} is down (${m.error}); read through the others`)
    } else {
      lines.push(`warning: ${s.name} (${s.endpoint}): ${s.error}${s.hint ? ` — ${s.hint}` : ''}`)
    }
  }

  return lines
}
