#!/usr/bin/env bash
# start-pglite.sh — PostgreSQL 18 + pgvector (PGlite, WebAssembly, in memory)
# over the wire protocol, for the pgvector memory tests.
#
#   eval "$(scripts/start-pglite.sh)"   # installs pinned npm packages, starts
#                                       # the server, prints the export line
#   scripts/start-pglite.sh stop        # stops it by PID, checks the port
#   scripts/start-pglite.sh status
#
# stdout carries only the `export CARTWRIGHT_TEST_PGVECTOR=…` line; progress
# goes to stderr. Environment: PGLITE_PORT (default 54329), PGLITE_HOST
# (default 127.0.0.1).
#
# PGlite is one shared Postgres session behind every connection: use
# default_query_exec_mode=simple_protocol (in the URL below), never COPY, and
# run no concurrency or isolation tests against it. It is for correctness,
# not performance: a real server is pgvector/pgvector (see README).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="$HERE/pglite"
HOST="${PGLITE_HOST:-127.0.0.1}"
PORT="${PGLITE_PORT:-54329}"
PIDFILE="$DIR/server.pid"
LOG="$DIR/server.log"
URL="postgres://postgres@${HOST}:${PORT}/postgres?sslmode=disable&default_query_exec_mode=simple_protocol"

log() { echo "start-pglite: $*" >&2; }

port_busy() { ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; }

running_pid() {
	[[ -f "$PIDFILE" ]] || return 1
	local pid
	pid="$(cat "$PIDFILE")"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# a recycled PID is not ours: only ever signal a pglite-server
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q pglite-server || return 1
	echo "$pid"
}

stop() {
	local pid
	if pid="$(running_pid)"; then
		log "stopping PID $pid"
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "PID $pid did not stop on TERM; sending KILL"
			kill -9 "$pid" 2>/dev/null || true
			sleep 0.2
		fi
	else
		log "no server recorded in $PIDFILE"
	fi
	rm -f "$PIDFILE"
	for _ in $(seq 1 30); do
		port_busy || { log "port $PORT is free"; return 0; }
		sleep 0.1
	done
	log "ERROR: port $PORT is still in use after stop (not our process?)"
	ss -Hltnp "sport = :$PORT" >&2 || true
	return 1
}

install() {
	command -v node >/dev/null || { log "ERROR: node is not installed (Node 20+ needed)"; exit 1; }
	command -v npm >/dev/null || { log "ERROR: npm is not installed"; exit 1; }
	if [[ -x "$DIR/node_modules/.bin/pglite-server" && -d "$DIR/node_modules/@electric-sql/pglite-pgvector" ]]; then
		return 0
	fi
	log "installing pinned npm packages into $DIR/node_modules"
	(cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

start() {
	if pid="$(running_pid)"; then
		log "already running (PID $pid)"
		echo "export CARTWRIGHT_TEST_PGVECTOR='$URL'"
		return 0
	fi
	if port_busy; then
		log "ERROR: port $PORT is already in use by another process; set PGLITE_PORT"
		exit 1
	fi
	install
	log "starting pglite-server on $HOST:$PORT (log: $LOG)"
	: >"$LOG"
	# setsid: own process group, so the caller's shell exiting does not kill it.
	setsid "$DIR/node_modules/.bin/pglite-server" --host="$HOST" --port="$PORT" \
		--max-connections=64 --extensions=@electric-sql/pglite-pgvector:vector \
		>"$LOG" 2>&1 </dev/null &
	local pid=$!
	echo "$pid" >"$PIDFILE"
	for _ in $(seq 1 300); do # up to 30 s; it usually takes 4-6 s
		if grep -qi "listening" "$LOG" 2>/dev/null; then
			log "listening (PID $pid)"
			echo "export CARTWRIGHT_TEST_PGVECTOR='$URL'"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			log "ERROR: pglite-server exited before listening; its log:"
			cat "$LOG" >&2
			rm -f "$PIDFILE"
			exit 1
		fi
		sleep 0.1
	done
	log "ERROR: pglite-server did not report listening within 30 s; its log:"
	cat "$LOG" >&2
	stop || true
	exit 1
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
status)
	if pid="$(running_pid)"; then
		log "running (PID $pid)"
		echo "export CARTWRIGHT_TEST_PGVECTOR='$URL'"
	else
		log "not running"
		exit 1
	fi
	;;
*)
	log "usage: $0 [start|stop|status]"
	exit 2
	;;
esac
