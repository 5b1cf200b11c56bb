#!/usr/bin/env bash
# A small local stack for trying mcp: labeled busybox httpd containers published on 127.0.0.1,
# the healthy ones registered in etcd by the agent `mcp sync --watch` (one lease, kept alive), and a
# few deliberately broken entries written by hand. `up` builds it and runs mcp on it; `down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE_DIR=${MCP_STATE_DIR:-/tmp/mcp-services}
DEMO_DIR="$STATE_DIR/demo"
eval "$(bash scripts/services.sh env)"
export ETCDCTL_API=3
IMAGE=$MCP_TEST_IMAGE
PREFIX=/services
ETCD=(etcdctl --dial-timeout=3s)

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

down() {
  if [ -f "$DEMO_DIR/keepalive.pid" ]; then kill "$(cat "$DEMO_DIR/keepalive.pid")" 2>/dev/null || true; fi
  # SIGTERM: the agent revokes its lease, and its entries leave with it.
  if [ -f "$DEMO_DIR/sync.pid" ]; then kill "$(cat "$DEMO_DIR/sync.pid")" 2>/dev/null || true; fi
  ids=$(docker ps -aq --filter label=mcp-demo=1 2>/dev/null || true)
  [ -n "$ids" ] && docker rm -f $ids >/dev/null
  docker network rm mcp-demo-back >/dev/null 2>&1 || true
  "${ETCD[@]}" del --prefix "$PREFIX/" >/dev/null 2>&1 || true
  rm -rf "$DEMO_DIR"
  echo "demo stack removed" >&2
}

published_port() { docker port "$1" 8080/tcp | head -1 | sed 's/.*://'; }
container_id() { docker inspect -f '{{.Id}}' "$1"; }

run() { # name service [extra docker args...]
  local name=$1; shift
  docker run -d --name "$name" --label mcp-demo=1 "$@" "$IMAGE" >/dev/null
}

up() {
  bash scripts/services.sh
  down 2>/dev/null || true
  mkdir -p "$DEMO_DIR"
  say "starting demo containers"
  # Healthy, registered instances of two services.
  for i in 1 2; do
    run "demo-user-api-$i" -p 127.0.0.1::8080 -l mcp.service.name=user-api -l mcp.service.port=8080 \
      -l mcp.health.path=/health -l mcp.service.version=1.4.2
  done
  run demo-orders-1 -p 127.0.0.1::8080 -l mcp.service.name=orders -l mcp.service.port=8080 \
    --health-cmd 'wget -q -O /dev/null http://127.0.0.1:8080/health' --health-interval 2s
  # Broken: registered with the Docker host's bridge address instead of the container's.
  run demo-payments-1 -p 127.0.0.1::8080 -l mcp.service.name=payments -l mcp.service.port=8080
  # Broken: no mcp.service.port label, so no address can be chosen.
  run demo-inventory-1 -l mcp.service.name=inventory
  # Broken: on two networks with no mcp.service.network label.
  docker network create mcp-demo-back --label mcp-demo=1 >/dev/null
  run demo-search-1 -l mcp.service.name=search -l mcp.service.port=8080
  docker network connect mcp-demo-back demo-search-1
  # Broken: running, labeled, never registered (no agent registers catalog here).
  run demo-catalog-1 -p 127.0.0.1::8080 -l mcp.service.name=catalog -l mcp.service.port=8080

  say "registering user-api and orders with the agent: mcp sync --watch (log: $DEMO_DIR/sync.log)"
  nohup node bin/run.js sync --watch --service user-api --service orders --owner mcp-demo >"$DEMO_DIR/sync.log" 2>&1 &
  echo $! >"$DEMO_DIR/sync.pid"
  # Registered once ready: user-api when its health path answers, orders when Docker says healthy.
  for _ in $(seq 1 60); do
    [ "$("${ETCD[@]}" get --prefix "$PREFIX/" --keys-only | grep -c -e /user-api/ -e /orders/)" -ge 3 ] && break
    sleep 0.5
  done

  say "writing the broken entries by hand (one lease, kept alive with etcdctl)"
  lease=$("${ETCD[@]}" lease grant 30 | awk '{print $2}')
  reg() { "${ETCD[@]}" put --lease="$lease" "$PREFIX/$1/$2" "$3" >/dev/null; }
  gw=$(docker inspect -f '{{.NetworkSettings.Gateway}}' demo-payments-1)
  reg payments demo-payments-1 "{\"address\":\"$gw:8080\",\"containerId\":\"$(container_id demo-payments-1)\"}"
  reg search demo-search-1 "$(docker inspect -f "{{.NetworkSettings.IPAddress}}" demo-search-1):8080"
  # Broken: a stale entry for a container that has since been removed (and no lease at all).
  run demo-orders-old -l mcp.service.name=orders -l mcp.service.port=8080
  "${ETCD[@]}" put "$PREFIX/orders/demo-orders-old" "{\"address\":\"$(docker inspect -f '{{.NetworkSettings.IPAddress}}' demo-orders-old):8080\",\"containerId\":\"$(container_id demo-orders-old)\"}" >/dev/null
  docker rm -f demo-orders-old >/dev/null
  nohup "${ETCD[@]}" lease keep-alive "$lease" >/dev/null 2>&1 &
  echo $! >"$DEMO_DIR/keepalive.pid"
  sleep 1

  # Only the demo's services: other containers on this host are not part of the story.
  local only=(--service user-api --service orders --service payments --service inventory --service search --service catalog)
  say "mcp discover --probe ${only[*]}"
  set +e
  node bin/run.js discover --probe "${only[@]}"
  say "mcp doctor --grace 0s ${only[*]}"
  node bin/run.js doctor --grace 0s "${only[@]}"
  set -e
  cat >&2 <<TXT

Try it yourself:
  export ETCDCTL_ENDPOINTS=$ETCDCTL_ENDPOINTS
  node bin/run.js discover --watch        # then docker stop demo-user-api-2 in another shell: the agent removes it
  tail -f $DEMO_DIR/sync.log             # what the agent did, and why
  node bin/run.js discover --json
Remove the demo stack: npm run demo:down
TXT
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) echo "usage: demo.sh up|down" >&2; exit 2 ;;
esac
