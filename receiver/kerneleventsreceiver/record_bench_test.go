package kerneleventsreceiver

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containers"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// countingSink is the cheapest possible next consumer: it only counts, so the
// benchmarks measure capture and record building, not a pipeline.
type countingSink struct{ records atomic.Int64 }

func (c *countingSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (c *countingSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	c.records.Add(int64(ld.LogRecordCount()))
	return nil
}

// BenchmarkRecordBuild measures the reader's share of the work per event:
// a decoded openat turned into a log record with its enrichment and handed
// on in batches. Its records/s is the ceiling of what one core can move from
// the ring buffer into pdata (decoding is measured in bpf/).
func BenchmarkRecordBuild(b *testing.B) {
	def, _ := vigil.LookupEvent("openat")
	ev := bpf.Event{
		Timestamp: 1_000_000, ThreadStartTime: 500, CgroupID: 1, ReturnValue: 3,
		EventID: uint32(def.ID), Syscall: int32(def.ID),
		HostPID: 4242, HostTID: 4242, HostPPID: 1, PID: 4242, TID: 4242, PPID: 1,
		MountNS: 4026531841, PIDNS: 4026531836, Comm: "cat",
		Args: []bpf.Arg{
			{Index: 0, Kind: bpf.ArgInt, Int: -100},
			{Index: 1, Kind: bpf.ArgString, Str: "/etc/hostname"},
			{Index: 2, Kind: bpf.ArgInt, Int: 0o2000000},
			{Index: 3, Kind: bpf.ArgUint, Uint: 0},
		},
	}
	tree := proctree.New(16)
	tree.Exec(4242, 1, "/usr/bin/cat", []string{"cat", "/etc/hostname"})
	rb := newRecordBuilder(tree, containers.NewResolver("/proc", containers.Cgroup2Mount("/proc/self/mountinfo")))
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	if err != nil {
		b.Fatal(err)
	}
	sink := &countingSink{}
	out := newBatcher(sink, tb, zap.NewNop(), 1024, putHostResource)
	ctx := context.Background()
	observed := observedNow()

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		rb.build(&ev, def, out.add(def.Name), observed)
		if out.full() {
			out.flush(ctx)
		}
	}
	out.flush(ctx)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}
