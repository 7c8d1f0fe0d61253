#!/usr/bin/env bash
# test.sh — the project's whole test run, as CI runs it (.ci/run calls it).
#
#   bash scripts/test.sh
#
# 1. Installs and starts what the tests need, exporting the variables the
#    helper scripts print (each helper prints only `export …` lines on
#    stdout): PostgreSQL (CARTWRIGHT_TEST_POSTGRES), PostgreSQL + pgvector
#    via PGlite (CARTWRIGHT_TEST_PGVECTOR), Chromium (CARTWRIGHT_CHROMIUM),
#    GLPK's MILP solver for the optimiser's oracle (CARTWRIGHT_GLPSOL).
#    A helper that fails is reported and its tests skip with their reason;
#    in CI (CI=true) a failing helper fails the run, so nothing skips there.
# 2. go vet, a gofmt check, go test ./..., go test -race on the packages
#    with concurrency, and the public eval suite with its CI thresholds.
# 3. Stops the servers it started, whatever happened.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

log() { printf 'test.sh: %s\n' "$*" >&2; }

started=()
cleanup() {
	for s in "${started[@]}"; do
		log "stopping $s"
		bash "$ROOT/scripts/$s" stop >&2 || log "could not stop $s"
	done
}
trap cleanup EXIT

# listening PORT: is something already serving on 127.0.0.1:PORT?
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# component SCRIPT PORT|-: runs the helper and exports what it prints. A
# server this run started (its port was free before) is stopped on exit; one
# that was already running (a developer's) is left alone.
component() {
	local script="$1" port="$2" out stoppable=no
	if [[ ! -f "$ROOT/scripts/$script" ]]; then
		log "scripts/$script not present: tests needing it will skip"
		return 0
	fi
	if [[ "$port" != - ]] && ! listening "$port"; then
		stoppable=yes
	fi
	log "running scripts/$script"
	if out="$(bash "$ROOT/scripts/$script")"; then
		while IFS= read -r line; do
			if [[ "$line" =~ ^export\ [A-Za-z_][A-Za-z0-9_]*= ]]; then
				eval "$line"
				log "  ${line%%=*}"
			fi
		done <<<"$out"
		if [[ "$stoppable" == yes ]]; then
			started+=("$script")
		fi
	else
		log "scripts/$script failed"
		if [[ "${CI:-}" == true ]]; then
			exit 1
		fi
	fi
}

component start-postgres.sh "${CARTWRIGHT_PG_PORT:-55432}"
component start-pglite.sh "${PGLITE_PORT:-54329}"
component install-chromium.sh -
component install-glpk.sh -

log "go vet ./..."
go vet ./...

log "gofmt check"
unformatted="$(gofmt -l $(git ls-files --cached --others --exclude-standard '*.go'))"
if [[ -n "$unformatted" ]]; then
	log "gofmt needed on:"
	printf '%s\n' "$unformatted" >&2
	exit 1
fi

log "go test ./..."
go test -count=1 ./...

# Packages with goroutines, locks or shared state: run under the race detector.
race_pkgs=()
for p in ./agent/... ./planner/... ./skills/... ./merchants/... ./memory/... ./evals/... ./cmd/...; do
	if go list "$p" >/dev/null 2>&1; then
		race_pkgs+=("$p")
	fi
done
log "go test -race ${race_pkgs[*]}"
go test -race -count=1 "${race_pkgs[@]}"

# The public eval suite through the real CLI, gated: the offline planner
# completed all of it when measured; the gate allows one stray run in a
# hundred (a slow CI machine) but never a single wrong purchase. The report lands in $EVAL_OUT (a temporary folder by default).
eval_out="${EVAL_OUT:-$(mktemp -d)}"
log "cartwright eval evals/scenarios (report in $eval_out)"
go run ./cmd/cartwright eval evals/scenarios --min-completion "${EVAL_MIN_COMPLETION:-0.99}" --max-wrong-purchase 0 \
	--out "$eval_out" --junit "$eval_out/junit.xml"

# The trap suites (evals/traps: near misses, pack counts, price floors,
# foreign currencies; evals/everyday: everyday phrasing) and the generated
# suite (evals/gen: 500 cases from a fixed seed in 17 domain families, real
# words that collide across catalogs and invented vocabularies, 19 phrasing
# patterns, eight currencies), through the same CLI.
#
# These gates are a RATCHET, not the goal. The goal (issues 11 and 12) is
# ≥95% completion and 0 wrong purchases on every suite; on 2026-12-08 the
# offline planner with the requirement check measured traps + everyday
# 29.3% completion / 9.4% wrong (191 runs) and the generated suite 55.4% /
# 7.8% (500 runs), both deterministic. The thresholds sit just past those
# figures so that no change can make them worse unnoticed; tighten them
# whenever the numbers improve, and never loosen them to land a change.
trap_dirs=()
for d in evals/traps evals/everyday; do
	if [[ -d "$d" ]]; then
		trap_dirs+=("$d")
	fi
done
if ((${#trap_dirs[@]} > 0)); then
	log "cartwright eval ${trap_dirs[*]} (ratchet gate; report in $eval_out/traps)"
	go run ./cmd/cartwright eval "${trap_dirs[@]}" -q --min-completion 0.28 --max-wrong-purchase 0.10 \
		--out "$eval_out/traps" --junit "$eval_out/traps/junit.xml"
fi

log "cartwright eval --generate 500 --seed 1 (ratchet gate; report in $eval_out/generated)"
go run ./cmd/cartwright eval --generate 500 --seed 1 -q --min-completion 0.54 --max-wrong-purchase 0.08 \
	--out "$eval_out/generated" --junit "$eval_out/generated/junit.xml"

log "all green"
