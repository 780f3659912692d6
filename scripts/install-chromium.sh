#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard browser tests
# (internal/dashboard TestBrowser) when it is missing. Without it (not root,
# no apt, no network) those tests skip themselves on a developer machine;
# under CI=true this script fails instead, because the browser tests would
# then fail (a missing dependency never passes silently in CI).
set -uo pipefail
ci=false
case "${CI:-}" in true | TRUE | True | 1) ci=true ;; esac
fail() {
	echo "install-chromium.sh: $*" >&2
	if [ "$ci" = true ]; then exit 1; fi
	echo "install-chromium.sh: the dashboard browser tests will skip" >&2
	exit 0
}
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "${SAMO_CHROMIUM:-}" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	fail "chromium missing and cannot apt-get install it (needs root and apt-get)"
fi
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >/tmp/samo-chromium-install.log 2>&1; then
	fail "apt-get install chromium failed (see /tmp/samo-chromium-install.log)"
fi
command -v chromium >/dev/null 2>&1 || fail "chromium still not on PATH after apt-get install"
exit 0
