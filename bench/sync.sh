#!/usr/bin/env bash
# mcp sync --watch: how long from a container turning healthy (Docker's health_status event, its
# timeNano) to its key written in etcd (the put answered), p50 / p99 over N containers; and the
# agent's CPU while idle (no events, the 30 s resync only), as CPU seconds per hour.
# The agent logs each add with the ms from the event that caused it; the bench checks each key
# is in etcd with etcdctl as well.
# usage: bash bench/sync.sh [N=100] [IDLE_SECONDS=60]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
IDLE=${2:-60}
bash scripts/services.sh >/dev/null 2>&1 || bash scripts/services.sh
eval "$(bash scripts/services.sh env)"
[ -f dist/commands/sync.js ] || npm run build >/dev/null
TAG=mcpbsync$$
SVC=$TAG-api
PREFIX=/$TAG/
OUT=$(mktemp -d)
AGENT=

cleanup() {
  [ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && sleep 1
  ids=$(docker ps -aq --filter "label=mcp.service.name=$SVC"); [ -n "$ids" ] && echo "$ids" | xargs -n 20 docker rm -f >/dev/null 2>&1
  etcdctl del --prefix "$PREFIX" >/dev/null 2>&1 || true
  rm -rf "$OUT"
}
trap cleanup EXIT

node bin/run.js sync --watch --json --service "$SVC" --registry-prefix "$PREFIX" --owner "$TAG" >"$OUT/agent.log" 2>"$OUT/agent.err" &
AGENT=$!
for _ in $(seq 1 100); do grep -q '"event":"resync"' "$OUT/agent.log" 2>/dev/null && break; sleep 0.2; done

echo "starting $N containers (5 at a time), each healthy ~1 s after start..." >&2
start_one() {
  docker run -d --name "$TAG-$1" -l "mcp.service.name=$SVC" -l mcp.service.port=8080 -p 127.0.0.1::8080 \
    --health-cmd true --health-interval 1s --health-retries 1 --stop-timeout 1 "$MCP_TEST_IMAGE" >/dev/null
}
pids=()
for i in $(seq 1 "$N"); do
  start_one "$i" &
  pids+=($!)
  # Wait for these docker runs only (a bare `wait` would wait for the agent too).
  if (( i % 5 == 0 )); then wait "${pids[@]}"; pids=(); fi
  if (( i % 20 == 0 )); then echo "  $i started, $(grep -c '"event":"add"' "$OUT/agent.log") registered" >&2; fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
for _ in $(seq 1 120); do
  [ "$(grep -c '"event":"add"' "$OUT/agent.log")" -ge "$N" ] && break
  sleep 0.5
done
in_etcd=$(etcdctl get --prefix "$PREFIX" --keys-only | grep -c . || true)

node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => l.includes("\"event\":\"add\""))
const ms = lines.map((l) => JSON.parse(l)).filter((e) => e.trigger === "health_status: healthy").map((e) => e.ms).sort((a, b) => a - b)
const q = (p) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)]
console.log(`healthy → key in etcd: n=${ms.length} p50=${q(50)} ms p90=${q(90)} ms p99=${q(99)} ms max=${ms.at(-1)} ms`)
' "$OUT/agent.log"
echo "keys in etcd (etcdctl): $in_etcd of $N"

ticks() { awk '{print $14 + $15}' "/proc/$AGENT/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
echo "idle for ${IDLE}s (no events; the resync every 30 s runs)..." >&2
sleep "$IDLE"
t1=$(ticks)
node -e 'const [d, hz, s] = process.argv.slice(1).map(Number); console.log(`agent idle CPU: ${(d / hz).toFixed(2)} s over ${s} s = ${((d / hz) * 3600 / s).toFixed(1)} CPU s per hour (${(100 * d / hz / s).toFixed(2)}% of a core), ${'"$N"'} containers registered`)' "$((t1 - t0))" "$hz" "$IDLE"
rss=$(awk '/VmRSS/{print $2}' "/proc/$AGENT/status")
echo "agent RSS: $((rss / 1024)) MB"
