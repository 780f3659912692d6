#!/usr/bin/env bash
# Lints docs/openapi.json (kept equal to the served document by
# TestOpenAPIGolden) with @redocly/cli's recommended rules: 0 errors and
# 0 warnings required. The CLI is installed from npm once into a cache
# directory (SAMO_REDOCLY_DIR, default ~/.cache/samo-redocly) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
version=2.77.0 # runs on Node.js 20 (Debian's); later releases need Node.js 22
dir="${SAMO_REDOCLY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/samo-redocly}"
bin="$dir/node_modules/.bin/redocly"
if ! command -v npm >/dev/null; then
  echo "lint-openapi: npm is missing; installing Debian's nodejs and npm" >&2
  apt-get install -y --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null | tail -1)" != "$version" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "@redocly/cli@$version" >/dev/null
fi
out=$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "$bin" lint --format=summary docs/openapi.json 2>&1) || { echo "$out" >&2; exit 1; }
if grep -qE '^(error|warning) ' <<<"$out"; then
  echo "$out" >&2
  echo "lint-openapi: @redocly/cli reported warnings (0 required)" >&2
  exit 1
fi
echo "lint-openapi: docs/openapi.json: 0 errors, 0 warnings (@redocly/cli $version)"
