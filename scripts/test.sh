#!/usr/bin/env bash
# Runs every test with Node's test runner: test/unit (no services), test/integration and
# test/reliability (real dockerd and etcd from scripts/services.sh; they fail, never skip, when
# those are absent). The reliability tests' rows become docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/fixtures/*' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
# The tests are TypeScript too: a type error in them fails here, not halfway through a run.
npx tsc -p tsconfig.test.json
rm -f test-output/reliability.jsonl
status=0
node --import tsx --test --test-reporter=spec --test-timeout=300000 "${files[@]}" || status=$?
node scripts/reliability-report.mjs || true
exit $status
