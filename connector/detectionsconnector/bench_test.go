package detectionsconnector

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/connector/detectionsconnector/internal/metadatatest"
)

// BenchmarkSplit hands the same 1,024-record batch (one detection) to the
// two ways of splitting it that examples/default.yaml has had, in one
// process: compare the lines (a ratio, not a figure to assert).
//
//	go test -run '^$' -bench Split -count 6 ./connector/detectionsconnector | .tools/benchstat -col /split -
//
// forward+filter is what the collector does for a forward connector whose
// two pipelines mutate (the file's batch processor, the stdout's filter):
// it copies the batch for one of them, and the filter drops all but the
// detections from that copy. detections is this connector.
func BenchmarkSplit(b *testing.B) {
	file, stdout := pipeline.NewIDWithName(pipeline.SignalLogs, "file"), pipeline.NewIDWithName(pipeline.SignalLogs, "stdout")
	mutates := consumer.WithCapabilities(consumer.Capabilities{MutatesData: true})
	discard, _ := consumer.NewLogs(func(context.Context, plog.Logs) error { return nil }, mutates)
	onlyDetections, _ := consumer.NewLogs(func(_ context.Context, ld plog.Logs) error {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				sl.LogRecords().RemoveIf(func(lr plog.LogRecord) bool {
					_, ok := lr.Attributes().Get(vigil.AttrRuleUUID)
					return !ok
				})
			}
		}
		return nil
	}, mutates)
	router := connector.NewLogsRouter(map[pipeline.ID]consumer.Logs{file: discard, stdout: onlyDetections})
	forward, err := router.Consumer(file, stdout)
	if err != nil {
		b.Fatal(err)
	}
	tel := componenttest.NewTelemetry()
	detections, err := NewFactory().CreateLogsToLogs(context.Background(), metadatatest.NewSettings(tel), &Config{All: []pipeline.ID{file}, Detections: []pipeline.ID{stdout}}, router)
	if err != nil {
		b.Fatal(err)
	}
	batch := benchBatch()
	for _, s := range []struct {
		name string
		c    consumer.Logs
	}{{"forward+filter", forward}, {"detections", detections}} {
		b.Run("split="+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// The sinks keep nothing; a fresh copy per iteration
				// stands for the receiver's new batch.
				b.StopTimer()
				ld := plog.NewLogs()
				batch.CopyTo(ld)
				b.StartTimer()
				if err := s.c.ConsumeLogs(context.Background(), ld); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchBatch: 1,024 records under 16 processes, fourteen attributes each,
// the 500th a detection.
func benchBatch() plog.Logs {
	ld := plog.NewLogs()
	n := 0
	for p := range 16 {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutInt("process.pid", int64(1000+p))
		rl.Resource().Attributes().PutStr("process.executable.path", "/usr/bin/bench")
		sl := rl.ScopeLogs().AppendEmpty()
		for range 64 {
			lr := sl.LogRecords().AppendEmpty()
			lr.SetEventName("security_file_open")
			for a := range 14 {
				lr.Attributes().PutInt(string(rune('a'+a))+".attribute", int64(n*a))
			}
			if n == 500 {
				lr.Attributes().PutStr(vigil.AttrRuleUUID, "VGL-1029")
			}
			n++
		}
	}
	return ld
}
