// Times commands in rounds, A B C A B C …, instead of every run of A and then every run of B (what
// hyperfine does). The machines here are shared, and their speed changes from one minute to the
// next (bare `node -e 0` has been seen at 75 ms and at 115 ms within one session): run one after
// the other, the commands of a ratio can land in different minutes, and the ratio then measures the
// machine. In rounds, every command meets the same mix of fast and slow moments.
//
// usage: node bench/interleave.mjs OUT.json RUNS WARMUP 'command 1' 'command 2' …
// Each command is split on spaces and run without a shell (as hyperfine -N does), output to
// /dev/null. OUT.json has hyperfine's export shape (results[i].mean/median/min/times, in seconds),
// so bench/lib.sh reads it the same way.
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'

const [out, runsText, warmupText, ...commands] = process.argv.slice(2)
const runs = Number(runsText)
const warmup = Number(warmupText)
if (!out || !(runs > 0) || !(warmup >= 0) || commands.length === 0) {
  console.error('usage: node bench/interleave.mjs OUT.json RUNS WARMUP COMMAND...')
  process.exit(2)
}

const times = commands.map(() => [])
for (let round = 0; round < warmup + runs; round++) {
  for (const [i, command] of commands.entries()) {
    const [file, ...args] = command.split(' ').filter(Boolean)
    const start = process.hrtime.bigint()
    const result = spawnSync(file, args, {stdio: ['ignore', 'ignore', 'pipe']})
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    if (result.status !== 0) {
      console.error(
        `bench: "${command}" exited ${result.status ?? result.signal}: ${String(result.stderr).trim().split('\n').pop()}`,
      )
      process.exit(1)
    }

    if (round >= warmup) times[i].push(seconds)
  }
}

const median = (sorted) =>
  sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
const results = commands.map((command, i) => {
  const sorted = [...times[i]].sort((a, b) => a - b)
  return {
    command,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    median: median(sorted),
    min: sorted[0],
    max: sorted.at(-1),
    times: times[i],
  }
})
writeFileSync(out, JSON.stringify({results}, null, 2) + '\n')
