#!/usr/bin/env bash
# Part of the build: render the root help and version once with oclif (see bin/run.js); the
# runtime fills in the platform and Node version it runs on.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(node -p '`${process.platform}-${process.arch} node-${process.version}`')
render() { MCP_NO_FASTPATH=1 COLUMNS=80 node bin/run.js "$@" | sed "s/$here/{{runtime}}/"; }
render --help > dist/root-help.txt
render --version > dist/version.txt
