#!/usr/bin/env bash
# Runs every test. Integration tests that need PostgreSQL and Redis get
# throwaway servers started here (scripts/services.sh: loopback ports, a
# temporary directory, stopped on exit). SAMO_SKIP_SERVICES=1 runs without
# them; a machine where they cannot be started fails here rather than
# silently skipping the integration tests.
#
# A test whose outside dependency is missing (internal/testdep) skips on a
# developer machine and FAILS under CI=true. The last line of the output
# counts the skipped tests and gives their reasons (scripts/testsummary);
# under CI=true any skip fails the run.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 GOFLAGS=-buildvcs=false
cd "$(dirname "$0")/.."

if [ "${SAMO_SKIP_SERVICES:-}" != 1 ]; then
  svcdir="$(mktemp -u "${TMPDIR:-/tmp}/samo-services.XXXXXX")"
  trap 'scripts/services.sh stop "$svcdir" || true' EXIT
  scripts/services.sh start "$svcdir"
  # shellcheck disable=SC1091
  . "$svcdir/env"
fi
# --- dashboard browser tests: Debian's chromium; the Fernet interop tests:
# Python's cryptography (both installed when missing; under CI=true a
# failed install fails here).
scripts/install-chromium.sh
scripts/install-python-cryptography.sh

# --- OpenAPI: docs/openapi.json (equal to the served document, checked by
# TestOpenAPIGolden) must lint with 0 errors and 0 warnings.
scripts/lint-openapi.sh
# --- promtool (Debian package prometheus) lints the metrics exposition in
# TestPromtoolCheckMetrics; optional: installed when apt can, else skipped.
if ! command -v promtool >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 || echo "test.sh: promtool not installed; TestPromtoolCheckMetrics will skip" >&2
fi

testlog="$(mktemp "${TMPDIR:-/tmp}/samo-test.XXXXXX")"
# go test starts the test binaries in the order of its package arguments
# (-p at a time; ./... then adds each remaining package once): the slowest
# packages go first, so that none of them starts last and runs alone at the
# end (docs/testing.md, "Test speed").
slowest=(./internal/emotion ./internal/app ./internal/cli ./test/resilience ./internal/store ./test/replicas ./internal/dashboard ./internal/seal)
# internal/app's TestMillionClientAddresses checks memory, not races, and is
# built without -race only (its file says why); it runs here, after the
# rest, with the full million addresses.
{
  go test -race -count=1 -json "${slowest[@]}" ./...
  go test -count=1 -json -run '^TestMillionClientAddresses$' ./internal/app
} | go run ./scripts/testsummary | tee "$testlog"

# --- deployment files (compose, systemd) and the container image, built and
# run for real when a Docker daemon answers (a visible SKIP otherwise).
scripts/deploy-test.sh
scripts/image-test.sh

# The Go tests' one-line summary (counts and skip reasons), again at the end.
grep '^tests: ' "$testlog" | tail -n 1
rm -f "$testlog"
