#!/usr/bin/env bash
# Makes Python's cryptography package available for the Fernet interop
# tests (internal/seal python_test.go, an independent oracle for the
# sealed-value format): Debian's python3-cryptography as root, else
# pip install --user. Like install-chromium.sh it fails only under CI=true;
# elsewhere the interop tests skip, and make test's last line says so.
set -uo pipefail
ci=false
case "${CI:-}" in true | TRUE | True | 1) ci=true ;; esac
fail() {
	echo "install-python-cryptography.sh: $*" >&2
	if [ "$ci" = true ]; then exit 1; fi
	echo "install-python-cryptography.sh: the Python interop tests will skip" >&2
	exit 0
}
have() { python3 -c 'import cryptography.fernet' >/dev/null 2>&1; }
have && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-cryptography; } \
		>/tmp/samo-python-install.log 2>&1 || true
	have && exit 0
fi
if command -v python3 >/dev/null 2>&1; then
	python3 -m pip install --user --quiet cryptography >>/tmp/samo-python-install.log 2>&1 || true
	have && exit 0
fi
fail "python3 with the cryptography package is not available and could not be installed (see /tmp/samo-python-install.log)"
