#!/usr/bin/env bash
# detect-smoke.sh OUTPUT_FILE COMMAND...
#
# Runs COMMAND (a vigilcol with examples/default.yaml's debug exporter, e.g.
# `make run` or the image under podman) in its own process group with its
# output in OUTPUT_FILE, waits until the collector is ready, reads
# /etc/shadow once, and polls the output for the built-in signature's
# detection (VGL-1029) of that read's pid. Then it stops COMMAND with SIGTERM
# and checks that the collector shut down cleanly. Used by .ci/run.
set -euo pipefail
out=$1
shift
rule=VGL-1029

setsid "$@" >"$out" 2>&1 &
pid=$!
stop() { kill -TERM -- -"$pid" 2>/dev/null || true; }
trap stop EXIT

# poll SECONDS CONDITION...: true as soon as CONDITION holds, false after SECONDS.
poll() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		if [ $SECONDS -ge $deadline ] || ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.2
	done
}
ready() { grep -q "Everything is ready" "$out"; }
# The debug exporter prints each resource (with process.pid) before its
# records; a detection of the read is a VGL-1029 record under its pid.
detected() {
	awk -v pid="$1" -v rule="$rule" '
		/^ResourceLog #/ { cur = ""; if (match($0, /process\.pid=[0-9]+/)) cur = substr($0, RSTART + 12, RLENGTH - 12) }
		index($0, "security_rule.uuid=" rule) && cur == pid { found = 1 }
		END { exit !found }' "$out"
}

# A first build can take minutes.
if ! poll 900 ready; then
	echo "FAIL: '$*' did not become ready:" >&2
	tail -50 "$out" >&2
	exit 1
fi
# otelcol logs that it is ready just before it subscribes to SIGTERM; the
# detection below takes longer than that, but a stop right after ready would not.
cat /etc/shadow >/dev/null &
reader=$!
wait "$reader"
if ! poll 60 detected "$reader"; then
	echo "FAIL: no $rule detection of the /etc/shadow read by pid $reader in the output of '$*':" >&2
	tail -50 "$out" >&2
	exit 1
fi
echo "ok: '$*' detected the /etc/shadow read by pid $reader ($rule)"

trap - EXIT
stop
wait "$pid" || true # make reports the signal as its own failure: judge the collector by its log
if ! grep -q "Shutdown complete" "$out"; then
	echo "FAIL: '$*' did not shut down cleanly on SIGTERM:" >&2
	tail -20 "$out" >&2
	exit 1
fi
echo "ok: '$*' shut down cleanly on SIGTERM"
