import {terminalText} from './terminal-text.js'

/** Plain left-aligned columns separated by two spaces (kubectl/docker style); no borders, no colour. Cells are escaped. */
export function columns(cells: string[][]): string {
  const rows = cells.map((row) => row.map(terminalText))
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n'
}
