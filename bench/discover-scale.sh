#!/usr/bin/env bash
# discover past one host, against the peers' sum in the same run:
#   2 Docker hosts × N containers (the shared daemon + a private second dockerd in its own netns)
#   + a Swarm service of T tasks (on the second daemon, a single-node Swarm)
#   mcp discover --json --docker-host A --docker-host B   vs
#   docker ps (host A) + docker ps (host B) + docker service ps + etcdctl get --prefix
# Reported as wall time and as time above bare `node -e 0` (the brief's rule for targets below
# the runtime's floor).
# usage: bash bench/discover-scale.sh [N=100] [TASKS=20]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
N=${1:-100}
TASKS=${2:-20}
RUNS=${RUNS:-10}
need hyperfine
MCP_BENCH_TOOLS=1 bash scripts/services.sh >/dev/null 2>&1 || bash scripts/services.sh
eval "$(bash scripts/services.sh env)"
[ -f dist/commands/discover.js ] || npm run build >/dev/null
PREFIX=mcpscale
REG=/mcpscale/
D=$(mktemp -d /tmp/mcp-bench-dockerd-XXXX)
NS=mcpbench-$$
B="unix://$D/docker.sock"
OUT=$(mktemp -d)

cleanup() {
  ids=$(docker ps -aq --filter "label=$PREFIX.service.name"); [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
  [ -f "$D/docker.pid" ] && kill "$(cat "$D/docker.pid")" 2>/dev/null && sleep 3
  grep -F "$D" /proc/mounts | awk '{print $2}' | sort -r | xargs -r umount -l 2>/dev/null || true
  rm -rf "$D" "$OUT"; ip netns del "$NS" 2>/dev/null || true
  node bench/seed-etcd.mjs --delete "$ETCDCTL_ENDPOINTS" "$REG" 2>/dev/null || true
}
trap cleanup EXIT

echo "starting a second dockerd (own netns) in Swarm mode..." >&2
ip netns add "$NS"; ip netns exec "$NS" ip link set lo up
nsenter --net=/var/run/netns/$NS dockerd --data-root "$D/data" --exec-root "$D/exec" --host "$B" --pidfile "$D/docker.pid" \
  --bridge none --iptables=false --ip-masq=false >"$D/dockerd.log" 2>&1 &
for _ in $(seq 1 60); do DOCKER_HOST=$B docker version >/dev/null 2>&1 && break; sleep 0.5; done
docker save "$MCP_TEST_IMAGE" | DOCKER_HOST=$B docker load -q >/dev/null
DOCKER_HOST=$B docker swarm init --advertise-addr 127.0.0.1 >/dev/null

echo "seeding 2 × $N containers, a Swarm service of $TASKS tasks, $((2 * N)) etcd keys..." >&2
seq 1 "$N" | xargs -P 4 -I{} docker run -d --name "mcpscale-a-{}" --network none \
  -l "$PREFIX.service.name=svc{}" -l "$PREFIX.service.port=8080" "$MCP_TEST_IMAGE" sleep 3600 >/dev/null
seq 1 "$N" | DOCKER_HOST=$B xargs -P 4 -I{} docker run -d --name "mcpscale-b-{}" --network none \
  -l "$PREFIX.service.name=svc{}" -l "$PREFIX.service.port=8080" "$MCP_TEST_IMAGE" sleep 3600 >/dev/null
DOCKER_HOST=$B docker service create -d --no-resolve-image --name scale --replicas "$TASKS" \
  --label "$PREFIX.service.name=scale" --label "$PREFIX.service.port=8080" "$MCP_TEST_IMAGE" sleep 3600 >/dev/null
for _ in $(seq 1 120); do
  [ "$(DOCKER_HOST=$B docker service ls --filter name=scale --format '{{.Replicas}}')" = "$TASKS/$TASKS" ] && break; sleep 1
done
node bench/seed-etcd.mjs "$ETCDCTL_ENDPOINTS" "$REG" "$((2 * N))" 10

A="unix:///var/run/docker.sock"
ETCDCTL="env -u ETCDCTL_ENDPOINTS etcdctl --endpoints=$ETCDCTL_ENDPOINTS"
hyperfine -N -w 2 -r "$RUNS" --export-json "$OUT/r.json" \
  "node bin/run.js discover --json --label-prefix $PREFIX --registry-prefix $REG --docker-host $A --docker-host $B" \
  "docker -H $A ps --filter label=$PREFIX.service.name --format json" \
  "docker -H $B ps --filter label=$PREFIX.service.name --format json" \
  "docker -H $B service ps scale --format json" \
  "$ETCDCTL get --prefix $REG -w json" \
  "node -e 0" >/dev/null

m=$(mean_of "$OUT/r.json" 0); pa=$(mean_of "$OUT/r.json" 1); pb=$(mean_of "$OUT/r.json" 2); sp=$(mean_of "$OUT/r.json" 3); eg=$(mean_of "$OUT/r.json" 4); nd=$(mean_of "$OUT/r.json" 5)
peers=$(node -e "console.log($pa + $pb + $sp + $eg)")
above=$(node -e "console.log(Math.max(0, $m - $nd))")
echo
echo "discover across 2 hosts × $N containers + a Swarm service of $TASKS tasks (medians of $RUNS runs)"
printf '  mcp discover --json (2 hosts)       %8s ms\n' "$(ms "$m")"
printf '  peers: ps A + ps B + service ps + etcdctl  %8s ms  (%s + %s + %s + %s)\n' "$(ms "$peers")" "$(ms "$pa")" "$(ms "$pb")" "$(ms "$sp")" "$(ms "$eg")"
printf '  bare node -e 0                      %8s ms\n' "$(ms "$nd")"
printf '  ratio mcp / peers                   %8s ×\n' "$(ratio "$m" "$peers")"
printf '  ratio mcp above node / peers        %8s ×\n' "$(ratio "$above" "$peers")"
