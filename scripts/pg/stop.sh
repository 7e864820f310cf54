#!/usr/bin/env bash
# Stops the throwaway cluster started by start.sh (same PG_DIR) and removes it: its data is
# test data only. KEEP_DATA=1 keeps the directory.
set -uo pipefail
PG_DIR="${PG_DIR:-/tmp/mbpg}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
if [ -d "$PG_DIR/data" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null || { echo "pg: could not stop the cluster in $PG_DIR" >&2; exit 1; }
fi
rm -f "$PG_DIR/pg.env"
[ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$PG_DIR"
echo "pg: stopped"
