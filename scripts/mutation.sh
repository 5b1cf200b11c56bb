#!/usr/bin/env bash
# Mutation testing of the domain core (docs/mutation.md), group by group (stryker.config.mjs):
#   npm run mutation                 every group
#   npm run mutation -- trace model  those groups
#   npm run mutation -- --baselined  the groups with a committed incremental file (CI)
# Incremental: each group's result is kept in reports/mutation/<group>.incremental.json (committed),
# so a run re-tests only the mutants whose code or tests changed. Fails when a group scores under
# the break threshold (80%). HTML reports land in test-output/mutation/<group>.html.
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=(core trace loadtest model judge doctor labels config)
groups=("$@")
if [ ${#groups[@]} -eq 0 ]; then groups=("${ALL[@]}"); fi
# --baselined: only the groups with a committed incremental file (what CI runs: each of those
# re-tests only what changed). A group without one takes a full run; commit its file to add it.
if [ "${groups[0]}" = "--baselined" ]; then
  groups=()
  for g in "${ALL[@]}"; do
    if [ -f "reports/mutation/$g.incremental.json" ]; then
      groups+=("$g")
    else
      echo "== mutation: $g has no baseline yet (reports/mutation/$g.incremental.json): not run"
    fi
  done
fi
status=0
for g in "${groups[@]}"; do
  echo "== mutation: $g"
  start=$SECONDS
  MUTATION_GROUP="$g" npx stryker run || status=1
  echo "== mutation: $g took $((SECONDS - start)) s"
done
node scripts/mutation-survivors.mjs "${groups[@]}" || true
exit $status
