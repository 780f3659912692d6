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
#   MUTATE_DRY=1      gremlins --dry-run: coverage only, no mutant is tested
#                     (minutes instead of hours; the report says "not run")
#
# gremlins' --test-cpu is not used: v0.6.0 passes it to go test as the
# single argument "-cpu N", which go test cannot parse, so every mutant's
# test run fails at setup and is counted KILLED. GOFLAGS=-p=1 keeps each
# go test to one package at a time instead.
#
# Each mutant's go test runs without go vet (-vet=off) and links without
# DWARF debug information (-ldflags=-w): both cost time on every mutant
# (a quarter to a half of a small package's run on the shared machine)
# and neither decides whether a test fails. With vet on, a mutant that
# only upset vet would also have counted KILLED with no test failing.
#
# Targets: efficacy (killed / (killed + lived)) >= 90 % and mutant coverage
# ((killed + lived) / all) >= 90 % per package. The script fails when a
# package misses them, after running all packages.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 GOFLAGS="-buildvcs=false -p=1 -vet=off -ldflags=-w"
cd "$(dirname "$0")/.."

GREMLINS="${GREMLINS:?set by the Makefile (go run github.com/go-gremlins/gremlins/cmd/gremlins@VERSION)}"
pkgs="${MUTATE_PACKAGES:-internal/auth internal/apikey internal/token internal/ratelimit internal/ids internal/server internal/seal internal/mask internal/dashboard internal/prediction internal/store}"

# scope sets, for package $1, the files gremlins leaves out (exclude, a
# regexp for gremlins -E, matched against file paths relative to the
# package directory) and the tests each mutant runs (run, a go test -run
# pattern). docs/testing.md gives the reason for each.
scope() {
	exclude='' run=''
	case "$1" in
	# Test helpers (conformance suites) are test code, not checks.
	internal/ratelimit) exclude='^ratelimittest/' ;;
	internal/ids) exclude='^idstest/' ;;
	internal/token) exclude='^tokentest/' ;;
	# Listener plumbing (timeouts, TLS, shutdown) is exercised by the app
	# tests; the log writer buffers output and decides nothing.
	internal/server) exclude='^(server|logwriter)\.go$' ;;
	# The guard: session checks on every request, and the session store.
	internal/dashboard)
		exclude='^(access|chart|dashboard|events|form|incidents|keys|offenders|overview|predictions|render|reports|routes|signin)\.go$'
		run='^(TestRecheck|TestSession.*|TestCookieAttributes|TestCSPOnEveryDashboardResponse|TestIdleSessionExpires|TestDisabledUserSessionEnds|TestRotatedKeyLeavesTheDashboard|TestRoutesWithoutSessionRedirectToSignIn|TestPublicRoutes|TestRolesPerRoute|TestAnalystSeesNoAdminControls|TestUserKeyRefused|TestSignInFailures|TestCrossOriginPostsRefused|TestStateChangesArePostOnly)$' ;;
	# The ownership filters: predictions and API keys by owner.
	internal/store)
		exclude='^(backup|errors|events|feedback_metrics|idempotency|incidents|ipblocks|keyaddrs|keyring|migrate|outbox|postgres|refresh|reports|sealed|stmtcache|store|users)\.go$'
		run='^TestConformance$/^[a-z]+$/^(predictions|large_group|keys|pages)$' ;;
	esac
}

mkdir -p mutate-out
for p in $pkgs; do
	out="mutate-out/$(echo "$p" | tr / _).json"
	scope "$p"
	echo "mutate: $p${exclude:+ (leaving out $exclude)}${run:+ (tests $run)}"
	args=()
	[ -n "$exclude" ] && args+=(-E "$exclude")
	# shellcheck disable=SC2086
	GOFLAGS="$GOFLAGS${run:+ -run=$run}" $GREMLINS unleash --workers "${MUTATE_WORKERS:-1}" \
		--timeout-coefficient "${MUTATE_TIMEOUT:-10}" ${MUTATE_DRY:+--dry-run} "${args[@]}" -o "$out" "./$p" >"${out%.json}.log" 2>&1 ||
		{ echo "mutate: gremlins failed on $p (see ${out%.json}.log)" >&2; exit 1; }
	# gremlins counts a mutant that does not compile as KILLED; recount.
	[ -n "${MUTATE_DRY:-}" ] || go run ./scripts/mutviable -pkg "$p" "$out" >>"${out%.json}.log"
	tail -n 3 "${out%.json}.log"
done
go run ./scripts/mutreport -check mutate-out/*.json
