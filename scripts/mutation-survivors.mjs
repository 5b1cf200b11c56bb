#!/usr/bin/env node
// Lists the mutants Stryker's JSON reports (test-output/mutation/<group>.json) show as surviving or
// not covered, one line each: file:line:col, mutator, the replacement. docs/mutation.md gives reasons.
import {existsSync, readdirSync, readFileSync} from 'node:fs'

const dir = 'test-output/mutation'
const groups = process.argv.slice(2)
const wanted = (f) => f.endsWith('.json') && (groups.length === 0 || groups.includes(f.slice(0, -5)))
const files = existsSync(dir) ? readdirSync(dir).filter(wanted) : []
for (const file of files.sort()) {
  const report = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'))
  let killed = 0
  let total = 0
  const lines = []
  for (const [path, f] of Object.entries(report.files)) {
    for (const m of f.mutants) {
      if (m.status === 'Ignored' || m.status === 'CompileError' || m.status === 'RuntimeError') continue
      total++
      if (m.status === 'Killed' || m.status === 'Timeout') killed++
      else {
        const src = f.source.split('\n')[m.location.start.line - 1].trim().slice(0, 100)
        const repl = (m.replacement ?? '').replaceAll(/\s+/g, ' ').slice(0, 80)
        lines.push(
          `${path}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${repl}\n      ${src}`,
        )
      }
    }
  }

  const score = total ? ((100 * killed) / total).toFixed(2) : '-'
  console.log(`${file.slice(0, -5)}: ${killed}/${total} detected (${score}%), ${lines.length} left`)
  for (const l of lines) console.log(`  ${l}`)
}
