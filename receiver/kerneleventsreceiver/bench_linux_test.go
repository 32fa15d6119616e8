//go:build linux

package kerneleventsreceiver

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/internal/procstat"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// startBenchReceiver runs the receiver on this process only (so the loop in
// the benchmark is what is traced, and nothing else on the machine competes).
func startBenchReceiver(b *testing.B, events ...string) (*kernelEventsReceiver, *countingSink) {
	b.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Events = events
	cfg.Scope.ExcludeSelf = false
	cfg.Scope.PIDs = []int64{int64(os.Getpid())}
	sink := &countingSink{}
	return startReceiverWith(b, cfg, sink), sink
}

// startReceiverWith starts a receiver with cfg feeding sink.
func startReceiverWith(b *testing.B, cfg *Config, sink *countingSink) *kernelEventsReceiver {
	b.Helper()
	privtest.Require(b)
	rcv, err := newReceiver(receivertest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		b.Fatal(err)
	}
	if err := rcv.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rcv.Shutdown(context.Background()) })
	return rcv
}

// drain waits until the sink has every record the kernel submitted, so the
// timed region includes the reader keeping up, and reports the figures.
func drain(b *testing.B, rcv *kernelEventsReceiver, sink *countingSink, start time.Time, want int64) {
	b.Helper()
	src := rcv.src.(*ebpfSource)
	probe := src.probe
	deadline := time.Now().Add(30 * time.Second)
	for sink.records.Load() < want && time.Now().Before(deadline) {
		probe.Flush()
		time.Sleep(time.Millisecond) // polling the sink's counter, not standing in for a condition
	}
	elapsed := time.Since(start)
	b.StopTimer()
	st, err := probe.Stats()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(sink.records.Load())/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(st.Lost), "drops")
	if st.Lost > 0 {
		b.Errorf("%d events lost in the kernel", st.Lost)
	}
}

func getppid(b *testing.B) {
	for i := 0; i < b.N; i++ {
		unix.Getppid()
	}
}

// BenchmarkGetppid measures what a syscall nobody selected pays while the
// receiver runs with the default events.
func BenchmarkGetppid(b *testing.B) {
	b.Run("baseline", getppid)
	b.Run("receiver", func(b *testing.B) {
		startBenchReceiver(b, "default")
		b.ResetTimer()
		getppid(b)
	})
}

// loopAction makes the test binary a separate workload process: it renames
// itself loopComm (so a receiver can scope to it), runs n openat+close and
// prints the nanoseconds per iteration.
const (
	loopAction = "openat-loop"
	loopComm   = "vigil-loop"
)

func openatLoop(arg string) error {
	n, err := strconv.Atoi(arg)
	if err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&[]byte(loopComm + "\x00")[0])), 0, 0, 0); err != nil {
		return err
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		fd, err := unix.Openat(unix.AT_FDCWD, "/etc/hostname", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		unix.Close(fd)
	}
	fmt.Println(time.Since(start).Nanoseconds() / int64(n))
	return nil
}

// runLoop runs the workload process and returns its ns per iteration.
func runLoop(b *testing.B, n int) float64 {
	b.Helper()
	cmd := privtest.Command(loopAction, strconv.Itoa(n))
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("workload: %v", err)
	}
	ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		b.Fatalf("workload printed %q", out)
	}
	return ns
}

