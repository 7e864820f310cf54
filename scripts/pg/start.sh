#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster for the tests, from Debian's binaries, as the
# `postgres` user, in PG_DIR (default /tmp/mbpg), listening on 127.0.0.1:PORT only (default
# 25432, no unix socket outside PG_DIR). Creates the database `mailbridge` and writes its URL to
# $PG_DIR/pg.env as MAILBRIDGE_TEST_PG_URL. Idempotent: a running cluster is reused.
# Needs root (to become the postgres user) or to be run as postgres.
set -euo pipefail
PG_DIR="${PG_DIR:-/tmp/mbpg}"
PORT="${PORT:-25432}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
DB=mailbridge
die() { echo "pg: $*" >&2; exit 1; }

[ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is not installed ($PG_BIN/initdb missing): apt-get install postgresql-15 (or bash scripts/setup-debian.sh)"
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
[ "$(id -u)" = 0 ] || [ "$(id -un)" = postgres ] || die "run as root or as the postgres user"

mkdir -p "$PG_DIR"
chown postgres: "$PG_DIR" 2>/dev/null || true
chmod 0700 "$PG_DIR"
if [ ! -s "$PG_DIR/data/PG_VERSION" ]; then
  # Trust on loopback only: a throwaway cluster for tests, reachable from 127.0.0.1 alone.
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || die "initdb failed; see $PG_DIR/initdb.log"
fi
if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
  # fsync off: the data is thrown away; the tests need speed, not durability across power loss.
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 30 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || die "PostgreSQL did not start; see $PG_DIR/postgres.log"
fi
psql_() { as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_ -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  psql_ -c "CREATE DATABASE $DB" || die "cannot create the database $DB"
fi
URL="postgres://postgres@127.0.0.1:$PORT/$DB"
printf 'MAILBRIDGE_TEST_PG_URL=%s\nMAILBRIDGE_TEST_PG_DIR=%s\n' "$URL" "$PG_DIR" > "$PG_DIR/pg.env"
chmod 0644 "$PG_DIR/pg.env"
echo "pg: up (PG_DIR=$PG_DIR, $URL); env in $PG_DIR/pg.env"
