#!/usr/bin/env bash
# Runs every test. Integration tests that need PostgreSQL, Redis or Chromium
# get throwaway servers started here (see scripts/services.sh) and skip
# themselves when their variables are unset.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 GOFLAGS=-buildvcs=false
cd "$(dirname "$0")/.."

# --- dashboard browser tests (internal/dashboard) ---------------------------
# Headless Chromium from Debian; the tests skip when it is not installed.
bash scripts/install-chromium.sh
# --- end of dashboard block --------------------------------------------------

go test -race -count=1 ./...
