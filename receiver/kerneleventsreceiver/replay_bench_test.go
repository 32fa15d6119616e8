package kerneleventsreceiver

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/metrics"
	"runtime/pprof"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap"

	"github.com/vigil-sec/vigil/internal/procstat"
	"github.com/vigil-sec/vigil/internal/streams"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// BenchmarkReplay measures the replay source (source: file) end to end: a
// file of b.N Tracee JSON lines (the detection benchmark's mixed stream,
// repeated) read, decoded
// and built into batches of records for a downstream that holds a batch
// processor's worth. lines/s is the source's throughput; lines/s/core
// divides by all the CPU the process used. The file is written before the
// timer starts, but a CPU profile covers it too: the replay's goroutines
// carry the label phase=replay, so `go tool pprof -tagfocus phase=replay`
// shows them alone (the garbage collector's work is in neither).
// gc-cpu-ns/line is the collector's share of the CPU a line costs, as the
// runtime estimates it (its workers, assists and pauses; not the write
// barriers, which count as the goroutines'), and gc/Mline the
// collections a million lines bring.
func BenchmarkReplay(b *testing.B) { benchmarkReplay(b, streams.Mixed) }

// BenchmarkReplaySessions is BenchmarkReplay on the sessions stream: the
// same kinds of events from processes that live, so that consecutive
// lines often share a process, and a batch's resources hold several
// records (about 1,400 processes in 10,000 lines, where the mixed stream
// has some 9,000).
func BenchmarkReplaySessions(b *testing.B) { benchmarkReplay(b, streams.Sessions) }

// benchmarkReplay replays b.N lines of the stream that read returns,
// repeated (see BenchmarkReplay).
func benchmarkReplay(b *testing.B, read func() ([]byte, error)) {
	stream, err := read()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "events.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Count(stream, []byte("\n"))
	for n := 0; n < b.N; n += lines {
		chunk := stream
		if rest := b.N - n; rest < lines {
			chunk = stream[:nthNewline(stream, rest)+1]
		}
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}

	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	if err != nil {
		b.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.Source, cfg.File.Path = SourceFile, path
	src := newReplaySource(cfg, tb, zap.NewNop())
	if err := src.open(); err != nil {
		b.Fatal(err)
	}
	defer src.close()
	sink := &countingSink{hold: pipelineHold}
	q := newSendQueue(sink, tb, 4, nil)
	go q.send()
	out := newBatcher(q, cfg.BatchSize, src.resource)

	b.ReportAllocs()
	b.ResetTimer()
	start, cpu, gc := time.Now(), procstat.CPU(), readGC()
	pprof.Do(context.Background(), pprof.Labels("phase", "replay"), func(ctx context.Context) {
		src.run(ctx, out)
		if err := q.drain(ctx); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lines/s")
	b.ReportMetric(float64(b.N)/(float64(procstat.CPU()-cpu)/1e9), "lines/s/core")
	gcEnd := readGC()
	b.ReportMetric((gcEnd.cpu-gc.cpu)*1e9/float64(b.N), "gc-cpu-ns/line")
	b.ReportMetric(float64(gcEnd.cycles-gc.cycles)*1e6/float64(b.N), "gc/Mline")
	if got := sink.records.Load(); got != int64(b.N) {
		b.Fatalf("%d records from %d lines", got, b.N)
	}
}

// nthNewline is the index of the n-th "\n" of data (n ≥ 1).
func nthNewline(data []byte, n int) int {
	at := -1
	for ; n > 0; n-- {
		at += 1 + bytes.IndexByte(data[at+1:], '\n')
	}
	return at
}

// gcStats is the collector's CPU time so far, in seconds, and its cycles.
type gcStats struct {
	cpu    float64
	cycles uint64
}

func readGC() gcStats {
	samples := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(samples)
	return gcStats{cpu: samples[0].Value.Float64(), cycles: samples[1].Value.Uint64()}
}
