#!/usr/bin/env bash
# make fuzz: runs every Go fuzz target (func FuzzXxx in a *_test.go file)
# for FUZZTIME each (default 20s), one after another, and fails when any
# target finds a crasher (written under the package's testdata/fuzz/).
#
#   FUZZTIME=20s         time per target
#   FUZZ_MATCH=regexp    only targets whose "pkg.FuzzName" matches
#   FUZZ_SAVE=1          afterwards, copy up to 8 of the smallest inputs the
#                        fuzzer found interesting per target from the Go
#                        cache into testdata/fuzz/<target>/ (the checked-in
#                        seed corpus that `go test` replays on every run)
#   FUZZ_LIST=1          print the targets and exit
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 GOFLAGS=-buildvcs=false
cd "$(dirname "$0")/.."

# "package-dir FuzzName" for every fuzz target of the module.
targets=$(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal bench cmd 2>/dev/null |
	sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz.*)$|\1 \2|' | sort -u)
if [ -n "${FUZZ_MATCH:-}" ]; then
	targets=$(echo "$targets" | awk -v re="$FUZZ_MATCH" '{ if (($1 "." $2) ~ re) print }')
fi
if [ "${FUZZ_LIST:-0}" = 1 ]; then
	echo "$targets"
	exit 0
fi
n=$(echo "$targets" | grep -c . || true)
echo "fuzzing $n targets for ${FUZZTIME:-20s} each"
cache=$(go env GOCACHE)/fuzz/github.com/samo-brain/samo
failed=()
while read -r dir name; do
	[ -n "$dir" ] || continue
	echo "== ./$dir $name"
	# pipefail: the status is go test's, not tail's.
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "${FUZZTIME:-20s}" "./$dir" 2>&1 | tail -n 4; then
		failed+=("$dir.$name")
		continue
	fi
	if [ "${FUZZ_SAVE:-0}" = 1 ] && [ -d "$cache/$dir/$name" ]; then
		mkdir -p "$dir/testdata/fuzz/$name"
		# Process substitution: head closing the pipe early is no failure.
		mapfile -t found < <(ls -S -r "$cache/$dir/$name" | head -n 8)
		for f in "${found[@]}"; do
			cp "$cache/$dir/$name/$f" "$dir/testdata/fuzz/$name/$f"
		done
	fi
done <<<"$targets"
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED: ${failed[*]} (crashers are under each package's testdata/fuzz/)" >&2
	exit 1
fi
echo "all $n fuzz targets passed"
