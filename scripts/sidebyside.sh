#!/usr/bin/env bash
# scripts/sidebyside.sh: what a user pays for Vigil, beside what they would
# otherwise install (issue #14). One run, the same C loop of open+close of
# /dev/null (ITER iterations, RUNS times) under each setup:
#
#   bare                 nothing running
#   capture only         vigilcol capturing openat and security_file_open
#                        into a filter that drops every record
#   default.yaml         vigilcol with examples/default.yaml as shipped
#   default, no limit    the same with the receiver's rate_limit removed
#   auditd               auditd with its default configuration and rules
#                        plus one rule on openat (removed, and auditd
#                        stopped, afterwards)
#
# For each: the median ns per iteration and its ratio to bare, and the same
# for a loop of getppid (ITER_GETPPID iterations), which no setup selects:
# what tracing costs every other syscall; for vigilcol,
# its CPU per security_file_open record (utime+stime from /proc/<pid>/stat
# over the records its otelcol_kernelevents_events_emitted counted, the
# pipeline drained) and its peak RSS (VmHWM); for auditd, its CPU per loop
# iteration and peak RSS. A vigilcol row's notes give its RSS before the
# loop (VmRSS, idle), to tell the storm's share of the peak from start-up's.
#
#   sudo scripts/sidebyside.sh
#   ITER=200000 RUNS=5 sudo scripts/sidebyside.sh
#
# Environment: ITER (200000), ITER_GETPPID (2000000), RUNS (3), VIGILCOL (_build/vigilcol, built
# with make build if missing), OUT (_build/sidebyside), AUDITD (1; 0 skips
# the auditd row), PROFILE (0; N > 0 also writes a pprof CPU profile of N s
# of default.yaml under the loop to OUT/default.pprof), PROFILE_LIMITED (0;
# 1 profiles default.yaml as shipped, rate_limit kept, under loops of ITER
# iterations one after another as the rows run them, each a new process
# with its own burst; and with TRACE=1 also writes OUT/default.trace, a
# runtime trace of the first 5 s, for go tool trace), VARIANTS (override
# files: each adds a row, default.yaml with rate_limit removed and that file
# merged last, named after the file; a NAME=VALUE instead, such as
# GOGC=50 or GOMEMLIMIT=100MiB, runs that row with the variable set),
# VARIANTS_LIMITED (0; 1 keeps the rate_limit in the VARIANTS rows, to
# compare settings of default.yaml as shipped: an override restoring an
# earlier setting against the default.yaml row), VIGILCOL_ARGS (arguments
# each vigilcol row adds, as --feature-gates=+pdata.useProtoPooling).
set -euo pipefail
cd "$(dirname "$0")/.."

ITER=${ITER:-200000}
ITER_GETPPID=${ITER_GETPPID:-2000000}
RUNS=${RUNS:-3}
VIGILCOL=${VIGILCOL:-_build/vigilcol}
OUT=${OUT:-_build/sidebyside}
AUDITD=${AUDITD:-1}
PROFILE=${PROFILE:-0}
PROFILE_LIMITED=${PROFILE_LIMITED:-0}
TRACE=${TRACE:-0}
VARIANTS=${VARIANTS:-}
VARIANTS_LIMITED=${VARIANTS_LIMITED:-0}

. scripts/lib/collector.sh
prepare_run "eBPF capture, auditd"
build_openat_loop "$OUT"

# VIGILCOL_ARGS: arguments every vigilcol row passes besides its configs
# (--feature-gates=+pdata.useProtoPooling, say): the rows run VIGILCOL
# through a wrapper in OUT that adds them.
VIGILCOL_BINARY=$VIGILCOL # for pprof, which needs the binary, not the wrapper
if [ -n "${VIGILCOL_ARGS:-}" ]; then
	printf '#!/bin/sh\nexec %q %s "$@"\n' "$(realpath "$VIGILCOL")" "$VIGILCOL_ARGS" > "$OUT/vigilcol-args"
	chmod +x "$OUT/vigilcol-args"
	VIGILCOL=$OUT/vigilcol-args
fi

# loop_median [getppid]: run the loop RUNS times, print the median ns per
# iteration.
loop_median() {
	local n=$ITER
	[ "${1:-}" = getppid ] && n=$ITER_GETPPID
	for _ in $(seq 1 "$RUNS"); do "$OUT/openat-loop" "$n" "$@"; done | awk '{ print $2 }' | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# wait_idle PID: until the process used no CPU for a second (the pipeline
# has drained what the loop produced), at most 60 s.
wait_idle() {
	local before after
	for _ in $(seq 1 60); do
		before=$(cpu_ticks "$1")
		sleep 1
		after=$(cpu_ticks "$1")
		[ $((after - before)) -le 1 ] && return 0
	done
}

hwm_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
declare -A ns gp cpu rss recs note

pids=()
audit_rule=0 audit_enabled=""
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ "$audit_rule" = 1 ]; then auditctl -D > /dev/null 2>&1 || true; fi
	if [ -n "$audit_enabled" ]; then auditctl -e "$audit_enabled" > /dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# vigilcol_row NAME CONFIG...: the loop under vigilcol with these configs.
