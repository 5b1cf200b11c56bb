#!/usr/bin/env bash
# Mutation testing of the domain core (docs/mutation.md), group by group (stryker.config.mjs):
#   npm run mutation                 every group
#   npm run mutation -- trace model  those groups
# Incremental: each group's result is kept in reports/mutation/<group>.incremental.json (committed),
# so a run re-tests only the mutants whose code or tests changed. Fails when a group scores under
# the break threshold (80%). HTML reports land in test-output/mutation/<group>.html.
set -euo pipefail
cd "$(dirname "$0")/.."
groups=("$@")
if [ ${#groups[@]} -eq 0 ]; then groups=(core trace loadtest model doctor labels config); fi
status=0
for g in "${groups[@]}"; do
  echo "== mutation: $g"
  start=$SECONDS
  MUTATION_GROUP="$g" npx stryker run || status=1
  echo "== mutation: $g took $((SECONDS - start)) s"
done
node scripts/mutation-survivors.mjs "${groups[@]}" || true
exit $status
