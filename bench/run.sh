#!/usr/bin/env bash
# `npm run bench`: a dedicated mail rig (its own ports and directory, so it never meets the
# test rig), every benchmark, bench/results.md. Needs what the tests need (root, Dovecot, Postfix).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
# Dovecot gives every IDLE connection an inotify instance; the default 128 per user would make
# the 1,000-mailbox figure measure Dovecot's polling fallback instead of IDLE.
sysctl -qw fs.inotify.max_user_instances=2048 2>/dev/null || echo "bench: could not raise fs.inotify.max_user_instances; Dovecot falls back to polling for IDLE beyond 128 mailboxes" >&2
export RIG_DIR="${BENCH_RIG_DIR:-/tmp/mbbench}" PORT_BASE="${BENCH_PORT_BASE:-27000}"
BENCH_PG_DIR="${BENCH_PG_DIR:-/tmp/mbpgbench}"
trap 'bash scripts/rig/stop.sh >/dev/null || true; PG_DIR="$BENCH_PG_DIR" bash scripts/pg/stop.sh >/dev/null || true' EXIT
bash scripts/rig/start.sh
set -a; . "$RIG_DIR/rig.env"; set +a
# PostgreSQL for the instances bench (several instances over one database); its own cluster and port.
PG_DIR="$BENCH_PG_DIR" PORT="${BENCH_PG_PORT:-25450}" bash scripts/pg/start.sh
MAILBRIDGE_BENCH_PG_URL="$(sed -n 's/^MAILBRIDGE_TEST_PG_URL=//p' "$BENCH_PG_DIR/pg.env")"
export MAILBRIDGE_BENCH_PG_URL
node --import tsx --expose-gc bench/run.ts
