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
#   MUTATE_PACKAGES   packages to run (default: the security core below;
#                     "./internal/x" and "internal/x" are the same;
#                     "internal/x:part" runs one part of a package run in
#                     parts, keeping the other parts' earlier results)
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
pkgs="${MUTATE_PACKAGES:-internal/auth internal/apikey internal/token internal/ratelimit internal/ids internal/server internal/seal internal/mask internal/dashboard internal/session internal/kv internal/prediction internal/store internal/secevent internal/mfa}"

# parts lists the runs of package $1: the package itself, or, for a
# package run in parts, "package:part" for each (results in
# mutate-out/<package>.<part>.json, which scripts/mutreport adds up).
parts() {
	case "$1" in
	*:*) echo "$1" ;; # one part, named in MUTATE_PACKAGES
	internal/seal) echo internal/seal:fernet internal/seal:rest ;;
	internal/validate) echo internal/validate:scan internal/validate:sql internal/validate:shell internal/validate:markup internal/validate:rest ;;
	*) echo "$1" ;;
	esac
}

# filesRE prints a gremlins -E regexp matching the Go files named.
filesRE() {
	local f out=''
	for f in "$@"; do
		out="${out:+$out|}${f%.go}"
	done
	echo "^($out)\\.go\$"
}

# except prints a gremlins -E regexp that leaves out every non-test Go
# file of package $1 (top directory only) except the files named after it.
except() {
	local dir="$1" f left=()
	shift
	for f in "$dir"/*.go; do
		f="${f##*/}"
		case "$f" in *_test.go) continue ;; esac
		case " $* " in *" $f "*) continue ;; esac
		left+=("$f")
	done
	filesRE "${left[@]}"
}

# The files of validate's parts; its part "rest" is every other file.
validate_scan="scan.go"
validate_sql="sql.go sqllex.go"
validate_shell="shell.go shellexec.go"
validate_markup="markup.go markupquirk.go markuptext.go template.go gotemplate.go expr.go formula.go"

