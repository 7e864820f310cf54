#!/usr/bin/env bash
# The fast lane (`npm run test:unit`): every test file that needs no server (no rig, no PostgreSQL, no root, no Debian
# packages, no browser). Which files those are is decided by scripts/unit-tests.txt (one path a line; CONTRIBUTING.md
# says how to keep it). Extra arguments narrow the run to those files.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(grep -v '^\s*\(#\|$\)' scripts/unit-tests.txt); fi
# No rig: a test that reaches for it by mistake fails at once instead of waiting.
unset MAILBRIDGE_TEST_PG_URL MAILBRIDGE_TEST_PG_DIR RIG_DIR $(compgen -e | grep "^MAILRIG_" || true)
export MAILRIG_DIR=/nonexistent/mailbridge-unit-lane
exec node --import tsx --test --test-concurrency=2 --test-timeout=120000 "${files[@]}"
