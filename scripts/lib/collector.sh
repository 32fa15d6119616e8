# Sourced by scripts/overload.sh and scripts/sidebyside.sh: the openat loop
# both run, and how they start vigilcol and read its own figures.

# prepare_run WHY: stop unless root (WHY says what for), build VIGILCOL if
# missing, start from an empty OUT.
prepare_run() {
	if [ "$(id -u)" != 0 ]; then
		echo "$(basename "$0"): needs root ($1)" >&2
		exit 2
	fi
	[ -x "$VIGILCOL" ] || make build
	rm -rf "$OUT"
	mkdir -p "$OUT"
}

# build_openat_loop DIR: compile DIR/openat-loop, a C loop of open+close of
# /dev/null (so that the syscalls, not an interpreter, are the cost).
# `openat-loop N` runs N iterations, `openat-loop` until SIGTERM; either way
# it prints the iterations done and the wall time per iteration in ns.
# `openat-loop N getppid` calls getppid instead: a syscall no configuration
# selects, what tracing costs every other syscall.
build_openat_loop() {
	cat > "$1/openat-loop.c" <<'C'
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
	unsigned long want = argc > 1 ? strtoul(argv[1], NULL, 10) : 0, n = 0;
	int ppid = argc > 2 && !strcmp(argv[2], "getppid");
	struct timespec t0, t1;

	signal(SIGTERM, on_term);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop && (want == 0 || n < want)) {
		if (ppid) {
			getppid();
		} else {
			int fd = open("/dev/null", O_RDONLY);

			if (fd >= 0)
				close(fd);
		}
		n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lu %.1f\n", n, n ? ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n : 0.0);
	return 0;
}
C
	cc -O2 -o "$1/openat-loop" "$1/openat-loop.c"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# write_override FILE METRICS_ADDR: a config merged after the example's that
# moves the health check to a free port, logs JSON and serves the
# collector's metrics on METRICS_ADDR (host:port).
write_override() {
	cat > "$1" <<YAML
extensions:
  health_check:
    endpoint: 127.0.0.1:$(free_port)
service:
  telemetry:
    logs:
      encoding: json
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: ${2%:*}
                port: ${2#*:}
YAML
}

# start_vigilcol OUT CONFIG...: start VIGILCOL with the configs (its stdout
# in OUT/stdout.txt, log in OUT/collector.log, events file in
# OUT/events.jsonl), wait until it is ready and set COLLECTOR_PID; a
# collector that exits or is not ready in 60 s fails (and is stopped).
start_vigilcol() {
	local out=$1
	shift
	local flags=()
	for c in "$@"; do flags+=(--config "$c"); done
	VIGIL_EVENTS_FILE="$out/events.jsonl" "$VIGILCOL" "${flags[@]}" > "$out/stdout.txt" 2> "$out/collector.log" &
	COLLECTOR_PID=$!
	for _ in $(seq 1 120); do
		grep -q "Everything is ready" "$out/collector.log" && return 0
		kill -0 "$COLLECTOR_PID" 2>/dev/null || { tail -20 "$out/collector.log" >&2; return 2; }
		sleep 0.5
	done
	echo "vigilcol not ready after 60 s" >&2
	kill "$COLLECTOR_PID"
	return 2
}

# metric ADDR NAME [LABEL]: the collector's own counter, summed over its series.
metric() {
	curl -sf "http://$1/metrics" | awk -v name="$2" -v label="${3:-}" '
		$1 == name || index($1, name "{") == 1 { if (label == "" || index($1, label)) s += $NF }
		END { printf "%.0f\n", s }'
}

# cpu_ticks PID: user + system time of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
