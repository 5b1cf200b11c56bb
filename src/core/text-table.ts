import Table from 'cli-table3'

import {terminalText} from './terminal-text.js'

// No borders, no padding but two spaces after each column: kubectl's and docker's tables.
const BORDERLESS = {
  style: {head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2},
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '',
  },
}

/**
 * Rows aligned in columns, each line ending in a newline. cli-table3 measures a cell as the terminal
 * shows it (string-width: colour codes take no room, East Asian wide characters and emoji two
 * cells), so coloured cells line up. It prints cells as given: what came from outside must
 * already be made visible (terminalText, terminalSafe).
 */
export function alignColumns(rows: string[][]): string {
  if (rows.length === 0) return ''
  const table = new Table(BORDERLESS)
  table.push(...rows)
  return (
    table
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n') + '\n'
  )
}

/** Plain left-aligned columns separated by two spaces (kubectl/docker style); no borders, no colour. Cells are escaped. */
export function columns(cells: string[][]): string {
  return alignColumns(cells.map((row) => row.map(terminalText)))
}
