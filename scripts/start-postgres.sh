#!/usr/bin/env bash
# start-postgres.sh — start (or stop) a throwaway PostgreSQL 15 server on
# 127.0.0.1 for Cartwright's tests, and print the line to export:
#
#   eval "$(scripts/start-postgres.sh)"      # start (idempotent), export CARTWRIGHT_TEST_POSTGRES
#   scripts/start-postgres.sh stop           # stop it and remove its data
#
# It installs Debian's postgresql-15 with apt-get when the server binaries are
# missing. The server runs as the postgres user with fsync off (test data
# only), listens on 127.0.0.1 only and keeps everything under $CARTWRIGHT_PG_DIR
# (default /tmp/cartwright-pg). Diagnostics go to stderr; only the export
# line goes to stdout.
set -euo pipefail

PORT="${CARTWRIGHT_PG_PORT:-55432}"
DIR="${CARTWRIGHT_PG_DIR:-/tmp/cartwright-pg}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
DSN="postgres://postgres@127.0.0.1:${PORT}/postgres?sslmode=disable"

log() { echo "start-postgres: $*" >&2; }

as_postgres() {
	if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

running() {
	[ -f "$DIR/data/postmaster.pid" ] && as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

ready() {
	if [ -x "$PGBIN/pg_isready" ]; then
		"$PGBIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
	fi
}

if [ "${1:-start}" = stop ]; then
	if running; then
		as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >&2
		log "stopped server on port $PORT"
	else
		log "no server running in $DIR"
	fi
	rm -rf "$DIR"
	exit 0
fi
if [ "${1:-start}" != start ]; then
	echo "usage: $0 [start|stop]" >&2
	exit 2
fi

if [ ! -x "$PGBIN/initdb" ]; then
	if [ "$(id -u)" != 0 ]; then
		log "$PGBIN/initdb not found and not root: install postgresql-15 first"
		exit 1
	fi
	log "installing postgresql-15 with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends postgresql-15 >&2
fi
if ! id postgres >/dev/null 2>&1; then
	log "no postgres system user (the postgresql-15 package creates it)"
	exit 1
fi

if running; then
	log "already running in $DIR on port $PORT"
else
	mkdir -p "$DIR"
	chown postgres:postgres "$DIR"
	chmod 700 "$DIR"
	if [ ! -f "$DIR/data/PG_VERSION" ]; then
		rm -rf "$DIR/data"
		as_postgres "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 ||
			{ log "initdb failed:"; cat "$DIR/initdb.log" >&2; exit 1; }
	fi
	rm -f "$DIR/data/postmaster.pid" # stale after a crash; pg_ctl status said not running
	as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 start \
		-o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2 ||
		{ log "server did not start:"; tail -n 20 "$DIR/server.log" >&2; exit 1; }
fi
for _ in $(seq 1 60); do
	if ready; then
		echo "export CARTWRIGHT_TEST_POSTGRES='$DSN'"
		exit 0
	fi
	sleep 0.5
done
log "server on port $PORT did not become ready; see $DIR/server.log"
exit 1