vigilcol_row() {
	local name=$1 dir="$OUT/$1"
	shift
	mkdir -p "$dir"
	local metrics="127.0.0.1:$(free_port)"
	write_override "$dir/override.yaml" "$metrics"
	start_vigilcol "$dir" "$@" "$dir/override.yaml" || exit 2
	local col=$COLLECTOR_PID
	pids+=("$col")
	wait_idle "$col"
	local t0 e0 idle
	idle=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$col/status")
	t0=$(cpu_ticks "$col")
	e0=$(metric "$metrics" otelcol_kernelevents_events_emitted 'security_file_open')
	ns[$name]=$(loop_median)
	wait_idle "$col"
	# the CPU the records cost ends here, the pipeline drained: the getppid
	# loop after it sends the collector nothing
	recs[$name]=$(($(metric "$metrics" otelcol_kernelevents_events_emitted 'security_file_open') - e0))
	cpu[$name]=$(awk -v t=$(($(cpu_ticks "$col") - t0)) -v hz="$hz" -v n="${recs[$name]}" \
		'BEGIN { if (n > 0) printf "%.1f µs/record", t / hz * 1e6 / n; else print "-" }')
	gp[$name]=$(loop_median getppid)
	rss[$name]=$(hwm_mb "$col")
	note[$name]="idle ${idle} MB, $(metric "$metrics" otelcol_kernelevents_events_throttled) throttled, $(metric "$metrics" otelcol_kernelevents_events_lost) lost"
	kill -TERM "$col"
	wait "$col" || true
	drop_events "$dir"
}

# drop_events DIR: deletes the file a row's collector wrote. Its content is
# not what this script measures, and a row without the rate limit writes up
# to 600 MB (five rotated backups of 100 MB): a few runs filled the disk.
drop_events() { rm -f "$1"/events*.jsonl; }

echo "== bare: $RUNS x $ITER open+close"
ns[bare]=$(loop_median)
gp[bare]=$(loop_median getppid)

cat > "$OUT/capture.yaml" <<'YAML'
receivers:
  kernelevents:
    events: [openat, security_file_open]
processors:
  filter/all:
    error_mode: ignore
    logs:
      log_record:
        - attributes["no.such.attribute"] == nil
exporters:
  debug:
service:
  pipelines:
    logs:
      receivers: [kernelevents]
      processors: [filter/all]
      exporters: [debug]
YAML
cat > "$OUT/no-rate-limit.yaml" <<'YAML'
receivers:
  kernelevents:
    rate_limit:
      events_per_second: 0
      burst: 0
YAML

echo "== capture only"
vigilcol_row capture "$OUT/capture.yaml"
echo "== examples/default.yaml"
vigilcol_row default examples/default.yaml
echo "== examples/default.yaml, rate_limit removed"
vigilcol_row default-unlimited examples/default.yaml "$OUT/no-rate-limit.yaml"
rows=(bare capture default default-unlimited)
variant_base=(examples/default.yaml "$OUT/no-rate-limit.yaml")
variant_what="rate_limit removed"
if [ "$VARIANTS_LIMITED" = 1 ]; then
	variant_base=(examples/default.yaml)
	variant_what="as shipped"
fi
for v in $VARIANTS; do
	echo "== examples/default.yaml, $variant_what, $v"
	if [[ $v == *=* ]]; then
		# a Go runtime setting (GOGC=50, GOMEMLIMIT=100MiB), in the
		# collector's environment for this row only
		name=$v
		export "${v?}"
		vigilcol_row "$name" "${variant_base[@]}"
		unset "${v%%=*}"
	else
		name=$(basename "$v" .yaml)
		vigilcol_row "$name" "${variant_base[@]}" "$(realpath "$v")"
	fi
	rows+=("$name")
done

if [ "$PROFILE" -gt 0 ]; then
	profiled=(examples/default.yaml "$OUT/no-rate-limit.yaml")
	profiled_what="rate_limit removed"
	if [ "$PROFILE_LIMITED" = 1 ]; then
		profiled=(examples/default.yaml)
		profiled_what="as shipped"
	fi
	echo "== profile: ${PROFILE}s of examples/default.yaml ($profiled_what) under the loop"
	mkdir -p "$OUT/profile"
	pprof_addr="127.0.0.1:$(free_port)"
	cat > "$OUT/profile/pprof.yaml" <<YAML
