#!/usr/bin/env bash
# Benchmark: `mcp lint-config` against Spectral (`spectral lint` with a ruleset whose `schema` core
# function applies the same schema/gateway.schema.json) on a generated 5,000-route gateway config,
# YAML and JSON, interleaved in the same run. Prints each tool's median wall time and the ratio.
#   bash bench/lint-config.sh [RUNS] [ROUTES]        (defaults: 7 runs, 5000 routes; needs npm run build)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-7}
ROUTES=${2:-5000}
OUT=bench/out
mkdir -p "$OUT"
[ -f dist/commands/lint-config.js ] || { echo "run npm run build first" >&2; exit 2; }
SPECTRAL=node_modules/.bin/spectral
[ -x "$SPECTRAL" ] || { echo "spectral is not installed (npm ci installs @stoplight/spectral-cli)" >&2; exit 2; }

# The ruleset, with the schema inlined (Spectral bundles JS rulesets and cannot read files at load).
node -e 'const fs=require("fs");fs.writeFileSync(process.argv[1],fs.readFileSync("bench/spectral-ruleset.mjs.tpl","utf8").replace("__SCHEMA__",fs.readFileSync("schema/gateway.schema.json","utf8")))' "$OUT/spectral-ruleset.mjs"

# A schema-valid config: every route distinct, with methods, a header on every 10th, splits on every 50th.
node --input-type=module -e '
import {writeFileSync} from "node:fs"
import {stringify} from "yaml"
const n = Number(process.argv[1]), out = process.argv[2]
const routes = Array.from({length: n}, (_, i) => {
  const r = {name: `route-${i}`, match: {pathPrefix: `/svc-${i}/v1`, methods: ["GET", "POST"]}, service: `svc-${i}`, timeout: "5s", retries: 2}
  if (i % 10 === 0) r.match.headers = {"x-tenant": `t${i}`}
  if (i % 50 === 0) r.splits = [{version: "v1", weight: 90}, {version: "v2", weight: 10}]
  return r
})
const config = {version: 1, registry: {type: "etcd", endpoints: ["http://127.0.0.1:2379"], ttl: "30s"},
  discovery: {provider: "docker", labelPrefix: "mcp", resync: "15s"}, loadBalancer: {strategy: "least_connections"},
  healthCheck: {interval: "10s", timeout: "2s"}, retry: {maxRetries: 2, backoff: {initial: "100ms", max: "2s", multiplier: 2}},
  accessLog: {format: "json", traceHeader: "traceparent"}, routes}
writeFileSync(`${out}/gateway-${n}.yaml`, "# yaml-language-server: $schema=../../schema/gateway.schema.json\n" + stringify(config))
writeFileSync(`${out}/gateway-${n}.json`, JSON.stringify(config, null, 2) + "\n")
' "$ROUTES" "$OUT"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "mcp lint-config vs spectral lint, ${ROUTES} routes, ${RUNS} runs each (interleaved), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
for ext in yaml json; do
  file="$OUT/gateway-${ROUTES}.${ext}"
  # Both must agree the file is clean, or the comparison is meaningless.
  node bin/run.js lint-config "$file" >/dev/null || { echo "mcp lint-config found problems in $file" >&2; exit 1; }
  "$SPECTRAL" lint --quiet --ruleset "$OUT/spectral-ruleset.mjs" "$file" >/dev/null || { echo "spectral found problems in $file" >&2; exit 1; }
  : >"$OUT/mcp.$ext.times"; : >"$OUT/spectral.$ext.times"
  for _ in $(seq "$RUNS"); do
    t=$(now_ms); node bin/run.js lint-config "$file" >/dev/null; echo $(( $(now_ms) - t )) >>"$OUT/mcp.$ext.times"
    t=$(now_ms); "$SPECTRAL" lint --quiet --ruleset "$OUT/spectral-ruleset.mjs" "$file" >/dev/null; echo $(( $(now_ms) - t )) >>"$OUT/spectral.$ext.times"
  done
  m=$(median <"$OUT/mcp.$ext.times"); s=$(median <"$OUT/spectral.$ext.times")
  printf '%-5s %7s KiB  mcp lint-config median %5s ms   spectral median %6s ms   spectral/mcp %s×\n' \
    "$ext" "$(( $(stat -c %s "$file") / 1024 ))" "$m" "$s" "$(awk -v a="$s" -v b="$m" 'BEGIN {printf "%.1f", a / b}')"
done
