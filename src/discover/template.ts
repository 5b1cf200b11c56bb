import {Chalk} from 'chalk'

import type {Instance, ServiceView} from '../model/types.js'

import {UsageError} from '../core/errors.js'
import {didYouMean} from '../core/suggest.js'
import {addressText} from '../model/address.js'
import {consulCell, dockerCell, etcdCell, probeCell} from './render.js'

const plain = new Chalk({level: 0})

/** The fields a `--format` template can name, as `docker ps --format` names its own ({{.Names}}, {{.Ports}}). */
const FIELDS: Record<string, (i: Instance) => string> = {
  Service: (i) => i.service || '-',
  Instance: (i) => i.id,
  Address: (i) => addressText(i.address),
  Reason: (i) => i.addressReason ?? (i.etcd || i.consul ? 'registered' : '-'),
  Docker: (i) => dockerCell(i, plain),
  Etcd: (i) => etcdCell(i, plain),
  Consul: (i) => consulCell(i, plain),
  Probe: (i) => probeCell(i, plain),
  Container: (i) => i.docker?.name ?? '-',
  ID: (i) => i.docker?.id.slice(0, 12) ?? '-',
  Image: (i) => i.docker?.image ?? '-',
  State: (i) => i.docker?.state ?? (i.unknown?.includes('docker') ? 'unknown' : '-'),
  Health: (i) => i.docker?.health ?? '-',
  Networks: (i) => i.docker?.networks.map((n) => n.name).join(',') || '-',
  Ports: (i) =>
    i.docker?.ports
      .filter((p) => p.publicPort)
      .map((p) => `${p.ip ?? ''}:${p.publicPort}->${p.privatePort}/${p.type}`)
      .join(',') || '-',
  Key: (i) => i.etcd?.key ?? '-',
  TTL: (i) => (i.etcd?.lease ? String(i.etcd.lease.ttl) : '-'),
  Match: (i) => i.match ?? '-',
  Unknown: (i) => i.unknown?.join(',') ?? '',
}

const PLACEHOLDER = /\{\{\s*(json\s+)?\.([A-Za-z]*)\s*\}\}/g

/**
 * A docker-style Go-template subset: `{{.Field}}` and `{{json .}}` / `{{json .Field}}`, `\t` and `\n`.
 * With a leading `table `, a heading row and aligned columns, as `docker ps --format 'table …'`.
 * Anything else between braces is a usage error naming the fields (did-you-mean included).
 */
export function renderTemplate(view: ServiceView, template: string): string {
  const table = /^table\s/.test(template)
  const body = (table ? template.replace(/^table\s+/, '') : template)
    .replaceAll(String.raw`\t`, '\t')
    .replaceAll(String.raw`\n`, '\n')
  for (const inside of placeholders(body)) {
    const field = /^\s*(?:json\s+)?\.([A-Za-z]*)\s*$/.exec(inside)?.[1]
    if (field === undefined || (field !== '' && !FIELDS[field])) {
      const guess = field ? didYouMean(field, Object.keys(FIELDS)) : undefined
      throw new UsageError(`--format: ${JSON.stringify(`{{${inside}}}`)} is not a field`, {
        hint: `${guess ? `did you mean {{.${guess}}}? ` : ''}fields: ${Object.keys(FIELDS)
          .map((f) => `.${f}`)
          .join(' ')}; {{json .}} for the whole instance`,
      })
    }
  }

  const instances = view.services.flatMap((s) => s.instances)
  const rows = instances.map((i) =>
    body.replaceAll(PLACEHOLDER, (_, json: string | undefined, field: string) => {
      if (json) return JSON.stringify(field ? FIELDS[field]!(i) : i)
      return visible(field ? FIELDS[field]!(i) : JSON.stringify(i))
    }),
  )
  if (!table) return rows.map((r) => r + '\n').join('')
  const heading = body.replaceAll(PLACEHOLDER, (_, json: string | undefined, field: string) =>
    field ? field.toUpperCase() : 'INSTANCE',
  )
  return align([heading, ...rows])
}

/** What stands between each `{{` and the next `}}`, found by indexOf (a lazy /\{\{(.*?)\}\}/ rescans: quadratic). */
function placeholders(body: string): string[] {
  const out: string[] = []
  for (let at = body.indexOf('{{'); at >= 0;) {
    const end = body.indexOf('}}', at + 2)
    if (end === -1) break
    out.push(body.slice(at + 2, end))
    at = body.indexOf('{{', end + 2)
  }

  return out
}

/** Columns split at tabs, padded to the widest cell, as docker's tabwriter does (padding 3). */
function align(lines: string[]): string {
  const cells = lines.map((l) => l.split('\t'))
  const widths: number[] = []
  for (const row of cells) row.forEach((c, n) => (widths[n] = Math.max(widths[n] ?? 0, [...c].length)))
  return cells
    .map(
      (row) =>
        row
          .map((c, n) => (n === row.length - 1 ? c : c + ' '.repeat(widths[n]! - [...c].length + 3)))
          .join('')
          .trimEnd() + '\n',
    )
    .join('')
}

/** Label values and container names come from outside: control characters are shown, not sent to the terminal. */
function visible(text: string): string {
  return text.replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
