#!/usr/bin/env bash
# scripts/replay-e2e.sh: the offline replay as a user runs it (issue #14,
# item 3): vigilcol with examples/replay.yaml as shipped (the file source,
# detection with every built-in, the file and debug exporters) over LINES
# lines of the benchmark stream (testdata/streams/mixed.jsonl.gz, repeated).
#
# A run starts the collector and polls its log for "replay finished" (the
# source logs it once its last batch is queued for the pipeline: up to the
# receiver's queue_size batches, 16 of 1,024 records, may still be on their
# way, some 1.6% of a million lines, alike for both binaries), then stops
# it; "stopped replaying" (a read error) or TIMEOUT seconds without either
# fail the script. It reports, at that line: wall seconds since the start (the
# signatures' compilation included; "ready" says when the pipeline started),
# CPU seconds (utime+stime), lines/s over the wall time, CPU µs a line, the
# peak RSS (VmHWM), and the detections the file exporter wrote (read after
# the collector shut down, so flushed) with a digest of their rule names
# and per-rule counts, which must be equal across binaries.
#
#   scripts/replay-e2e.sh
#   VIGILCOL_BASE=/tmp/vigilcol-old RUNS=6 scripts/replay-e2e.sh
#   INSTRUCTIONS=1 LINES=100000 VIGILCOL_BASE=/tmp/vigilcol-old scripts/replay-e2e.sh
#
# With VIGILCOL_BASE, each of the RUNS rounds runs both binaries, the order
# alternating, and the summary gives each one's medians and the ratios
# VIGILCOL / VIGILCOL_BASE, and the median of the rounds' own CPU ratios: a
# timing on a shared VM is only worth a ratio within one run.
#
# Environment: VIGILCOL (_build/vigilcol; this script builds nothing),
# VIGILCOL_BASE (unset), RUNS (3), LINES (1000000), OUT (_build/replay-e2e),
# CONFIG (examples/replay.yaml), TIMEOUT (600, a run's limit), PROFILE (0; N > 0 first runs VIGILCOL once
# with the pprof extension added by --config overrides and writes a CPU
# profile of its first N s to OUT/replay.pprof), GOGC etc. pass through to
# the collector, INSTRUCTIONS (0; 1 runs every replay under valgrind and
# reports the instructions it executed, start-up and shutdown included:
# they move by a few percent between runs where the CPU time of a loaded
# VM moves by 15%; about 50 times slower, so use LINES=100000, and a run of
# LINES=10 for what start-up and shutdown alone cost).
set -euo pipefail
cd "$(dirname "$0")/.."

VIGILCOL=${VIGILCOL:-_build/vigilcol}
VIGILCOL_BASE=${VIGILCOL_BASE:-}
RUNS=${RUNS:-3}
LINES=${LINES:-1000000}
OUT=${OUT:-_build/replay-e2e}
CONFIG=${CONFIG:-examples/replay.yaml}
PROFILE=${PROFILE:-0}
INSTRUCTIONS=${INSTRUCTIONS:-0}
TIMEOUT=${TIMEOUT:-600}

. scripts/lib/collector.sh
. scripts/lib/instructions.sh
counter=()
if [ "$INSTRUCTIONS" = 1 ]; then
	use_counter
fi

for b in "$VIGILCOL" ${VIGILCOL_BASE:+"$VIGILCOL_BASE"}; do
	if [ ! -x "$b" ]; then
		echo "$(basename "$0"): no binary at $b (make build, or set VIGILCOL)" >&2
		exit 2
	fi
done
# only what this script writes there: OUT may be any directory
mkdir -p "$OUT"
rm -rf "$OUT"/new-* "$OUT"/base-* "$OUT/profile" "$OUT/results.txt"

# the input: whole copies of the stream, then its first lines
stream=testdata/streams/mixed.jsonl.gz
input=$OUT/events.jsonl
per=$(zcat "$stream" | wc -l)
for _ in $(seq 1 $((LINES / per))); do zcat "$stream"; done > "$input"
if [ $((LINES % per)) -gt 0 ]; then
	# head stops reading early: zcat's broken pipe is expected
	{ zcat "$stream" || true; } | head -n $((LINES % per)) >> "$input"
