#!/usr/bin/env bash
# make mutate: mutation testing of the security core with gremlins
# (github.com/go-gremlins/gremlins, version pinned in the Makefile).
#
# Each package is mutated on its own: gremlins changes one operator at a
# time (a comparison, a negation, an arithmetic sign...) in a copy of the
# module, runs that package's tests, and counts the mutant KILLED when a
# test fails, LIVED when all pass, NOT COVERED when no test runs the line.
# Results go to mutate-out/<package>.json; scripts/mutreport turns them
# into the table of docs/testing.md.
#
#   MUTATE_PACKAGES   packages to run (default: the security core below)
#   MUTATE_WORKERS    parallel mutants (default 1: the runs are CPU heavy)
#   MUTATE_TIMEOUT    gremlins --timeout-coefficient (default 10)
#
# gremlins' --test-cpu is not used: v0.6.0 passes it to go test as the
# single argument "-cpu N", which go test cannot parse, so every mutant's
# test run fails at setup and is counted KILLED. GOFLAGS=-p=1 keeps each
# go test to one package at a time instead.
#
# Targets: efficacy (killed / (killed + lived)) >= 90 % and mutant coverage
# ((killed + lived) / all) >= 90 % per package. The script fails when a
# package misses them, after running all packages.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 GOFLAGS="-buildvcs=false -p=1"
cd "$(dirname "$0")/.."

GREMLINS="${GREMLINS:?set by the Makefile (go run github.com/go-gremlins/gremlins/cmd/gremlins@VERSION)}"
pkgs="${MUTATE_PACKAGES:-internal/auth internal/apikey internal/token internal/ratelimit internal/ids internal/server internal/seal internal/mask internal/dashboard internal/prediction internal/store}"
mkdir -p mutate-out
for p in $pkgs; do
	out="mutate-out/$(echo "$p" | tr / _).json"
	echo "mutate: $p"
	# shellcheck disable=SC2086
	$GREMLINS unleash --workers "${MUTATE_WORKERS:-1}" \
		--timeout-coefficient "${MUTATE_TIMEOUT:-10}" -o "$out" "./$p" >"${out%.json}.log" 2>&1 ||
		{ echo "mutate: gremlins failed on $p (see ${out%.json}.log)" >&2; exit 1; }
	tail -n 3 "${out%.json}.log"
done
go run ./scripts/mutreport -check mutate-out/*.json