# scope sets, for run $1 (package or package:part), the files gremlins
# leaves out (exclude, a regexp for gremlins -E, matched against file
# paths relative to the package directory), the tests each mutant runs
# (run, a go test -run pattern) and those it skips (skip, a -skip
# pattern). docs/testing.md gives the reason for each.
scope() {
	exclude='' run='' skip=''
	# shellcheck disable=SC2086 # validate's file lists split into words
	case "$1" in
	# Test helpers (conformance suites) are test code, not checks.
	internal/ratelimit) exclude='^ratelimittest/' ;;
	# The injection detectors, in five parts (about 2,300 mutants, two
	# hours at one worker, for the whole package): the byte scanners every
	# detector is built on; SQL; shell commands; markup, templates,
	# expressions and spreadsheet formulas; the rest (CRLF and log
	# breaking, paths, encodings, Unicode, the policy).
	internal/validate:scan) exclude=$(except internal/validate $validate_scan) ;;
	internal/validate:sql) exclude=$(except internal/validate $validate_sql) ;;
	internal/validate:shell) exclude=$(except internal/validate $validate_shell) ;;
	internal/validate:markup) exclude=$(except internal/validate $validate_markup) ;;
	internal/validate:rest) exclude=$(filesRE $validate_scan $validate_sql $validate_shell $validate_markup) ;;
	internal/ids) exclude='^idstest/' ;;
	internal/token) exclude='^tokentest/' ;;
	internal/session) exclude='^sessiontest/' ;;
	# Listener plumbing (timeouts, TLS, shutdown) is exercised by the app
	# tests; the log writer buffers output and decides nothing.
	internal/server) exclude='^(server|logwriter)\.go$' ;;
	# The guard: session checks on every request, the session cookie in
	# front of the session store (internal/session), and the second factor
	# (sign-in code, enrolment, ending sessions when a factor changes).
	internal/dashboard)
		exclude='^(access|chart|dashboard|events|form|incidents|keys|offenders|overview|predictions|render|reports|routes|signin)\.go$'
		run='^(TestRecheck|TestSession.*|TestCookieAttributes|TestCSPOnEveryDashboardResponse|TestIdleSessionExpires|TestDisabledUserSessionEnds|TestRotatedKeyLeavesTheDashboard|TestRoutesWithoutSessionRedirectToSignIn|TestPublicRoutes|TestRolesPerRoute|TestAnalystSeesNoAdminControls|TestUserKeyRefused|TestSignInFailures|TestCrossOriginPostsRefused|TestStateChangesArePostOnly|TestYourSessions|TestTOTP[A-Za-z]*|TestFactorChangeEndsOtherSessions|TestSessionsEnded|TestClearChallengeCookie|TestLockedMessage|TestSessionsNotEnded)$' ;;
	# The dashboard sessions in Redis (the rest of kv is exercised by the
	# app and replica tests). Needs SAMO_TEST_REDIS_URL, as make test sets.
	internal/kv)
		exclude='^(blocks|bus|client|deny|doc|failopen|limiter|lock)\.go$'
		run='^(TestSessions[A-Za-z]*|TestUnavailable)$' ;;
	# The ownership filters: predictions and API keys by owner; the search
	# blocks, which decide which of a user's rows a word search reads and
	# keep personal-data words apart from analysts.
	internal/store)
		exclude='^(backup|errors|events|feedback_metrics|idempotency|incidents|ipblocks|keyaddrs|keyring|migrate|outbox|postgres|refresh|reports|sealed|stmtcache|store|users|denials|totp)\.go$'
		run='^(TestConformance|TestBlockFilter|TestBlockSearch[A-Za-z]+|TestBlockPIIFilterApart|TestBlockBuilderRunsOnSearch|TestBlockBuildLeavesNewestSecond|TestBlockRequestNeedsTwoBlocks)$/^[a-z]+$/^(predictions|large_group|keys|pages)$' ;;
	# The security log's hash chain and its file (the event pipeline and
	# the event type itself are exercised by every package that records).
	internal/secevent)
		exclude='^(event|filter|pipeline)\.go$|^seceventtest/'
		run='^(TestChain[A-Za-z]*|TestVerifyLog[A-Za-z]*|TestJSONLog[A-Za-z]*|TestLogSink)$' ;;
	# Two parts, because the Python interoperability tests take seconds
	# per mutant: the Fernet code with every test, Python included; the
	# other files with those five tests skipped (which can only lower the
	# kill count).
	internal/seal:fernet) exclude='^(keyring|masterkey|seal|stream|update|wrap)\.go$' ;;
	internal/seal:rest)
		exclude='^(fernet|multifernet|legacy)\.go$'
		skip='^(TestPythonDecryptsGo|TestGoDecryptsPython|TestPythonAgreesOnTime|TestRotateInterop|TestLegacyFromPython)$' ;;
	esac
}

mkdir -p mutate-out
for p in $pkgs; do
	p="${p#./}"
	base="mutate-out/$(echo "${p%%:*}" | tr / _)"
	if [ "$p" = "${p%%:*}" ]; then
		rm -f "$base.json" "$base".*.json # a run's results replace all the earlier ones
	fi
	p_part="$p"
	p="${p%%:*}"
	for part in $(parts "$p_part"); do
		name="${part#"$p"}"
		out="$base${name:+.${name#:}}.json"
		scope "$part"
		echo "mutate: $part${exclude:+ (leaving out $exclude)}${run:+ (tests $run)}${skip:+ (skipping $skip)}"
		args=()
		[ -n "$exclude" ] && args+=(-E "$exclude")
		# shellcheck disable=SC2086
		GOFLAGS="$GOFLAGS${run:+ -run=$run}${skip:+ -skip=$skip}" $GREMLINS unleash --workers "${MUTATE_WORKERS:-1}" \
			--timeout-coefficient "${MUTATE_TIMEOUT:-10}" ${MUTATE_DRY:+--dry-run} "${args[@]}" -o "$out" "./$p" >"${out%.json}.log" 2>&1 ||
			{ echo "mutate: gremlins failed on $part (see ${out%.json}.log)" >&2; exit 1; }
		# gremlins counts a mutant that does not compile as KILLED; recount.
		[ -n "${MUTATE_DRY:-}" ] || go run ./scripts/mutviable -pkg "$p" "$out" >>"${out%.json}.log"
		# Coverage cannot see a case clause's expressions, so gremlins calls
		# their mutants NOT COVERED and never tests them; test them.
		[ -n "${MUTATE_DRY:-}" ] || go run ./scripts/mutcase -pkg "$p" -timeout-coefficient "${MUTATE_TIMEOUT:-10}" "$out" >>"${out%.json}.log"
		tail -n 4 "${out%.json}.log"
	done
done
go run ./scripts/mutreport -check mutate-out/*.json
