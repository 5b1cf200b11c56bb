# Shared by the bench scripts: timing with hyperfine or bench/interleave.mjs (same JSON export
# shape), ratios with node.
# shellcheck shell=bash
need() { command -v "$1" >/dev/null || { echo "bench: $1 is missing (MCP_BENCH_TOOLS=1 bash scripts/services.sh installs it)" >&2; exit 1; }; }

# mean_of FILE INDEX → median seconds (mean when there is none) of result INDEX in a JSON export
mean_of() { node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).results[+process.argv[2]];console.log(r.median ?? r.mean)' "$1" "$2"; }
# min_of FILE INDEX → fastest run in seconds: on a shared machine, the cost with the least interference
min_of() { node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).results[+process.argv[2]];console.log(r.min)' "$1" "$2"; }

# ratio A B → A/B with 2 decimals
ratio() { node -e 'console.log((+process.argv[1]/+process.argv[2]).toFixed(2))' "$1" "$2"; }
ms() { node -e 'console.log((+process.argv[1]*1000).toFixed(1))' "$1"; }
