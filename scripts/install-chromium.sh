#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard browser tests
# (internal/dashboard TestBrowser) when it is missing. Without it (not root,
# no apt, no network) those tests skip themselves; this script never fails
# the run.
set -uo pipefail
if command -v chromium >/dev/null 2>&1 || [ -n "${SAMO_CHROMIUM:-}" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium.sh: chromium missing and cannot apt-get install it; the dashboard browser tests will skip" >&2
	exit 0
fi
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >/tmp/samo-chromium-install.log 2>&1; then
	echo "install-chromium.sh: apt-get install chromium failed (see /tmp/samo-chromium-install.log); the dashboard browser tests will skip" >&2
fi
exit 0
