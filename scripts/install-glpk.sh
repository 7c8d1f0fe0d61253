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

# shellcheck source=apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
apt_install install-glpk glpk-utils || {
	log "set CARTWRIGHT_GLPSOL to a glpsol you installed yourself"
	exit 1
}

if ! GLPSOL="$(command -v glpsol)"; then
	log "apt-get finished but glpsol is missing"
	exit 1
fi
log "installed $("$GLPSOL" --version 2>/dev/null | head -1)"
echo "export CARTWRIGHT_GLPSOL=$GLPSOL"
