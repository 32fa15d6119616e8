#!/usr/bin/env bash
# scripts/overload.sh: does the shipped configuration still catch an attack
# while noisy processes flood it? (issue #13)
#
# Runs vigilcol with examples/default.yaml (as root: eBPF) under a load of two
# processes opening and closing /dev/null as fast as they can and a fork/exec
# loop, for DURATION seconds, while `cat /etc/shadow` runs READS times spread
# over the run. Then reports how many of those reads were detected (on the
# collector's stdout, by pid) and what each layer lost, from the collector's
# own metrics (scraped from its Prometheus endpoint on loopback):
#
#   kernel lost       the ring buffer was full          (events_lost)
#   throttled         the kernel's per-process rate_limit (events_throttled)
#   queue dropped     the pipeline was slower than capture (records_dropped)
#   refused           the pipeline refused records, e.g. the memory_limiter
#
# and the collector's CPU per record the kernel submitted.
#
#   sudo scripts/overload.sh                 # 60 s
#   DURATION=20 sudo scripts/overload.sh
#
# Environment: DURATION (60), READS (20), CONFIG (examples/default.yaml),
# VIGILCOL (_build/vigilcol, built with make build if missing), OUT
# (_build/overload: the collector's stdout, log and event file). Exits 1 when
# a read went undetected.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60}
READS=${READS:-20}
CONFIG=${CONFIG:-examples/default.yaml}
VIGILCOL=${VIGILCOL:-_build/vigilcol}
OUT=${OUT:-_build/overload}

. scripts/lib/collector.sh
prepare_run "eBPF capture and reading /etc/shadow"
build_openat_loop "$OUT"
METRICS="127.0.0.1:$(free_port)"
write_override "$OUT/override.yaml" "$METRICS"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start_vigilcol "$OUT" "$CONFIG" "$OUT/override.yaml" || exit 2
col=$COLLECTOR_PID
pids+=("$col")

cpu0=$(cpu_ticks "$col")
submitted0=$(metric "$METRICS" otelcol_kernelevents_events_submitted)

echo "== load for ${DURATION}s: 2 openat loops, 1 fork/exec loop; $READS cat /etc/shadow spread over the run"
loads=()
for i in 1 2; do
	"$OUT/openat-loop" > "$OUT/openat-loop-$i.count" &
	loads+=("$!")
done
bash -c 'while :; do /bin/true; done' &
loads+=("$!")
pids+=("${loads[@]}")

start=$(date +%s.%N)
readers=()
for i in $(seq 1 "$READS"); do
	sleep "$(awk -v d="$DURATION" -v n="$READS" 'BEGIN { print d / (n + 1) }')"
	cat /etc/shadow > /dev/null &
	readers+=("$!")
	wait "$!"
done
sleep "$(awk -v d="$DURATION" -v s="$start" -v now="$(date +%s.%N)" 'BEGIN { r = d - (now - s); print (r > 0 ? r : 0) }')"
kill "${loads[@]}"
wait "${loads[@]}" 2>/dev/null || true
elapsed=$(awk -v s="$start" -v now="$(date +%s.%N)" 'BEGIN { print now - s }')

# detected: the reads with a VGL-1029 (/etc/shadow read) detection on stdout,
# whose debug exporter prints each resource's process.pid before its records.
detected() {
	awk -v want="${readers[*]}" '
		BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) read[w[i]] = 1 }
		/^ResourceLog #/ { pid = ""; if (match($0, /process\.pid=[0-9]+/)) pid = substr($0, RSTART + 12, RLENGTH - 12) }
		/security_rule\.uuid=VGL-1029/ && (pid in read) { seen[pid] = 1 }
		END { c = 0; for (p in seen) c++; print c }' "$OUT/stdout.txt"
}
# The pipeline drains what it holds: wait until every read is detected, or
# nothing new arrived for 10 s.
last=-1 still=0
while [ "$still" -lt 10 ]; do
	now=$(detected)
	[ "$now" -ge "$READS" ] && break
	if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; fi
	last=$now
	sleep 1
done

cpu1=$(cpu_ticks "$col")
submitted=$(( $(metric "$METRICS" otelcol_kernelevents_events_submitted) - submitted0 ))
lost=$(metric "$METRICS" otelcol_kernelevents_events_lost)
throttled=$(metric "$METRICS" otelcol_kernelevents_events_throttled)
dropped=$(metric "$METRICS" otelcol_kernelevents_records_dropped 'reason="queue_full"')
refused=$(metric "$METRICS" otelcol_kernelevents_records_refused)
emitted=$(metric "$METRICS" otelcol_kernelevents_events_emitted)
kill -TERM "$col"
wait "$col" || true
pids=()

opens=$(cat "$OUT"/openat-loop-*.count | awk '{ s += $1 } END { print s + 0 }')
hz=$(getconf CLK_TCK)
found=$(detected)
cpu_s=$(awk -v t=$((cpu1 - cpu0)) -v hz="$hz" 'BEGIN { printf "%.1f", t / hz }')
echo "== results ($(awk -v e="$elapsed" 'BEGIN { printf "%.0f", e }') s, $(nproc) CPUs)"
echo "attacks detected:   $found of $READS"
echo "openat loops:       $opens opens ($(awk -v n="$opens" -v e="$elapsed" 'BEGIN { printf "%.0f", n / e }')/s)"
echo "kernel submitted:   $submitted"
echo "kernel lost:        $lost (ring buffer full)"
echo "kernel throttled:   $throttled (rate_limit)"
echo "queue dropped:      $dropped (pipeline slower than capture)"
echo "refused:            $refused (by the next consumer)"
echo "records emitted:    $emitted"
echo "collector CPU:      ${cpu_s}s ($(awk -v c="$cpu_s" -v e="$elapsed" 'BEGIN { printf "%.0f", 100 * c / e }')% of a core), $(awk -v c="$cpu_s" -v n="$submitted" 'BEGIN { if (n > 0) printf "%.1f", c * 1e6 / n; else print "-" }') µs per submitted record"
echo "loss log lines:"
grep -o '"msg":"[^"]*\(dropped [0-9]\|rate-limited\|refused [0-9]\)[^"]*"' "$OUT/collector.log" | sed 's/^"msg":/  /' | tail -n 12 || echo "  none"
[ "$found" -ge "$READS" ]
