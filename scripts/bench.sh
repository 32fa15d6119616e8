#!/usr/bin/env bash
# make bench: run the benchmarks the READMEs quote and print, for each pair
# measured in the same run, the ratio against its baseline.
#
# Pairs are sub-benchmarks named <Benchmark>/baseline and <Benchmark>/<variant>;
# the ratio is variant ns/op over baseline ns/op (median of COUNT runs).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
OUT=${OUT:-_build/bench}
mkdir -p "$OUT"

run() { # name, package, benchmark regexp, extra flags...
	local name=$1 pkg=$2 re=$3
	shift 3
	echo "== $name ($pkg, -bench '$re')"
	go test -run '^$' -bench "$re" -benchmem -count "$COUNT" "$@" "$pkg" | tee "$OUT/$name.txt"
	.tools/benchstat "$OUT/$name.txt" > "$OUT/$name.benchstat" || true
	ratios "$OUT/$name.txt"
}

# ratios prints variant/baseline from the median ns/op of each pair.
ratios() {
	awk '
	/^Benchmark/ && $4 == "ns/op" {
		name = $1; sub(/-[0-9]+$/, "", name)
		n[name]++; v[name, n[name]] = $3
		for (i = 5; i < NF; i += 2) if ($(i+1) == "records/s") rps[name] = rps[name] " " $i
	}
	function median(name,   i, j, t, a, c) {
		c = n[name]; for (i = 1; i <= c; i++) a[i] = v[name, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((c + 1) / 2)]
	}
	END {
		for (name in n) {
			if (name !~ /\/baseline$/) continue
			base = name; sub(/\/baseline$/, "", base)
			for (other in n) {
				if (other == name || index(other, base "/") != 1) continue
				printf "ratio %s = %.3fx  (%.1f ns/op vs %.1f ns/op)\n", other, median(other) / median(name), median(other), median(name)
				if (rps[other] != "") printf "  records/s:%s\n", rps[other]
			}
		}
	}' "$1"
}

run receiver-capture ./receiver/kerneleventsreceiver/ 'BenchmarkOpenatClose|BenchmarkGetppid' -benchtime 2000000x
if ls bpf/*bench*_test.go >/dev/null 2>&1; then
	run bpf-overhead ./bpf/ . -benchtime 2000000x
fi
if ls processor/detectionprocessor/*bench*_test.go >/dev/null 2>&1; then
	run detection-engine ./processor/detectionprocessor/ . -benchtime 2s
fi
