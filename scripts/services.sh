#!/usr/bin/env bash
# Brings up the real services mcp's tests and demo use: Docker Engine, etcd, and the busybox test
# image. Idempotent: what already runs is left alone. Run as root on Debian.
#   bash scripts/services.sh          start (install packages first if missing)
#   bash scripts/services.sh stop     stop what this script started
#   bash scripts/services.sh env      print the environment to export (ETCDCTL_ENDPOINTS, ...)
set -euo pipefail

STATE_DIR=${MCP_STATE_DIR:-/tmp/mcp-services}
ETCD_PORT=${MCP_ETCD_PORT:-23790}
ETCD_PEER_PORT=${MCP_ETCD_PEER_PORT:-23800}
TEST_IMAGE=${MCP_TEST_IMAGE:-mcp-test/busybox:latest}
mkdir -p "$STATE_DIR"

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

docker_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
etcd_answers() { env -u ETCDCTL_ENDPOINTS ETCDCTL_API=3 timeout 10 etcdctl --endpoints="127.0.0.1:$ETCD_PORT" --dial-timeout=3s --command-timeout=5s endpoint health >/dev/null 2>&1; }
etcd_running() { [ -f "$STATE_DIR/etcd.pid" ] && kill -0 "$(cat "$STATE_DIR/etcd.pid")" 2>/dev/null; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v etcdctl >/dev/null || missing+=(etcd-client)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || missing+=(busybox-static)
  # The HTML report tests render pages in headless Chromium; wrk is the loadtest accuracy tests' peer.
  command -v chromium >/dev/null || missing+=(chromium)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v ip >/dev/null || missing+=(iproute2)
  # The etcd TLS test makes its own CA and server certificate.
  command -v openssl >/dev/null || missing+=(openssl)
  # The completion tests run the zsh and fish scripts in the real shells.
  command -v zsh >/dev/null || missing+=(zsh)
  command -v fish >/dev/null || missing+=(fish)
  # Not needed by the tests; the benchmarks compare against them.
  if [ "${MCP_BENCH_TOOLS:-0}" = 1 ]; then
    command -v rg >/dev/null || missing+=(ripgrep)
    command -v nginx >/dev/null || missing+=(nginx-light)
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    command -v valgrind >/dev/null || missing+=(valgrind)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; run this script as root so it can apt-get install them"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

start_docker() {
  if docker_answers; then log "docker: already answering"; return 0; fi
  [ "$(id -u)" = 0 ] || die "no Docker daemon answers and starting one needs root"
  # A daemon killed earlier leaves its pidfile and containerd's socket behind; dockerd refuses to
  # start over a pidfile whose process is gone, and a dead containerd socket makes it hang.
  for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then
      log "removing stale $pidfile"; rm -f "$pidfile"
    fi
  done
  if ! pgrep -x containerd >/dev/null; then
    rm -f /var/run/docker/containerd/containerd.sock /var/run/docker/containerd/containerd-debug.sock
  fi
  log "starting dockerd (log: $STATE_DIR/dockerd.log)"
  nohup dockerd >"$STATE_DIR/dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/dockerd.started"
  for _ in $(seq 1 60); do docker_answers && { log "docker: up"; return 0; }; sleep 0.5; done
  tail -20 "$STATE_DIR/dockerd.log" >&2 || true
  die "dockerd did not answer within 30s (see $STATE_DIR/dockerd.log)"
}

start_etcd() {
  if etcd_answers; then log "etcd: already answering on 127.0.0.1:$ETCD_PORT"; return 0; fi
  # Ours but slow to answer (a loaded machine): wait for it rather than wipe a live data dir.
  if etcd_running; then
    for _ in $(seq 1 20); do etcd_answers && { log "etcd: up"; return 0; }; sleep 0.5; done
    die "etcd (pid $(cat "$STATE_DIR/etcd.pid")) runs but does not answer on 127.0.0.1:$ETCD_PORT (see $STATE_DIR/etcd.log)"
  fi
  local data="$STATE_DIR/etcd-data"
  rm -rf "$data"; mkdir -p "$data"
  log "starting etcd on 127.0.0.1:$ETCD_PORT (data: $data)"
  nohup etcd --name mcp-test --data-dir "$data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "mcp-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    >"$STATE_DIR/etcd.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/etcd.pid"
  for _ in $(seq 1 40); do etcd_answers && { log "etcd: up"; return 0; }; sleep 0.25; done
  tail -20 "$STATE_DIR/etcd.log" >&2 || true
  die "etcd did not answer within 10s (see $STATE_DIR/etcd.log)"
}

build_image() {
  if docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then log "image $TEST_IMAGE: present"; return 0; fi
  # No registry is reachable: import a root filesystem holding only busybox-static.
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh httpd echo sleep cat ls wget nc date printf true false; do ln -s busybox "$root/bin/$applet"; done
  echo ok >"$root/www/health"
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  tar -C "$root" -c . | docker import \
    -c 'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]' -c 'EXPOSE 8080' \
    - "$TEST_IMAGE" >/dev/null
  rm -rf "$root"
  log "image $TEST_IMAGE: built with docker import"
}

print_env() {
  echo "export ETCDCTL_API=3"
  echo "export ETCDCTL_ENDPOINTS=http://127.0.0.1:$ETCD_PORT"
  echo "export MCP_TEST_IMAGE=$TEST_IMAGE"
}

stop_all() {
  if [ -f "$STATE_DIR/etcd.pid" ]; then kill "$(cat "$STATE_DIR/etcd.pid")" 2>/dev/null || true; rm -f "$STATE_DIR/etcd.pid"; log "etcd stopped"; fi
  if [ -f "$STATE_DIR/dockerd.started" ]; then kill "$(cat "$STATE_DIR/dockerd.started")" 2>/dev/null || true; rm -f "$STATE_DIR/dockerd.started"; log "dockerd stopped"; fi
}

case "${1:-start}" in
  start)
    install_packages
    start_docker
    start_etcd
    build_image
    log "ready. Docker: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'), etcd: http://127.0.0.1:$ETCD_PORT"
    log "environment for mcp and etcdctl: eval \"\$(bash scripts/services.sh env)\""
    log "stop: bash scripts/services.sh stop"
    ;;
  stop) stop_all ;;
  env) print_env ;;
  *) die "usage: services.sh [start|stop|env]" ;;
esac
