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

# shellcheck source=apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
apt_install install-chromium chromium fonts-liberation || {
	log "set CARTWRIGHT_CHROMIUM to a Chromium you installed yourself"
	exit 1
}

if [[ ! -x "$CHROMIUM" ]]; then
	log "apt-get finished but $CHROMIUM is missing"
	exit 1
fi
log "installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
echo "export CARTWRIGHT_CHROMIUM=$CHROMIUM"
