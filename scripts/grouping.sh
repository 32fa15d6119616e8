#!/usr/bin/env bash
# How many records share a resource in real batches (the receiver puts one
# resource per process in each batch): runs vigilcol capturing default,
# openat, execve and connect into a file, with no batch processor, while
# `go build -a ./...` compiles this repository from an empty build cache,
# then counts the resources and records it wrote.
# Needs root and _build/vigilcol (make build).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/config.yaml" <<EOF
receivers:
  kernelevents:
    events: [default, openat, execve, connect]
exporters:
  file:
    path: $dir/events.jsonl
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [kernelevents]
      exporters: [file]
EOF

./_build/vigilcol --config "$dir/config.yaml" > "$dir/collector.log" 2>&1 &
collector=$!
for _ in $(seq 1 100); do
	grep -q "Everything is ready" "$dir/collector.log" && break
	kill -0 "$collector" 2>/dev/null || { cat "$dir/collector.log"; exit 1; }
	sleep 0.2
done
GOCACHE="$dir/gocache" go build -a ./...
kill -INT "$collector"
wait "$collector" || true

# one "resource" per ResourceLogs, one "eventName" per record
resources=$(grep -o '"resource":' "$dir/events.jsonl" | wc -l)
records=$(grep -o '"eventName":' "$dir/events.jsonl" | wc -l)
batches=$(wc -l < "$dir/events.jsonl")
echo "batches $batches, resources $resources, records $records"
awk -v r="$records" -v s="$resources" 'BEGIN { printf "records per resource: %.1f\n", r / s }'
