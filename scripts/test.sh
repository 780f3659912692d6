#!/usr/bin/env bash
# Runs every test. Integration tests that need PostgreSQL and Redis get
# throwaway servers started here (scripts/services.sh: loopback ports, a
# temporary directory, stopped on exit) and skip themselves when their
# variables are unset. SAMO_SKIP_SERVICES=1 runs without them (unit tests
# only); a machine where they cannot be started fails here rather than
# silently skipping the integration tests.
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
# --- dashboard browser tests: Debian's chromium (installed when missing;
# the browser tests skip, loudly, when it cannot be installed).
scripts/install-chromium.sh || true

go test -race -count=1 ./...

# --- deployment files (compose, systemd) and the container image, built and
# run for real when a Docker daemon answers (a visible SKIP otherwise).
scripts/deploy-test.sh
scripts/image-test.sh
