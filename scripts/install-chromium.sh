#!/usr/bin/env bash
# install-chromium.sh — make sure Debian's headless-capable Chromium is
# installed for the browser skill (skills/browser) and its tests.
#
# Idempotent: does nothing when /usr/bin/chromium already exists. Otherwise
# installs the Debian packages `chromium` and `fonts-liberation` (readable
# screenshots) with apt-get. Needs root (or sudo) on Debian/Ubuntu.
#
# Prints nothing on stdout except `export …` lines, so callers may do
#   eval "$(scripts/install-chromium.sh)"
# Progress and errors go to stderr.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

log() { printf 'install-chromium: %s\n' "$*" >&2; }

if [[ -x "$CHROMIUM" ]]; then
	echo "export CARTWRIGHT_CHROMIUM=$CHROMIUM"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	log "apt-get not found: install Chromium yourself and set CARTWRIGHT_CHROMIUM to its path"
	exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		log "need root (or sudo) to apt-get install chromium"
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
"${SUDO[@]}" apt-get update -q >&2
log "apt-get install chromium fonts-liberation"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation >&2

if [[ ! -x "$CHROMIUM" ]]; then
	log "apt-get finished but $CHROMIUM is missing"
	exit 1
fi
log "installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
echo "export CARTWRIGHT_CHROMIUM=$CHROMIUM"
