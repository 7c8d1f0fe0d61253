#!/usr/bin/env bash
# apt-install.sh — sourced by the install-*.sh helpers: apt_install NAME
# PACKAGE… installs Debian packages with apt-get (as root, or through sudo),
# logging to stderr as "NAME: …" so the helper's stdout stays only
# `export …` lines. It returns non-zero, with the reason logged, when
# apt-get or root is not available.

apt_install() {
	local name="$1"
	shift
	if ! command -v apt-get >/dev/null 2>&1; then
		printf '%s: apt-get not found: install %s yourself\n' "$name" "$*" >&2
		return 1
	fi
	local sudo=()
	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=(sudo)
		else
			printf '%s: need root (or sudo) to apt-get install %s\n' "$name" "$*" >&2
			return 1
		fi
	fi
	printf '%s: apt-get update\n' "$name" >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || return 1
	printf '%s: apt-get install %s\n' "$name" "$*" >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}
