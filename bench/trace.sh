#!/usr/bin/env bash
# Benchmark `mcp trace` against ripgrep on generated logs (JSON and nginx-style lines mixed, the id in
# about one line per 100,000, in every spelling). Checks that mcp finds exactly the lines rg finds for
# the plain 32-hex spelling (plus the other spellings rg cannot know), then prints GB/s, ratios and RSS.
#
#   bash bench/trace.sh [SIZE_MIB]      default 1024 (1 GiB); data goes under /tmp and is removed after.
#
# Page cache warm, best of RUNS runs (default 5; the machine may be shared, so best-of matters). mcp times are the command's own search time (stats.elapsedMs,
# which excludes Node/oclif start-up) and, separately, the wall time of the whole process.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB="${1:-1024}"
ID=4bf92f3577b34da6a3ce929d0e0e4736
RUNS="${RUNS:-5}"
MCP=(node bin/run.js)

command -v rg >/dev/null || { echo "bench/trace.sh: ripgrep (rg) is needed" >&2; exit 2; }
[ -f dist/commands/trace.js ] || { echo "bench/trace.sh: run npm run build first" >&2; exit 2; }

WORK="$(mktemp -d /tmp/mcp-trace-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/app.log"

echo "generating ${SIZE_MIB} MiB of logs in $WORK ..." >&2
GEN="$(node bench/gen-trace-logs.mjs "$LOG" $((SIZE_MIB * 1024 * 1024)) "$ID")"
BYTES="$(node -e 'console.log(JSON.parse(process.argv[1]).bytes)' "$GEN")"
ID_LINES="$(node -e 'console.log(JSON.parse(process.argv[1]).idLines)' "$GEN")"
echo "gzip copy ..." >&2
gzip -c "$LOG" >"$LOG.gz"
GZ_BYTES="$(stat -c %s "$LOG.gz")"
cat "$LOG" "$LOG.gz" >/dev/null # warm the page cache

now() { date +%s%N; }
# best_of CMD... : prints the best wall time in ns
best_of() {
  local best=0 t0 t1
  for _ in $(seq "$RUNS"); do
    t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
    if [ "$best" = 0 ] || [ $((t1 - t0)) -lt "$best" ]; then best=$((t1 - t0)); fi
  done
  echo "$best"
}
# mcp_best ARGS... : prints "best_elapsed_ms best_wall_ns"
mcp_best() {
  local best_e=0 best_w=0 t0 t1 e
  for _ in $(seq "$RUNS"); do
    t0=$(now)
    e=$("${MCP[@]}" trace "$@" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).stats.elapsedMs))')
    t1=$(now)
    if [ "$best_e" = 0 ] || [ "$e" -lt "$best_e" ]; then best_e=$e; fi
    if [ "$best_w" = 0 ] || [ $((t1 - t0)) -lt "$best_w" ]; then best_w=$((t1 - t0)); fi
  done
  echo "$best_e $best_w"
}
gbps() { node -e 'console.log((Number(process.argv[1]) / Number(process.argv[2])).toFixed(2))' "$1" "$2"; } # bytes, ns -> GB/s
ratio() { node -e 'console.log((Number(process.argv[1]) / Number(process.argv[2])).toFixed(2))' "$1" "$2"; }

# --- correctness: rg's lines for the plain spelling == mcp's lines that contain it literally ----------
rg --no-config -F -b -o "$ID" "$LOG" | cut -d: -f1 | sort -n >"$WORK/rg.offsets" || true
"${MCP[@]}" trace "$ID" "$LOG" --json >"$WORK/mcp.json"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const lines = r.lines.filter(l => l.match)
  const plain = lines.filter(l => l.line.includes(process.argv[2]))
  // rg -b -o gives the offset of the match; turn it into the line start by the line text
  const rgHits = require("fs").readFileSync(process.argv[3], "utf8").trim().split("\n").filter(Boolean).map(Number)
  const starts = plain.map(l => l.byteOffset + Buffer.byteLength(l.line.slice(0, l.line.indexOf(process.argv[2]))))
  const same = JSON.stringify(starts.sort((a, b) => a - b)) === JSON.stringify(rgHits)
  console.log(`correctness: rg found ${rgHits.length} plain-spelling lines; mcp found the same ${same ? "YES" : "NO"}; mcp found ${lines.length} lines in all spellings (generator wrote ${process.argv[4]})`)
  if (!same || lines.length !== Number(process.argv[4])) process.exit(1)
' "$WORK/mcp.json" "$ID" "$WORK/rg.offsets" "$ID_LINES"

