#!/usr/bin/env bash
# make bench: run the benchmarks the READMEs quote and print the ratios they
# quote, each between two benchmarks measured in the same run.
#
# A ratio is the median of one metric (ns/op unless named) over COUNT runs of
# a benchmark, divided by the median of the same metric of its reference.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
OUT=${OUT:-_build/bench}
mkdir -p "$OUT"

# run NAME PACKAGE REGEXP [go test flags...]: run, keep the output, benchstat it.
run() {
	local name=$1 pkg=$2 re=$3
	shift 3
	echo "== $name: go test -run '^\$' -bench '$re' -count $COUNT $* $pkg"
	go test -run '^$' -bench "$re" -benchmem -count "$COUNT" "$@" "$pkg" | tee "$OUT/$name.txt"
	.tools/benchstat "$OUT/$name.txt" > "$OUT/$name.benchstat" || true
}

# ratio FILE METRIC NUMERATOR DENOMINATOR: median(METRIC of NUMERATOR) / median(METRIC of DENOMINATOR).
ratio() {
	awk -v metric="$2" -v num="$3" -v den="$4" '
	/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
		for (i = 3; i < NF; i += 2) if ($(i+1) == metric) { n[name]++; v[name, n[name]] = $i }
	}
	function median(k,   i, j, t, a, c) {
		c = n[k]; for (i = 1; i <= c; i++) a[i] = v[k, i] + 0
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((c + 1) / 2)]
	}
	END {
		if (!n[num] || !n[den]) { printf "ratio %s / %s: not measured\n", num, den; exit }
		printf "ratio %s / %s = %.2fx  (%s %s vs %s)\n", num, den, median(num) / median(den), metric, median(num), median(den)
	}' "$1"
}

# median FILE METRIC BENCHMARK: the median of one reported metric.
median() {
	awk -v metric="$2" -v want="$3" '
	/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
		if (name != want) next
		for (i = 3; i < NF; i += 2) if ($(i+1) == metric) a[++c] = $i + 0
	}
	END {
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		printf "median %s %s = %s\n", want, metric, (c ? a[int((c + 1) / 2)] : "not measured")
	}' "$1"
}

# getppid costs ~1 µs here: more iterations than the rest for a stable ratio
g=$OUT/receiver-getppid.txt
run receiver-getppid ./receiver/kerneleventsreceiver/ 'BenchmarkGetppid' -benchtime 2000000x
ratio "$g" ns/op Getppid/receiver Getppid/baseline

r=$OUT/receiver.txt
run receiver ./receiver/kerneleventsreceiver/ 'BenchmarkOpenatCloseOtherProcess|BenchmarkRecordBuild' -benchtime 300000x
for e in openat security_file_open; do
	for s in noop pipeline; do
		ratio "$r" workload-ns/op "OpenatCloseOtherProcess/$e/sink=$s" OpenatCloseOtherProcess/baseline
		median "$r" drops "OpenatCloseOtherProcess/$e/sink=$s"
		median "$r" records/s "OpenatCloseOtherProcess/$e/sink=$s"
		median "$r" collector-cpu-ns/record "OpenatCloseOtherProcess/$e/sink=$s"
		median "$r" collector-rss-MB "OpenatCloseOtherProcess/$e/sink=$s"
	done
done
# the reader from a full ring: a million records, so the drain lasts seconds
k=$OUT/receiver-backlog.txt
# with one builder and with the receiver's count (a CPU's each, at most 4)
run receiver-backlog ./receiver/kerneleventsreceiver/ 'BenchmarkReaderBacklog' -benchtime 1000000x
nb=$(nproc)
[ "$nb" -le 4 ] || nb=4
for s in noop pipeline; do
	for n in $(printf '%s\n' 1 "$nb" | uniq); do
		median "$k" records/s "ReaderBacklog/sink=$s/builders=$n"
		median "$k" records/s/core "ReaderBacklog/sink=$s/builders=$n"
		median "$k" drops "ReaderBacklog/sink=$s/builders=$n"
	done
	ratio "$k" records/s "ReaderBacklog/sink=$s/builders=$nb" "ReaderBacklog/sink=$s/builders=1"
