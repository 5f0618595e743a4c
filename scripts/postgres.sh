#!/usr/bin/env bash
# A local PostgreSQL for podclip's tests and many-machine trials: Debian's postgresql binaries,
# a cluster in one folder, listening on 127.0.0.1 only, a superuser role `podclip` (trust auth
# on loopback: local use only) and a database `podclip`.
#
#   scripts/postgres.sh up   [DIR] [PORT]   initdb if needed, start, create role and database
#   scripts/postgres.sh down [DIR]          stop
#   scripts/postgres.sh dsn  [DIR] [PORT]   print the SQLAlchemy URL
#
# Idempotent: `up` on a running cluster only prints the URL. PostgreSQL refuses to run as root,
# so as root the server runs as the `postgres` user (created by Debian's package).
set -euo pipefail

cmd="${1:-up}"
DIR="$(realpath -m "${2:-${PODCLIP_PG_DIR:-data/pg}}")"
PORT="${3:-${PODCLIP_PG_PORT:-55432}}"
ROLE="podclip"
DB="podclip"

find_bin() {
    if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$found" ] && command -v pg_ctl >/dev/null 2>&1; then
        found="$(dirname "$(realpath "$(command -v pg_ctl)")")"
    fi
    if [ -z "$found" ]; then
        echo "PostgreSQL binaries not found: apt-get install -y postgresql (or set PG_BIN)" >&2
        exit 1
    fi
    echo "$found"
}
BIN="$(find_bin)"

as_owner() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

dsn() { echo "postgresql+psycopg://${ROLE}@127.0.0.1:${PORT}/${DB}"; }

running() { as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; }

up() {
    mkdir -p "$DIR"
    if [ "$(id -u)" = "0" ]; then chown postgres: "$DIR"; chmod 700 "$DIR"; fi
    if [ ! -f "$DIR/PG_VERSION" ]; then
        as_owner "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
            >"$DIR.initdb.log" 2>&1 || { cat "$DIR.initdb.log" >&2; exit 1; }
    fi
    if ! running; then
        # The socket lives in the cluster folder, so no system folder needs to be writable.
        as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
            -o "-h 127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c fsync=off" start >/dev/null
    fi
    local psql=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qtA -v ON_ERROR_STOP=1)
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='$ROLE'")" != "1" ]; then
        "${psql[@]}" -c "CREATE ROLE $ROLE LOGIN SUPERUSER"
    fi
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$DB'")" != "1" ]; then
        "${psql[@]}" -c "CREATE DATABASE $DB OWNER $ROLE"
    fi
    dsn
}

down() {
    if [ -f "$DIR/PG_VERSION" ] && running; then
        as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null
    fi
}

case "$cmd" in
    up) up ;;
    down) down ;;
    dsn) dsn ;;
    *) echo "usage: $0 up|down|dsn [DIR] [PORT]" >&2; exit 2 ;;
esac