# --- plain file -----------------------------------------------------------------------------------------
RG_NS=$(best_of rg --no-config -c -F "$ID" "$LOG")
read -r MCP_MS MCP_WALL < <(mcp_best "$ID" "$LOG")
read -r MCP2_MS MCP2_WALL < <(mcp_best "$ID" "$LOG" -j 2)
RSS_KB=$(/usr/bin/time -f %M "${MCP[@]}" trace "$ID" "$LOG" 2>&1 >/dev/null | tail -1)

# --- gzip -----------------------------------------------------------------------------------------------
LOAD_BEFORE_GZ="$(cut -d' ' -f1-3 /proc/loadavg)"
RGZ_NS=$(best_of rg --no-config -z -c -F "$ID" "$LOG.gz")
read -r MCPZ_MS MCPZ_WALL < <(mcp_best "$ID" "$LOG.gz")
RSSZ_KB=$(/usr/bin/time -f %M "${MCP[@]}" trace "$ID" "$LOG.gz" 2>&1 >/dev/null | tail -1)
# Context for the gzip ratio, measured now: what rg -z waits on (gzip -d through a pipe), and
# decompression alone the way mcp does it (the most mcp's gzip search can reach here).
CONTEXT_RUNS=$((RUNS < 3 ? RUNS : 3))
GZIPD_NS=$(RUNS=$CONTEXT_RUNS best_of sh -c 'gzip -dc "$1" | wc -c' sh "$LOG.gz")
ZCEIL_NS=0
for _ in $(seq "$CONTEXT_RUNS"); do
  read -r _ ns < <(node bench/gunzip-ceiling.mjs "$LOG.gz")
  if [ "$ZCEIL_NS" = 0 ] || [ "$ns" -lt "$ZCEIL_NS" ]; then ZCEIL_NS=$ns; fi
done

echo
echo "data: $BYTES bytes plain ($(node -e "console.log(($BYTES/1048576).toFixed(0))") MiB), $GZ_BYTES bytes gzip; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %8s %10s %8s\n' "" "time" "GB/s" "vs rg"
printf '%-34s %6.0fms %10s %8s\n' "rg (plain)" "$(ratio "$RG_NS" 1000000)" "$(gbps "$BYTES" "$RG_NS")" "1.00"
printf '%-34s %6sms %10s %8s\n' "mcp trace (plain, search)" "$MCP_MS" "$(gbps "$BYTES" $((MCP_MS * 1000000)))" "$(ratio "$RG_NS" $((MCP_MS * 1000000)))"
printf '%-34s %6sms %10s %8s\n' "mcp trace -j2 (split file, search)" "$MCP2_MS" "$(gbps "$BYTES" $((MCP2_MS * 1000000)))" "$(ratio "$RG_NS" $((MCP2_MS * 1000000)))"
printf '%-34s %6.0fms %10s %8s\n' "mcp trace (plain, whole process)" "$(ratio "$MCP_WALL" 1000000)" "$(gbps "$BYTES" "$MCP_WALL")" "$(ratio "$RG_NS" "$MCP_WALL")"
printf '%-34s %6.0fms %10s %8s\n' "rg -z (gzip)" "$(ratio "$RGZ_NS" 1000000)" "$(gbps "$BYTES" "$RGZ_NS")" "1.00"
printf '%-34s %6sms %10s %8s\n' "mcp trace (gzip, search)" "$MCPZ_MS" "$(gbps "$BYTES" $((MCPZ_MS * 1000000)))" "$(ratio "$RGZ_NS" $((MCPZ_MS * 1000000)))"
printf '%-34s %6.0fms %10s %8s\n' "mcp trace (gzip, whole process)" "$(ratio "$MCPZ_WALL" 1000000)" "$(gbps "$BYTES" "$MCPZ_WALL")" "$(ratio "$RGZ_NS" "$MCPZ_WALL")"
printf '%-34s %6.0fms %10s %8s\n' "  context: gzip -dc | wc -c" "$(ratio "$GZIPD_NS" 1000000)" "$(gbps "$BYTES" "$GZIPD_NS")" "$(ratio "$RGZ_NS" "$GZIPD_NS")"
printf '%-34s %6.0fms %10s %8s\n' "  context: node zlib inflate alone" "$(ratio "$ZCEIL_NS" 1000000)" "$(gbps "$BYTES" "$ZCEIL_NS")" "$(ratio "$RGZ_NS" "$ZCEIL_NS")"
echo "load average before the gzip runs: $LOAD_BEFORE_GZ"
echo "mcp max RSS (plain, default threads): $((RSS_KB / 1024)) MB; (gzip): $((RSSZ_KB / 1024)) MB"
echo "(GB/s of uncompressed bytes; targets: plain >= 0.50x rg, gzip >= 2.00x rg -z, RSS < 200 MB)"