fi

hz=$(getconf CLK_TCK)
col=""
# the input (a GB a million lines) goes when the script ends, as a
# collector still running does
trap '[ -z "$col" ] || kill "$col" 2>/dev/null || true; rm -f "$input"' EXIT

# replay_run BINARY DIR [--config ...]: one replay; writes to DIR/result
# "ready_s wall_s cpu_s hwm_mb detections digest instructions" (the last
# "-" unless INSTRUCTIONS=1). It runs in the script's shell, not a
# subshell, so that the EXIT trap sees the collector it started.
replay_run() {
	local bin=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	local t0
	: > "$dir/collector.log" # before the first poll reads it
	t0=$(date +%s.%N)
	VIGIL_REPLAY_FILE=$input VIGIL_DETECTIONS_FILE=$dir/detections.jsonl \
		"${counter[@]}" "$bin" --config "$CONFIG" "$@" > /dev/null 2> "$dir/collector.log" &
	col=$!
	local ready="" wall cpu hwm
	# poll, at 20 ms, for the line that ends the measurement
	until grep -q "replay finished" "$dir/collector.log"; do
		local failed=""
		if ! kill -0 "$col" 2>/dev/null; then
			failed="$bin exited before the replay finished"
		elif grep -q "stopped replaying" "$dir/collector.log"; then
			failed="$bin stopped replaying (see its log above)"
		elif [ "$(awk -v a="$(date +%s.%N)" -v b="$t0" -v t="$TIMEOUT" 'BEGIN { print (a - b > t) }')" = 1 ]; then
			failed="$bin had not finished the replay after ${TIMEOUT}s (TIMEOUT)"
		fi
		if [ -n "$failed" ]; then
			tail -20 "$dir/collector.log" >&2
			echo "$(basename "$0"): $failed" >&2
			exit 2
		fi
		if [ -z "$ready" ] && grep -q "Everything is ready" "$dir/collector.log"; then
			ready=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
		fi
		sleep 0.02
	done
	wall=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
	cpu=$(awk -v t="$(cpu_ticks "$col")" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
	hwm=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$col/status")
	kill -TERM "$col"
	wait "$col" || true
	col=""
	# each detection is a log record with its rule's name; the file
	# exporter writes OTLP JSON, a request a line
	local names
	# (none at all is a count of 0, not an error)
	names=$({ grep -o '"key":"security_rule.name","value":{"stringValue":"[^"]*"' "$dir/detections.jsonl" || true; } | sort | uniq -c)
	# valgrind's summary, written at exit: "==pid== I   refs:  1,234"
	local instr
	instr=$(awk '$2 == "I" && $3 == "refs:" { gsub(",", "", $4); print $4 }' "$dir/collector.log")
	echo "${ready:--} $wall $cpu $hwm $(echo "$names" | awk '{ s += $1 } END { print s + 0 }') $(echo "$names" | md5sum | cut -c1-8) ${instr:--}" > "$dir/result"
	rm -f "$dir/detections.jsonl"
}

if [ "$PROFILE" -gt 0 ]; then
	echo "== profile: ${PROFILE}s of $VIGILCOL over $LINES lines"
	addr="127.0.0.1:$(free_port)"
	dir=$OUT/profile
	mkdir -p "$dir"
	VIGIL_REPLAY_FILE=$input VIGIL_DETECTIONS_FILE=$dir/detections.jsonl "$VIGILCOL" --config "$CONFIG" \
		--config "yaml:extensions::pprof::endpoint: $addr" --config "yaml:service::extensions: [pprof]" \
		> /dev/null 2> "$dir/collector.log" &
	col=$!
	# the extension starts before the pipelines: poll until it answers
	until curl -sf -o /dev/null "http://$addr/debug/pprof/"; do
		kill -0 "$col" 2>/dev/null || { tail -20 "$dir/collector.log" >&2; exit 2; }
		sleep 0.02
	done
	curl -sf -o "$OUT/replay.pprof" "http://$addr/debug/pprof/profile?seconds=$PROFILE"
	grep -q "replay finished" "$dir/collector.log" || echo "note: the replay had not finished within the profile" >&2
	kill -TERM "$col"
	wait "$col" || true
	col=""
	echo "written: $OUT/replay.pprof (go tool pprof -top $VIGILCOL $OUT/replay.pprof)"
fi

bins=(new)
declare -A path=([new]=$VIGILCOL)
if [ -n "$VIGILCOL_BASE" ]; then
	bins=(new base)
	path[base]=$VIGILCOL_BASE
fi
results=$OUT/results.txt
: > "$results"
printf '%-5s %3s %7s %8s %7s %10s %8s %8s %11s %-8s %s\n' binary run ready-s wall-s cpu-s lines/s cpu-µs/l hwm-MB detections digest instructions
for r in $(seq 1 "$RUNS"); do
	order=("${bins[@]}")
	# alternate which binary goes first, so neither always runs after the other
	if [ ${#bins[@]} = 2 ] && [ $((r % 2)) = 0 ]; then order=(base new); fi
	for b in "${order[@]}"; do
		replay_run "${path[$b]}" "$OUT/$b-$r"
		read -r ready wall cpu hwm dets digest instr < "$OUT/$b-$r/result"
		awk -v b="$b" -v r="$r" -v ready="$ready" -v wall="$wall" -v cpu="$cpu" -v hwm="$hwm" -v d="$dets" -v g="$digest" -v ins="$instr" -v n="$LINES" 'BEGIN {
			printf "%-5s %3d %7s %8.2f %7.2f %10.0f %8.2f %8d %11d %-8s %s\n", b, r, ready, wall, cpu, n / wall, cpu * 1e6 / n, hwm, d, g, ins
		}' | tee -a "$results"
	done
done

# the medians of each binary, and new / base
awk -v runs="$RUNS" '
	function median(b, k,   i, j, t, a, c) {
		c = n[b]; for (i = 1; i <= c; i++) a[i] = v[b, k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	{ b = $1; i = ++n[b]; cpu[b, $2] = $5; v[b, "wall", i] = $4; v[b, "cpu", i] = $5; v[b, "lps", i] = $6; v[b, "cpul", i] = $7; v[b, "hwm", i] = $8; v[b, "in", i] = $11; k = $9 " " $10; if (index(" " d[b] ",", " " k ",") == 0) d[b] = d[b] (d[b] ? ", " : "") k }
	END {
		print "== medians of " runs " runs: wall s, CPU s, lines/s, CPU µs a line, peak RSS MB; detections (count digest)"
		for (b in n) {
			printf "%-5s %8.2f %7.2f %10.0f %8.2f %8.0f  ", b, median(b, "wall"), median(b, "cpu"), median(b, "lps"), median(b, "cpul"), median(b, "hwm")
			print d[b] (v[b, "in", 1] != "-" ? sprintf(", %.3fG instructions", median(b, "in") / 1e9) : "")
		}
		if (n["base"]) {
			printf "ratio new/base: wall %.2fx, CPU %.2fx, lines/s %.2fx, CPU/line %.2fx, peak RSS %.2fx\n",
				median("new", "wall") / median("base", "wall"), median("new", "cpu") / median("base", "cpu"),
				median("new", "lps") / median("base", "lps"), median("new", "cpul") / median("base", "cpul"),
				median("new", "hwm") / median("base", "hwm")
			if (v["new", "in", 1] != "-") printf "instructions new/base: %.3fx\n", median("new", "in") / median("base", "in")
			# the ratio within each round: the load moves between rounds more
			# than within one
			c = 0; lower = 0
			for (r = 1; r <= runs; r++) if (cpu["new", r] && cpu["base", r]) {
				q[++c] = cpu["new", r] / cpu["base", r]; if (q[c] < 1) lower++
			}
			for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
			if (c) printf "CPU new/base round by round: median %.2fx, lower in %d of %d (%.2fx-%.2fx)\n", c % 2 ? q[(c + 1) / 2] : (q[c / 2] + q[c / 2 + 1]) / 2, lower, c, q[1], q[c]
		}
	}' "$results"