extensions:
  pprof:
    endpoint: $pprof_addr
service:
  extensions: [health_check, otlpjson_encoding, pprof]
YAML
	write_override "$OUT/profile/override.yaml" "127.0.0.1:$(free_port)"
	start_vigilcol "$OUT/profile" "${profiled[@]}" "$OUT/profile/pprof.yaml" "$OUT/profile/override.yaml" || exit 2
	pids+=("$COLLECTOR_PID")
	if [ "$PROFILE_LIMITED" = 1 ]; then
		# one loop would be throttled to its trickle after its burst
		(while :; do "$OUT/openat-loop" "$ITER"; done) > /dev/null &
	else
		"$OUT/openat-loop" > /dev/null &
	fi
	loop=$!
	tracing=""
	if [ "$TRACE" = 1 ]; then
		curl -sf -o "$OUT/default.trace" "http://$pprof_addr/debug/pprof/trace?seconds=5" &
		tracing=$!
	fi
	curl -sf -o "$OUT/default.pprof" "http://$pprof_addr/debug/pprof/profile?seconds=$PROFILE"
	if [ -n "$tracing" ]; then wait "$tracing"; fi
	# the loop of loops stops; the loop it runs ends by itself (ITER)
	kill -TERM "$loop"
	wait "$loop" || true
	kill -TERM "$COLLECTOR_PID"
	wait "$COLLECTOR_PID" || true
	drop_events "$OUT/profile"
	echo "written: $OUT/default.pprof (go tool pprof -top $VIGILCOL_BINARY $OUT/default.pprof)${tracing:+, $OUT/default.trace (go tool trace $OUT/default.trace)}"
fi

if [ "$AUDITD" = 1 ]; then
	echo "== auditd: default configuration and rules, plus -a always,exit -F arch=b64 -S openat"
	./scripts/need-packages.sh auditd:auditd auditctl:auditd
	if ! command -v auditd > /dev/null; then
		note[auditd]="not installed"
	elif pgrep -x auditd > /dev/null; then
		note[auditd]="an auditd is running already; not touching it"
	elif ! audit_enabled=$(auditctl -s 2>&1 | awk '$1 == "enabled" { print $2 }') || [ -z "$audit_enabled" ]; then
		note[auditd]="the kernel refuses audit: $(auditctl -s 2>&1 | head -1)"
		audit_enabled=""
	else
		# -n: no fork, so its pid is ours to stop. The default rules are what
		# its service loads after starting it (augenrules --load).
		auditd -n 2> "$OUT/auditd.log" &
		ad=$!
		pids+=("$ad")
		for _ in $(seq 1 50); do
			[ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = "$ad" ] && break
			sleep 0.2
		done
		if [ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" != "$ad" ]; then
			echo "auditd did not register with the kernel in 10 s: see $OUT/auditd.log" >&2
			exit 2
		fi
		auditctl -R /etc/audit/audit.rules > /dev/null
		audit_rule=1
		auditctl -a always,exit -F arch=b64 -S openat
		t0=$(cpu_ticks "$ad")
		ns[auditd]=$(loop_median)
		gp[auditd]=$(loop_median getppid)
		wait_idle "$ad"
		cpu[auditd]=$(awk -v t=$(($(cpu_ticks "$ad") - t0)) -v hz="$hz" -v n=$((ITER * RUNS)) \
			'BEGIN { printf "%.1f µs/open", t / hz * 1e6 / n }')
		rss[auditd]=$(hwm_mb "$ad")
		note[auditd]="$(auditctl -s | awk '$1 == "lost" { print $2 }') lost"
		auditctl -D > /dev/null
		audit_rule=0
		kill -TERM "$ad"
		wait "$ad" || true
		auditctl -e "$audit_enabled" > /dev/null
		audit_enabled=""
	fi
fi

ratio() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { if (a > 0) printf "%.2fx", a / b; else print "-" }'; }
echo "== results: $RUNS x $ITER open+close of /dev/null and $RUNS x $ITER_GETPPID getppid, median per setup, $(nproc) CPUs"
printf '%-20s %10s %8s %12s %8s %18s %9s  %s\n' setup ns/iter ratio getppid-ns ratio "collector CPU" "peak RSS" notes
for s in "${rows[@]}" auditd; do
	[ -n "${ns[$s]:-}${note[$s]:-}" ] || continue
	printf '%-20s %10s %8s %12s %8s %18s %9s  %s\n' "$s" "${ns[$s]:--}" "$(ratio "${ns[$s]:-}" "${ns[bare]}")" \
		"${gp[$s]:--}" "$(ratio "${gp[$s]:-}" "${gp[bare]}")" "${cpu[$s]:--}" "${rss[$s]:+${rss[$s]} MB}" "${note[$s]:-}"
done
