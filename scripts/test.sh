#!/usr/bin/env bash
# The README's test command: type-check, build, then every test file under node's test runner,
# with the mail test rig (scripts/rig: identity emulator, Dovecot, Postfix) running around them.
# Extra arguments narrow the run to those test files. MAILRIG_KEEP=1 leaves the rig running.
set -euo pipefail
cd "$(dirname "$0")/.."
# The sandbox package (packages/sandbox, @mailbridge/sandbox) first: mailbridge's build reads its types.
npx tsc -b packages/sandbox
npx tsc -p tsconfig.json
# The tests and scripts are type-checked too (tsx runs them without checking).
npx tsc -p tsconfig.test.json
# The house rules that run: ESLint + the layer rules, and the API reference without warnings. A run narrowed to some
# files skips them (they take minutes on a busy machine) unless MAILBRIDGE_LINT=1.
if [ "$#" -eq 0 ] || [ "${MAILBRIDGE_LINT:-0}" = 1 ]; then
  npm run --silent lint
  npx typedoc --logLevel Warn
fi
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi

# The real servers and the browser the tests use (installs them when missing, as root).
bash scripts/setup-debian.sh
export RIG_DIR="${RIG_DIR:-/tmp/mbrig}"
stop_rig() { [ "${MAILRIG_KEEP:-0}" = 1 ] || bash scripts/rig/stop.sh >/dev/null || true; }
trap stop_rig EXIT
bash scripts/rig/start.sh
set -a; . "$RIG_DIR/rig.env"; set +a
# PostgreSQL (scripts/pg) for the store suite and the multi-instance tests; stopped with the rig.
trap 'stop_rig; [ "${MAILRIG_KEEP:-0}" = 1 ] || bash scripts/pg/stop.sh >/dev/null || true' EXIT
bash scripts/pg/start.sh
set -a; . "${PG_DIR:-/tmp/mbpg}/pg.env"; set +a

# Not exec: the EXIT trap must stop the rig, and the runner's exit code is the script's.
node --import tsx --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"
