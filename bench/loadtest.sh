#!/usr/bin/env bash
# Throughput of `mcp loadtest` against wrk and plain autocannon, same targets, run alternately.
#   bench/loadtest.sh            3 rounds of 5 s per tool and setting
#   ROUNDS=5 DURATION=10 bench/loadtest.sh
#   NODES=0 bench/loadtest.sh     without the row one node vs --nodes 2 (bench/loadtest-nodes.ts)
# Targets (both on 127.0.0.1 only): nginx from Debian with 1 worker (own temp config) serving an
# 11-byte file, and a Node http server answering "hello world". Settings: -c50 -t1 and -c100 -t2.
# Prints the median requests/second per tool and the mcp/wrk and mcp/autocannon ratios, and the
# median CPU time each tool spent per request (user+sys; for mcp from its own JSON, load phase only;
# for wrk and autocannon from /usr/bin/time, whole process): on a machine shared with other work,
# throughput swings with the neighbours while CPU per request says how efficient each client is.
# Needs: wrk, nginx (/usr/sbin/nginx), a built mcp (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
MCP=(node bin/run.js loadtest)
AUTOCANNON=node_modules/.bin/autocannon
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 1; }
NGINX=${NGINX:-/usr/sbin/nginx}
[ -x "$NGINX" ] || { echo "nginx not found at $NGINX" >&2; exit 1; }
[ -f dist/commands/loadtest.js ] || { echo "build first: npm run build" >&2; exit 1; }

work=$(mktemp -d /tmp/mcp-bench.XXXXXX)
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
NGINX_PORT=$(free_port)
NODE_PORT=$(free_port)
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "${node_pid:-}" ] && kill "$node_pid" 2>/dev/null || true
  sleep 0.2
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www" "$work/logs"
printf 'hello world' >"$work/www/index.html"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  server { listen 127.0.0.1:$NGINX_PORT; root $work/www; }
}
CONF
"$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log"
node -e '
  const http = require("http")
  http.createServer((req, res) => { res.writeHead(200, {"content-type": "text/plain"}); res.end("hello world") })
    .listen(Number(process.argv[1]), "127.0.0.1")
' "$NODE_PORT" &
node_pid=$!
sleep 0.5

# Each prints "requests/second cpu-µs-per-request".
rps_wrk() {
  /usr/bin/time -f 'cpu %U %S' -o "$work/time" wrk "-c$1" "-t$2" "-d${DURATION}s" "$3" >"$work/out"
  node -e '
    const fs = require("fs"); const out = fs.readFileSync(process.argv[1], "utf8"); const t = fs.readFileSync(process.argv[2], "utf8")
    const rps = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)[1]); const n = Number(/(\d+) requests in/.exec(out)[1])
    const [, u, s] = /cpu ([\d.]+) ([\d.]+)/.exec(t); console.log(rps, ((Number(u) + Number(s)) * 1e6 / n).toFixed(2))
  ' "$work/out" "$work/time"
}
rps_mcp() {
  "${MCP[@]}" "$3" -c "$1" -t "$2" -d "${DURATION}s" --json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(r.requests.perSecond, r.generator.cpuPerRequestUs)})'
}
rps_autocannon() {
  /usr/bin/time -f 'cpu %U %S' -o "$work/time" "$AUTOCANNON" -c "$1" -d "$DURATION" --json "$3" 2>/dev/null >"$work/out"
  node -e '
    const fs = require("fs"); const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); const t = fs.readFileSync(process.argv[2], "utf8")
    const [, u, s] = /cpu ([\d.]+) ([\d.]+)/.exec(t); console.log((r.requests.total / r.duration).toFixed(2), ((Number(u) + Number(s)) * 1e6 / r.requests.total).toFixed(2))
  ' "$work/out" "$work/time"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "mcp loadtest benchmark: $ROUNDS rounds x ${DURATION}s, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %-10s %10s %10s %10s %8s %8s   %s\n' target setting wrk mcp autocannon mcp/wrk mcp/ac 'CPU µs/request: wrk mcp autocannon'
for target in nginx node; do
  if [ "$target" = nginx ]; then url="http://127.0.0.1:$NGINX_PORT/"; else url="http://127.0.0.1:$NODE_PORT/"; fi
  for setting in "50 1" "100 2"; do
    read -r c t <<<"$setting"
    w=() m=() a=() wc=() mc=() ac=()
    for ((i = 1; i <= ROUNDS; i++)); do
      read -r r u <<<"$(rps_wrk "$c" "$t" "$url")"; w+=("$r"); wc+=("$u")
      read -r r u <<<"$(rps_mcp "$c" "$t" "$url")"; m+=("$r"); mc+=("$u")
      read -r r u <<<"$(rps_autocannon "$c" "$t" "$url")"; a+=("$r"); ac+=("$u")
      echo "  round $i $target -c$c -t$t: wrk ${w[-1]} (${wc[-1]} µs/req) mcp ${m[-1]} (${mc[-1]}) autocannon ${a[-1]} (${ac[-1]})" >&2
    done
    mw=$(median "${w[@]}") mm=$(median "${m[@]}") ma=$(median "${a[@]}")
    printf '%-7s %-10s %10.0f %10.0f %10.0f %8.2f %8.2f   %6.2f %6.2f %6.2f\n' "$target" "-c$c -t$t" "$mw" "$mm" "$ma" \
      "$(echo "$mm / $mw" | bc -l)" "$(echo "$mm / $ma" | bc -l)" "$(median "${wc[@]}")" "$(median "${mc[@]}")" "$(median "${ac[@]}")"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# One node vs --nodes 2 (a Swarm service of replicas; same machine, so the figure is the
# coordination overhead). Needs root (a private dockerd in its own network namespace); NODES=0 skips it.
if [ "${NODES:-1}" != 0 ]; then
  echo "one node vs --nodes 2:"
  ROUNDS=$ROUNDS DURATION=$DURATION node --import tsx bench/loadtest-nodes.ts
fi
