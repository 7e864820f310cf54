#!/usr/bin/env bash
# `npm run bench`: a dedicated mail rig (its own ports and directory, so it never meets the
# test rig), every benchmark, bench/results.md. Needs what the tests need (root, Dovecot, Postfix).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
export RIG_DIR="${BENCH_RIG_DIR:-/tmp/mbbench}" PORT_BASE="${BENCH_PORT_BASE:-27000}"
trap 'bash scripts/rig/stop.sh >/dev/null || true' EXIT
bash scripts/rig/start.sh
set -a; . "$RIG_DIR/rig.env"; set +a
node --import tsx --expose-gc bench/run.ts