// BenchmarkOpenatCloseOtherProcess is the deployment's shape: the traced
// workload is another process than the collector, as on a real node. Each
// sub-benchmark times one workload run of b.N openat+close iterations
// (reported as workload-ns/op): without the receiver, then with it turning
// every openat into a record of event (openat itself, or security_file_open
// derived from it with a path walk in the kernel), against both downstreams
// of sinkModes.
func BenchmarkOpenatCloseOtherProcess(b *testing.B) {
	b.Run("baseline", func(b *testing.B) {
		b.ReportMetric(runLoop(b, b.N), "workload-ns/op")
	})
	for _, event := range []string{"openat", "security_file_open"} {
		for _, m := range sinkModes {
			b.Run(event+"/sink="+m.name, func(b *testing.B) {
				privtest.Require(b)
				cfg := createDefaultConfig().(*Config)
				cfg.Events = []string{event}
				cfg.Scope.Comms = []string{loopComm}
				sink := &countingSink{hold: m.hold}
				rcv, err := newReceiver(receivertest.NewNopSettings(metadata.Type), cfg, sink)
				if err != nil {
					b.Fatal(err)
				}
				if err := rcv.Start(context.Background(), componenttest.NewNopHost()); err != nil {
					b.Fatal(err)
				}
				defer func() { _ = rcv.Shutdown(context.Background()) }()
				start, cpu := time.Now(), procstat.CPU()
				b.ReportMetric(runLoop(b, b.N), "workload-ns/op")
				drain(b, rcv, sink, start, int64(b.N))
				// the collector's side: CPU per record, reader and GC
				b.ReportMetric(float64(procstat.CPU()-cpu)/float64(b.N), "collector-cpu-ns/record")
				b.ReportMetric(float64(procstat.RSS())/(1<<20), "collector-rss-MB")
			})
		}
	}
}

// maxBacklogRing is the largest ring BenchmarkReaderBacklog asks for.
const maxBacklogRing = 1 << 30

// BenchmarkReaderBacklog measures what the receiver sustains from the
// kernel, everything after the BPF programs: reading the ring buffer,
// decoding, keeping the process tree, building records and batching them.
// The workload process first fills a ring big enough for all of its b.N
// openat records while no reader runs, so nothing is dropped and nothing
// competes with the reader; then the reader is started and timed until the
// sink has every record. records/s is the reader's rate; records/s/core
// divides by all the CPU the process used, the garbage collector's on the
// other core included.
//
// builders is how many goroutines write the records (see builders): one,
// and what the receiver runs on this machine.
func BenchmarkReaderBacklog(b *testing.B) {
	for _, m := range sinkModes {
		for _, n := range slices.Compact([]int{1, builderCount()}) {
			b.Run(fmt.Sprintf("sink=%s/builders=%d", m.name, n), func(b *testing.B) {
				benchmarkReaderBacklog(b, m.hold, n)
			})
		}
	}
}

func benchmarkReaderBacklog(b *testing.B, hold, builders int) {
	privtest.Require(b)
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"openat"}
	cfg.Scope.Comms = []string{loopComm}
	// 512 bytes per record is room to spare for an openat of /etc/hostname
	cfg.RingBufferSize = 8 << 20
	for cfg.RingBufferSize < 512*b.N && cfg.RingBufferSize < maxBacklogRing {
		cfg.RingBufferSize <<= 1
	}
	sink := &countingSink{hold: hold}
	rcv, err := newReceiver(receivertest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		b.Fatal(err)
	}
	src := rcv.src.(*ebpfSource)
	src.builders = builders
	if err := src.open(); err != nil {
		b.Fatal(err)
	}
	defer src.close()
	runLoop(b, b.N)

	// a queue that waits for room: the figure is the reader's
	// and the sink's pace, with nothing dropped
	q := newSendQueue(sink, rcv.telemetry, cfg.QueueSize, nil)
	go q.send()
	defer q.drain(context.Background())
	out := newBatcher(q, cfg.BatchSize, src.resource)
	done := make(chan struct{})
	b.ResetTimer()
	start, cpu := time.Now(), procstat.CPU()
	go func() {
		defer close(done)
		src.run(context.Background(), out)
	}()
	drain(b, rcv, sink, start, int64(b.N))
	b.ReportMetric(float64(b.N)/(float64(procstat.CPU()-cpu)/1e9), "records/s/core")
	if err := src.close(); err != nil {
		b.Error(err)
	}
	<-done
}
