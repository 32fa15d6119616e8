//go:build linux

package kerneleventsreceiver

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/procstat"
)

// BenchmarkGoBuildAllEvents runs the receiver with events: [all], every
// event of the catalog on the whole machine, while `go build -a ./...`
// compiles this module from an empty build cache, and reports what it
// moved: records/s over the build, the records the kernel dropped (ring
// buffer full) and the collector's CPU per record. One build is the
// workload: run it with -benchtime=1x.
func BenchmarkGoBuildAllEvents(b *testing.B) {
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"all"}
	sink := &countingSink{hold: pipelineHold}
	probe := startReceiverWith(b, cfg, sink).src.(*ebpfSource).probe

	for b.Loop() {
		before, err := probe.Stats()
		if err != nil {
			b.Fatal(err)
		}
		records, start, cpu := sink.records.Load(), time.Now(), procstat.CPU()
		build := exec.Command("go", "build", "-a", "./...")
		build.Dir = root
		build.Env = append(os.Environ(), "GOCACHE="+b.TempDir())
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
		after, err := probe.Stats()
		if err != nil {
			b.Fatal(err)
		}
		// every record submitted during the build has reached the sink
		// once the sink has as many more as the kernel submitted
		want := records + int64(after.Submitted-before.Submitted)
		deadline := time.Now().Add(time.Minute)
		for sink.records.Load() < want && time.Now().Before(deadline) {
			probe.Flush()
			time.Sleep(10 * time.Millisecond) // polling the sink's counter
		}
		elapsed := time.Since(start)
		got := sink.records.Load() - records
		b.ReportMetric(elapsed.Seconds(), "build-s")
		b.ReportMetric(float64(got)/elapsed.Seconds(), "records/s")
		b.ReportMetric(float64(after.Lost-before.Lost), "drops")
		b.ReportMetric(float64(after.Lost-before.Lost)/float64(after.Submitted-before.Submitted+after.Lost-before.Lost), "drop-ratio")
		b.ReportMetric(float64(procstat.CPU()-cpu)/float64(got), "collector-cpu-ns/record")
	}
}
