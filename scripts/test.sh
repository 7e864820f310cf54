#!/usr/bin/env bash
# The README's test command: type-check, build, then every test file under node's test runner.
# Extra arguments narrow the run to those test files.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
exec node --import tsx --test --test-concurrency=2 --test-timeout=120000 "${files[@]}"
