#!/usr/bin/env bash
# scripts/instructions.sh: the instructions one benchmark iteration costs,
# for two builds of a package's test binary, counted by valgrind rather than
# timed. On this project's shared 2-vCPU VM timings of the same binary move
# by 20-50% between runs; instruction counts move by about 1%, so a change
# of a few percent in the record builder shows in one run.
#
#   go test -c -o /tmp/before.test ./receiver/kerneleventsreceiver   # at the base
#   go test -c -o /tmp/after.test ./receiver/kerneleventsreceiver    # with the change
#   scripts/instructions.sh /tmp/before.test /tmp/after.test \
#       '^BenchmarkRecordBuild$/^procs=1$/^sink=pipeline$/^enrich=on$'
#
# Each binary runs the benchmark at LO and HI iterations (20000, 120000),
# ROUNDS times (3), alternately; an iteration's count is (I(HI) - I(LO)) /
# (HI - LO), so the binary's start and the benchmark's setup cancel out.
# The garbage collector is off (GOGC=off, GC=on to keep it): when its cycles
# run moves its share by a third between runs, so the count is the work of
# building and allocating, and the benchmark's B/op and allocs/op stand for
# the collection that work causes. The binaries
# run in the package's directory (DIR, default ./receiver/kerneleventsreceiver)
# for its testdata. It ends with the ratio after/before of the medians.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 BEFORE.test AFTER.test BENCHMARK_REGEXP" >&2
	exit 2
fi
before=$(realpath "$1") after=$(realpath "$2") bench=$3
LO=${LO:-20000}
HI=${HI:-120000}
ROUNDS=${ROUNDS:-3}
cd "$(dirname "$0")/.."
. scripts/lib/instructions.sh
use_counter
cd "${DIR:-./receiver/kerneleventsreceiver}"

# refs BINARY N: the instructions the binary executes running N iterations.
refs() {
	[ "${GC:-off}" = on ] || export GOGC=off
	"${counter[@]}" "$1" -test.run '^$' -test.bench "$bench" -test.benchtime "${2}x" -test.count 1 2>&1 |
		awk '/I *refs:/ { gsub(",", "", $4); print $4 }'
}

declare -A per
for _ in $(seq 1 "$ROUNDS"); do
	for v in before after; do
		bin=${!v}
		lo=$(refs "$bin" "$LO")
		hi=$(refs "$bin" "$HI")
		n=$(((hi - lo) / (HI - LO)))
		echo "$v: $n instructions/op"
		per[$v]+="$n "
	done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
b=$(median "${per[before]}") a=$(median "${per[after]}")
awk -v a="$a" -v b="$b" 'BEGIN { printf "after/before = %.3f (median instructions/op %d vs %d)\n", a / b, a, b }'
