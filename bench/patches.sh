#!/usr/bin/env bash
# What each exact-text patch of a dependency (scripts/build.mjs, OCLIF_PATCHES) gains:
# the tree is built once as it is and once without each patch (MCP_BUILD_WITHOUT=<name>), each in a
# copy of its own under a temporary directory, and an empty `discover --json --source docker` (the
# fixed cost every command pays) is timed in interleaved rounds and its instructions counted once
# (callgrind: a figure that holds on a busy machine, where wall times move by tens of percent).
# usage: bash bench/patches.sh [PATCH…]   (RUNS=30 rounds; default: every patch)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need valgrind
RUNS=${RUNS:-30}
PATCHES=("$@")
[ ${#PATCHES[@]} -gt 0 ] || PATCHES=(oclif-sort oclif-fs-sync oclif-is-wsl)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
copy() {
  mkdir -p "$WORK/$1"
  cp -r bin scripts src schema package.json tsconfig.json tsconfig.build.json oclif.manifest.json "$WORK/$1/"
  ln -s "$PWD/node_modules" "$WORK/$1/node_modules"
  (cd "$WORK/$1" && MCP_BUILD_WITHOUT="$2" node scripts/build.mjs >/dev/null)
}
copy all ''
for p in "${PATCHES[@]}"; do copy "$p" "$p"; done
cmd() { echo "env XDG_CACHE_HOME=$WORK/$1/.cache node $WORK/$1/bin/run.js discover --json --source docker --label-prefix mcpbenchnone --timeout 60s"; }
commands=("$(cmd all)")
for p in "${PATCHES[@]}"; do commands+=("$(cmd "$p")"); done
node bench/interleave.mjs "$WORK/t.json" "$RUNS" 2 "${commands[@]}"
# --trace-children: `env` execs node, whose instructions are the ones counted (the last total).
ir() { valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -1; }
# shellcheck disable=SC2046
i_all=$(ir $(cmd all))
echo "empty discover --json --source docker: with every patch $(ms "$(mean_of "$WORK/t.json" 0)") ms, $((i_all / 1000000)) M instructions"
n=1
for p in "${PATCHES[@]}"; do
  # shellcheck disable=SC2046
  i=$(ir $(cmd "$p"))
  printf '  without %-20s %+7.1f ms median (%s rounds), %+6d M instructions\n' "$p" \
    "$(node -e "console.log((($(mean_of "$WORK/t.json" $n)) - ($(mean_of "$WORK/t.json" 0))) * 1000)")" "$RUNS" $(((i - i_all) / 1000000))
  n=$((n + 1))
done
