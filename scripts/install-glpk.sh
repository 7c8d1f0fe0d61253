#!/usr/bin/env bash
# install-glpk.sh — make sure GLPK's command-line MILP solver, glpsol, is
# installed for the basket optimiser's independent oracle test
# (agent/bundle: TestSolveMatchesMILP).
#
# Idempotent: does nothing when glpsol is already on PATH. Otherwise installs
# the Debian package `glpk-utils` with apt-get. Needs root (or sudo).
#
# Prints nothing on stdout except `export …` lines, so callers may do
#   eval "$(scripts/install-glpk.sh)"
# Progress and errors go to stderr.
set -euo pipefail

log() { printf 'install-glpk: %s\n' "$*" >&2; }

if GLPSOL="$(command -v glpsol)"; then
	echo "export CARTWRIGHT_GLPSOL=$GLPSOL"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	log "apt-get not found: install GLPK (glpsol) yourself and set CARTWRIGHT_GLPSOL to its path"
	exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		log "need root (or sudo) to apt-get install glpk-utils"
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
"${SUDO[@]}" apt-get update -q >&2
log "apt-get install glpk-utils"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends glpk-utils >&2

if ! GLPSOL="$(command -v glpsol)"; then
	log "apt-get finished but glpsol is missing"
	exit 1
fi
log "installed $("$GLPSOL" --version 2>/dev/null | head -1)"
echo "export CARTWRIGHT_GLPSOL=$GLPSOL"
