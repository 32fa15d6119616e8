package detectionprocessor

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/tracee"
)

// BenchmarkProcessorStorm is the whole processor, with the default
// configuration and one worker, on what a file-open storm sends it: batches
// of 256 security_file_open records of /dev/null from one process, in one
// resource as the receiver batches them. No guard lets them through; the
// cost is routing, the guards' remembered verdicts and telemetry.
func BenchmarkProcessorStorm(b *testing.B) { benchStorm(b, 1) }

// BenchmarkProcessorStormTwoWorkers is the storm with two workers, as the
// default configuration has on a 2-CPU machine: each batch is split between
// them.
func BenchmarkProcessorStormTwoWorkers(b *testing.B) { benchStorm(b, 2) }

func benchStorm(b *testing.B, workers int) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	first := fileOpen(0, 4242, "/dev/null")
	p := first.Process()
	vigil.WriteResource(rl.Resource().Attributes(), first.HostName, &p, nil)
	records := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range 256 {
		tracee.RecordFromEvent(fileOpen(i, 4242, "/dev/null"), records.AppendEmpty())
	}
	cfg := createDefaultConfig().(*Config)
	cfg.Workers = workers
	benchProcessor(b, cfg, ld)
}
