#!/usr/bin/env bash
# CPU time of mcp discover per thread, for builds side by side: the main thread (what a discover
# waits for) and the others (V8's optimizing compiler, concurrent marking, libuv), in interleaved
# rounds. Resolves a change of ~10 ms that bench/discover.sh's wall times cannot (docs/performance.md).
# usage: bash bench/thread-cpu.sh RUNS DIR...   (each DIR a built checkout)
# It seeds nothing (bench/discover.sh removes its seed when it ends): first run containers labelled
# mcpbench.service.name/port, and registrations on leases that outlive the session,
#   node bench/seed-etcd.mjs "$ETCDCTL_ENDPOINTS" /mcpbench/ 10000 10 86400
# else it measures an empty registry. EXTRA='--source etcd' narrows the command; KEEP=FILE keeps
# the raw lines. Linux only (/proc/<pid>/task/*/schedstat).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/services.sh env)"
runs=$1
shift
args="discover --json --label-prefix mcpbench --registry-prefix /mcpbench/ ${EXTRA:-}"
export THREAD_CPU_OUT
THREAD_CPU_OUT=$(mktemp)
trap '[ -n "${KEEP:-}" ] && cp "$THREAD_CPU_OUT" "$KEEP"; rm -f "$THREAD_CPU_OUT"' EXIT
preload=$PWD/bench/thread-cpu.cjs
for dir in "$@"; do THREAD_CPU_TAG=warm node -r "$preload" "$dir/bin/run.js" $args >/dev/null; done
for _ in $(seq "$runs"); do
  for dir in "$@"; do THREAD_CPU_TAG=$dir node -r "$preload" "$dir/bin/run.js" $args >/dev/null; done
done
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" ")).filter((r) => r[0] !== "warm")
// The mean of the middle 60%: the first TurboFan job or a scavenge landing early moves single runs by ±10 ms.
const trimmed = (a) => { a.sort((x, y) => x - y); const k = Math.floor(a.length * 0.2); const b = a.slice(k, a.length - k); return b.reduce((x, y) => x + y, 0) / b.length }
console.log("ms per run (trimmed mean of " + process.argv[2] + " runs): main thread, other threads, exit time")
for (const dir of process.argv.slice(3)) {
  const r = rows.filter((x) => x[0] === dir)
  console.log(`  ${trimmed(r.map((x) => x[1] / 1e6)).toFixed(1).padStart(6)} ${trimmed(r.map((x) => x[2] / 1e6)).toFixed(1).padStart(6)} ${trimmed(r.map((x) => +x[3])).toFixed(1).padStart(6)}  ${dir}`)
}' "$THREAD_CPU_OUT" "$runs" "$@"
