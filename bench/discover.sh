#!/usr/bin/env bash
# mcp discover against the peers it replaces, in one run on this machine:
#   discover --json   vs  docker ps --filter label=… --format json  +  etcdctl get --prefix -w json
#   mcp --help        vs  docker --help (and bare `node -e 0`, the runtime's floor)
# Targets (issue 2): discover ≤ 1.5× the two peers together; cold start ≤ 2× docker --help — and,
# since bare Node already starts slower than docker --help here, mcp's time above bare Node start
# against that target as well.
# Commands are timed in interleaved rounds (bench/interleave.mjs says why), bare Node among them.
# usage: bash bench/discover.sh [CONTAINERS=200] [KEYS=10000]   (RUNS=20 rounds)
# BASELINE=DIR also times DIR's build (another checkout, built) in the same rounds: a change's cost
# or gain measured head to head, where two runs of this script minutes apart would measure the load.
# INSTRUCTIONS=1 also counts instructions (valgrind's callgrind) of discover and of bare Node: a
# figure that moves by a few percent between runs where the wall time on this shared host moves by
# tens, so a change to mcp's own work shows in it before it shows in the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-200}
KEYS=${2:-10000}
RUNS=${RUNS:-20}
MCP_BENCH_TOOLS=1 bash scripts/services.sh >/dev/null 2>&1 || bash scripts/services.sh
eval "$(bash scripts/services.sh env)"
[ -f dist/commands/discover.js ] || npm run build >/dev/null
PREFIX=mcpbench
REG=/mcpbench/
OUT=$(mktemp -d)
cleanup() {
  ids=$(docker ps -aq --filter "label=$PREFIX.service.name")
  [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
  node bench/seed-etcd.mjs --delete "$ETCDCTL_ENDPOINTS" "$REG" || true
  rm -rf "$OUT"
}
trap cleanup EXIT

echo "seeding $N containers and $KEYS etcd keys..." >&2
have=$(docker ps -q --filter "label=$PREFIX.service.name" | wc -l)
seq $((have + 1)) "$N" | xargs -P 4 -I{} docker run -d --name "mcpbench-{}" --network none \
  -l "$PREFIX.service.name=svc{}" -l "$PREFIX.service.port=8080" "$MCP_TEST_IMAGE" sleep 3600 >/dev/null
node bench/seed-etcd.mjs "$ETCDCTL_ENDPOINTS" "$REG" "$KEYS" 10

MCP="node bin/run.js"
node bench/interleave.mjs "$OUT/discover.json" "$RUNS" 2 \
  "$MCP discover --json --label-prefix $PREFIX --registry-prefix $REG" \
  "docker ps --filter label=$PREFIX.service.name --format json" \
  "env -u ETCDCTL_ENDPOINTS etcdctl --endpoints=$ETCDCTL_ENDPOINTS get --prefix $REG -w json" \
  "$MCP discover --json --source docker --label-prefix ${PREFIX}none" \
  "env MCP_NO_COMPILE_CACHE=1 $MCP discover --json --label-prefix $PREFIX --registry-prefix $REG" \
  "node -e 0" \
  ${BASELINE:+"node $BASELINE/bin/run.js discover --json --label-prefix $PREFIX --registry-prefix $REG"}
node bench/interleave.mjs "$OUT/start.json" "$RUNS" 3 "$MCP --help" "docker --help" "node -e 0"

d_mcp=$(mean_of "$OUT/discover.json" 0); d_ps=$(mean_of "$OUT/discover.json" 1); d_etcd=$(mean_of "$OUT/discover.json" 2); d_empty=$(mean_of "$OUT/discover.json" 3); d_nocache=$(mean_of "$OUT/discover.json" 4); d_node=$(mean_of "$OUT/discover.json" 5)
peers=$(node -e "console.log($d_ps + $d_etcd)")
s_mcp=$(mean_of "$OUT/start.json" 0); s_docker=$(mean_of "$OUT/start.json" 1); s_node=$(mean_of "$OUT/start.json" 2)
above=$(node -e "console.log(Math.max(0, $s_mcp - $s_node))")
d_above=$(node -e "console.log(Math.max(0, $d_mcp - $d_node))")

echo
echo "discover: $N containers, $KEYS keys (medians of $RUNS interleaved rounds; load $(cut -d" " -f1-3 /proc/loadavg))"
printf '  mcp discover --json              %8s ms\n' "$(ms "$d_mcp")"
printf '  docker ps + etcdctl get          %8s ms  (%s + %s)\n' "$(ms "$peers")" "$(ms "$d_ps")" "$(ms "$d_etcd")"
printf '  ratio mcp / peers                %8s ×   (target ≤ 1.5)\n' "$(ratio "$d_mcp" "$peers")"
printf '  bare node -e 0 in the same rounds %8s ms\n' "$(ms "$d_node")"
printf '  ratio mcp above bare node / peers %7s ×   (target ≤ 1.5)\n' "$(ratio "$d_above" "$peers")"
# The same from each command's fastest run: what the work costs with the least interference from
# whatever else the machine is doing (medians move with the load; mcp's CPU share suffers most).
m_mcp=$(min_of "$OUT/discover.json" 0); m_peers=$(node -e "console.log($(min_of "$OUT/discover.json" 1) + $(min_of "$OUT/discover.json" 2))"); m_node=$(min_of "$OUT/discover.json" 5)
printf '  fastest runs: mcp %s ms, peers %s ms, node %s ms → above node / peers %s ×\n' "$(ms "$m_mcp")" "$(ms "$m_peers")" "$(ms "$m_node")" "$(ratio "$(node -e "console.log(Math.max(0, $m_mcp - $m_node))")" "$m_peers")"
printf '  context: an empty discover        %8s ms  (Node + oclif + one Docker list: the fixed cost)\n' "$(ms "$d_empty")"
printf '  context: without the code cache   %8s ms  (MCP_NO_COMPILE_CACHE=1: every file compiled, as on a first run)\n' "$(ms "$d_nocache")"
if [ -n "${BASELINE:-}" ]; then
  d_base=$(mean_of "$OUT/discover.json" 6)
  printf '  baseline %-23s %8s ms  (mcp / baseline %s ×; above bare node %s ×)\n' "$(basename "$BASELINE")" "$(ms "$d_base")" "$(ratio "$d_mcp" "$d_base")" \
    "$(ratio "$d_above" "$(node -e "console.log(Math.max(0, $d_base - $d_node))")")"
fi
echo "cold start"
printf '  mcp --help                       %8s ms\n' "$(ms "$s_mcp")"
printf '  docker --help                    %8s ms\n' "$(ms "$s_docker")"
printf '  node -e 0 (runtime floor)        %8s ms\n' "$(ms "$s_node")"
printf '  ratio mcp / docker               %8s ×   (target ≤ 2; below the floor: node alone is %s×)\n' "$(ratio "$s_mcp" "$s_docker")" "$(ratio "$s_node" "$s_docker")"
printf '  ratio mcp above node / docker    %8s ×   (target ≤ 2)\n' "$(ratio "$above" "$s_docker")"

if [ "${INSTRUCTIONS:-0}" = 1 ]; then
  need valgrind
  # Instructions of one run, every thread (V8 compiles and collects on threads of its own).
  ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  # Under valgrind a run is ~50× slower: a longer timeout, and one run first so the code cache is warm.
  $MCP discover --json --label-prefix $PREFIX --registry-prefix $REG --timeout 300s >/dev/null
  i_mcp=$(ir $MCP discover --json --label-prefix $PREFIX --registry-prefix $REG --timeout 300s)
  i_node=$(ir node -e 0)
  i_bare=$(unset NODE_EXTRA_CA_CERTS; ir node -e 0)
  echo "instructions (callgrind, one run each)"
  printf '  mcp discover --json              %8s M\n' "$((i_mcp / 1000000))"
  printf '  node -e 0                        %8s M   (without NODE_EXTRA_CA_CERTS: %s M%s)\n' "$((i_node / 1000000))" "$((i_bare / 1000000))" "${NODE_EXTRA_CA_CERTS:+; it is set here, and Node parses every certificate in it at start}"
  printf '  mcp above node                   %8s M\n' "$(((i_mcp - i_node) / 1000000))"
fi
