#!/bin/sh
# vm-detect-smoke.sh: run by internal/vminit inside the machine that
# scripts/kernel-vm.sh boots (busybox's sh), in a directory holding vigilcol
# and examples/default.yaml (make test-kernels puts them there). What
# detect-smoke.sh checks on this machine, on that kernel: the collector
# ready, one read of /etc/shadow, its detection (VGL-1029) on stdout, a
# clean exit on SIGTERM.
mkdir -p /var/log/vigil
echo 'root:*:19000:0:99999:7:::' >/etc/shadow
./vigilcol --config default.yaml >out.log 2>&1 &
pid=$!

# wait_for SECONDS PATTERN: until PATTERN is in the collector's output; fails
# when SECONDS pass or the collector exits first.
wait_for() {
	i=0
	until grep -q "$2" out.log; do
		if [ $i -ge "$1" ] || ! kill -0 $pid 2>/dev/null; then
			echo "vm-detect-smoke: no '$2' in vigilcol's output within $1 s:"
			tail -40 out.log
			return 1
		fi
		sleep 1
		i=$((i + 1))
	done
}

wait_for 300 "Everything is ready" || exit 1
cat /etc/shadow >/dev/null
wait_for 120 "security_rule.uuid=VGL-1029" || exit 1
grep -B2 "security_rule.uuid=VGL-1029" out.log
kill -TERM $pid
wait $pid
status=$?
echo "vm-detect-smoke: vigilcol exited with $status"
exit $status