done
for p in 1 64 1024; do
	for s in noop pipeline; do
		median "$r" records/s "RecordBuild/procs=$p/sink=$s"
		median "$r" records/s/core "RecordBuild/procs=$p/sink=$s"
	done
done

# the replay source (source: file): Tracee JSON lines into batched records
# (lines/s is wall time, lines/s/core all the CPU the process used), on
# the mixed stream and on the sessions stream (BenchmarkReplaySessions), and
# its decoder against encoding/json, the reference it must equal
p=$OUT/replay.txt
run replay ./receiver/kerneleventsreceiver/ 'BenchmarkReplay' -benchtime 200000x
for stream in Replay ReplaySessions; do
	median "$p" lines/s "$stream"
	median "$p" lines/s/core "$stream"
done
j=$OUT/tracee-decode.txt
run tracee-decode ./tracee/ 'BenchmarkDecode' -benchtime 100000x
ratio "$j" ns/op Decode/encoding-json Decode/decoder
median "$j" lines/s Decode/decoder

b=$OUT/bpf.txt
run bpf ./bpf/ . -benchtime 1000000x
ratio "$b" ns/op Getppid/probe_loaded_unselected Getppid/baseline
ratio "$b" ns/op Getppid/probe_loaded_unselected_with_execve Getppid/baseline
ratio "$b" ns/op OpenatClose/probe_selected OpenatClose/baseline
ratio "$b" ns/op OpenatClose/probe_selected_wakeup64 OpenatClose/baseline
ratio "$b" ns/op OpenatClose/probe_selected_rate_limit OpenatClose/probe_selected
ratio "$b" ns/op OpenatClose/probe_selected_throttled OpenatClose/probe_selected
ratio "$b" ns/op OpenatClose/security_file_open OpenatClose/baseline
ratio "$b" ns/op OpenatClose/security_file_open_throttled OpenatClose/security_file_open

d=$OUT/detection.txt
run detection ./processor/detectionprocessor/ 'BenchmarkDetection|BenchmarkProcessor|BenchmarkScaling' -benchtime 2s
ratio "$d" cpu-ns/record Detection/tracee-way Detection/engine
ratio "$d" cpu-ns/record Detection/engine Detection/go-checks
median "$d" records/s/core Detection/engine
median "$d" records/s/core Processor/workers=1
median "$d" cpu-ns/record ProcessorStorm

# The offline replay as a user runs it (issue #14): examples/replay.yaml
# over a million lines of the mixed stream, until "replay finished".
# No privileges needed; the script builds nothing, so vigilcol is built here
# (again if a source changed) unless VIGILCOL names one.
[ -n "${VIGILCOL:-}" ] || make _build/vigilcol
echo "== replay end to end: scripts/replay-e2e.sh (RUNS=${REPLAY_RUNS:-3})"
RUNS=${REPLAY_RUNS:-3} OUT="$OUT/replay-e2e" scripts/replay-e2e.sh | tee "$OUT/replay-e2e.txt" ||
	echo "== replay end to end: scripts/replay-e2e.sh failed (above); the other benchmarks go on" >&2

# The shipped configuration under overload (issue #13): attacks detected
# while noisy processes flood it, and each layer's loss. Root only (eBPF).
if [ "$(id -u)" = 0 ]; then
	echo "== overload: scripts/overload.sh (DURATION=${OVERLOAD_DURATION:-60})"
	DURATION=${OVERLOAD_DURATION:-60} OUT="$OUT/overload" scripts/overload.sh | tee "$OUT/overload.txt" || true
	# What users pay for the shipped pipeline, beside auditd (issue #14).
	echo "== side by side: scripts/sidebyside.sh"
	OUT="$OUT/sidebyside" scripts/sidebyside.sh | tee "$OUT/sidebyside.txt" || true
else
	echo "== overload, side by side: skipped (need root)"
fi
