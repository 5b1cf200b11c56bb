import {Chalk} from 'chalk'

import type {SyncReport} from './run.js'

import {skipText} from './plan.js'

/** Control characters (a label can hold any) shown as \xNN: nothing from outside reaches a terminal raw. */
export function visible(text: string): string {
  return text.replaceAll(
    /[\u0000-\u001F\u007F-\u009F]/g,
    (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
}

const SIGN = {add: '+', update: '~', remove: '-'} as const

/** terraform plan's layout: one line per action with its sign and reason, then a summary line. */
export function renderSyncReport(report: SyncReport, color: boolean): string {
  const c = new Chalk({level: color ? 1 : 0})
  const paint = {add: c.green, update: c.yellow, remove: c.red} as const
  const lines: string[] = []
  lines.push(
    `${report.dryRun ? 'Plan' : 'Sync'} for ${report.registry} ${visible(report.endpoint)} as ${visible(report.owner)}:`,
  )
  if (report.actions.length === 0) lines.push('', '  No changes: the registry matches what Docker runs.')
  else lines.push('')
  for (const a of report.actions) {
    const status = a.status === 'failed' ? c.red(` FAILED: ${visible(a.error ?? '')}`) : ''
    const moved = a.kind === 'update' && a.was && a.was !== a.address
    const where = a.kind === 'remove' ? (a.was ?? '') : moved ? `${a.was} → ${a.address}` : (a.address ?? '')
    lines.push(
      `  ${paint[a.kind](`${SIGN[a.kind]} ${a.kind.padEnd(6)}`)} ${visible(a.key)}  ${visible(where)}${status}`,
    )
    lines.push(`           ${c.dim(visible(a.reason))}`)
  }

  if (report.skipped.length > 0) {
    lines.push('', 'Not registered:')
    for (const s of report.skipped) {
      lines.push(`  ${c.yellow('!')} ${visible(s.container)} (${visible(s.service)}): ${visible(skipText(s))}`)
    }
  }

  if (report.foreign.length > 0) {
    lines.push('', 'Entries of other owners (left alone; --prune-foreign removes stale ones):')
    for (const f of report.foreign) {
      lines.push(`  ${c.dim('?')} ${visible(f.key)}  ${visible(f.address ?? '')}  ${f.kind}: ${visible(f.reason)}`)
    }
  }

  const s = report.summary
  const verb = report.dryRun ? 'Plan' : 'Applied'
  const failed = s.failed ? `, ${c.red(`${s.failed} failed`)}` : ''
  lines.push(
    '',
    `${verb}: ${s.add} to add, ${s.update} to change, ${s.remove} to remove; ${report.unchanged} unchanged${failed}.`,
  )
  return lines.join('\n') + '\n'
}
