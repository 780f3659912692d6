#!/usr/bin/env bash
# make bench: builds samo, the bare net/http ceiling and the runner, measures
# on loopback (see bench/benchrun), runs the Go micro-benchmarks, prints
# everything and rewrites the tables of BENCHMARKS.md.
#
#   BENCH_DURATION=5s    each measurement (closed-loop round, fixed rate)
#   BENCH_ROUNDS=3       interleaved closed-loop rounds (the best counts)
#   BENCH_WARMUP=3s      closed-loop warm-up per scenario
#   BENCH_CONNS=32       keep-alive connections
#   BENCH_PIN=1          pin servers to the last CPU and the load generator
#                        to the others (needs taskset and ≥ 2 CPUs)
#   BENCH_MICRO=1        run the go test micro-benchmarks (BENCH_MICROTIME=1s)
#   BENCH_OUT=BENCHMARKS.md
#   SAMO_TEST_POSTGRES_URL / SAMO_TEST_REDIS_URL  add the scale-out scenario
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 GOFLAGS=-buildvcs=false
cd "$(dirname "$0")/.."

mkdir -p bin
go build -trimpath -o bin/samo ./cmd/samo
go build -trimpath -o bin/bench-bare ./bench/bare
go build -trimpath -o bin/benchrun ./bench/benchrun

pin=()
runner=()
ncpu=$(nproc)
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$ncpu" -ge 2 ]; then
	last=$((ncpu - 1))
	pin=(-server-cpus "$last")
	runner=(taskset -c "0-$((last - 1))")
fi

micro=()
if [ "${BENCH_MICRO:-1}" = 1 ]; then
	out=bin/bench-micro.txt
	# Every package with a Benchmark function.
	mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Benchmark' internal | xargs -n1 dirname | sort -u | sed 's|^|./|')
	echo "micro-benchmarks: ${pkgs[*]}" >&2
	if ! go test -run '^$' -bench . -benchmem -benchtime "${BENCH_MICROTIME:-1s}" "${pkgs[@]}" >"$out" 2>&1; then
		echo "warning: some micro-benchmarks failed; see $out (the rest are tabulated)" >&2
	fi
	micro=(-micro "$out")
fi

"${runner[@]}" ./bin/benchrun -samo bin/samo -bare bin/bench-bare \
	-d "${BENCH_DURATION:-5s}" -rounds "${BENCH_ROUNDS:-3}" -warmup "${BENCH_WARMUP:-3s}" -c "${BENCH_CONNS:-32}" \
	-out "${BENCH_OUT:-BENCHMARKS.md}" "${pin[@]}" "${micro[@]}"
