//go:generate ../../.tools/mdatagen metadata.yaml

// Package kerneleventsreceiver implements the `kernelevents` receiver: it
// captures kernel events with eBPF (or replays Tracee JSON events from a file)
// and emits one OpenTelemetry log record per event, following the record
// schema of the root vigil package.
package kerneleventsreceiver
