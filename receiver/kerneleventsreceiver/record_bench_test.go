package kerneleventsreceiver

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/procstat"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/exehash"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// countingSink is the next consumer of the benchmarks: it counts the
// records and drops them, or, with hold set, keeps the newest hold records
// alive before dropping them, as a batch processor downstream does (its
// default send_batch_size is 8192). Which of the two it does decides how big
// the heap is, and so how often the garbage collector runs: a sink that
// drops everything leaves a heap of a few MB, smaller than any collector's.
type countingSink struct {
	records atomic.Int64
	hold    int

	mu          sync.Mutex
	held        []plog.Logs
	heldRecords int
}

// pipelineHold is what a collector pipeline keeps in flight in the
// benchmarks: one batch of the batch processor's default size.
const pipelineHold = 8192

func (c *countingSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (c *countingSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	n := ld.LogRecordCount()
	c.records.Add(int64(n))
	if c.hold == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = append(c.held, ld)
	c.heldRecords += n
	for c.heldRecords-c.held[0].LogRecordCount() >= c.hold {
		c.heldRecords -= c.held[0].LogRecordCount()
		c.held = c.held[1:]
	}
	return nil
}

// sinkModes are the two downstreams the benchmarks run against.
var sinkModes = []struct {
	name string
	hold int
}{{"noop", 0}, {"pipeline", pipelineHold}}

// BenchmarkRecordBuild measures the reader's share of the work per event:
// a decoded openat turned into a log record with its enrichment and handed
// on in batches, with a downstream that drops the records at once and with
// one that holds a batch processor's worth. records/s is what the reader
// goroutine moves into pdata; records/s/core divides by all the CPU the
// process used (the garbage collector runs on the other core).
//
// procs is how many processes the events come from, in turn: a batch has
// one resource per process, so one process is the best case (a loop of
// calls, the benchmark of the issue), 64 a busy node, and 1024 the worst
// case, every record of a batch with a resource of its own.
//
// enrich=on adds the ancestry (three ancestors above each process) with
// the default depth; enrich=off is ancestry_depth: 0 and no hashing.
// event=exec builds sched_process_exec records instead, whose files the
// hasher knows already (warm cache): with enrich=on each looks its hash up.
func BenchmarkRecordBuild(b *testing.B) {
	for _, event := range []string{"openat", "exec"} {
		for _, procs := range []int{1, 64, 1024} {
			for _, m := range sinkModes {
				for _, enrich := range []bool{false, true} {
					name := fmt.Sprintf("procs=%d/sink=%s/enrich=%s", procs, m.name, map[bool]string{false: "off", true: "on"}[enrich])
					if event == "exec" {
						name = "event=exec/" + name
					}
					b.Run(name, func(b *testing.B) {
						benchmarkRecordBuild(b, event, procs, enrich, &countingSink{hold: m.hold})
					})
				}
			}
		}
	}
}

func benchmarkRecordBuild(b *testing.B, event string, procs int, enrich bool, sink *countingSink) {
	tree := proctree.New(procs + 3)
	tree.Exec(1, 0, "/sbin/init", []string{"/sbin/init"})
	tree.Exec(500, 1, "/usr/sbin/sshd", []string{"sshd", "-D"})
	tree.Exec(600, 500, "/bin/bash", []string{"-bash"})
	def, _ := catalog.LookupEvent("openat")
	if event == "exec" {
		def, _ = catalog.LookupEvent("sched_process_exec")
	}
	events := make([]bpf.Event, procs)
	for i := range events {
		pid := uint32(1000 + i)
		tree.Exec(pid, 600, "/usr/bin/cat", []string{"cat", "/etc/hostname"})
		events[i] = openatBy(pid, pid)
		if event == "exec" {
			events[i] = execOf(pid, uint64(1+i%16)) // 16 distinct binaries
		}
		events[i].HostPPID = 600
	}
	rb, out := newTestBuilder(b, tree, sink, 1024)
	if enrich {
		rb.ancestryDepth = createDefaultConfig().(*Config).AncestryDepth
		rb.hasher = warmHasher(b, events)
	}
	measureRecordBuild(b, rb, out, def, events)
}

// measureRecordBuild builds records of events, in turn, b.N times.
func measureRecordBuild(b *testing.B, rb *recordBuilder, out *batcher, def *catalog.EventDef, events []bpf.Event) {
	observed := observedNow()
	procs := len(events)

	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), procstat.CPU()
	for i := 0; i < b.N; i++ {
		rb.build(&events[i%procs], def, out, observed)
		if out.full() {
			out.flush()
		}
	}
	out.flush()
	if err := out.queue.drain(context.Background()); err != nil { // the sender hands on the last batches
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
	// CPU time counts the garbage collector's work on the other core too
	b.ReportMetric(float64(b.N)/(float64(procstat.CPU()-cpu)/1e9), "records/s/core")
}

// warmHasher returns a hasher that knows the files of the exec events.
func warmHasher(b *testing.B, events []bpf.Event) *exehash.Hasher {
	h := exehash.New(exehash.Config{MaxFileSize: 1 << 20, Workers: 2, CacheSize: 1024, QueueSize: 1024}, fileOpener("ELF", nil))
	b.Cleanup(h.Close)
	files := map[uint64]bool{}
	for i := range events {
		if inode := argUint(&events[i], "sched_process_exec", "inode"); inode != 0 && !files[inode] {
			files[inode] = true
			h.Lookup(exehash.Request{Key: exehash.Key{Dev: 8, Inode: inode, Ctime: 1}})
		}
	}
	for h.Stats().Computed < int64(len(files)) {
		runtime.Gosched()
	}
	return h
}
