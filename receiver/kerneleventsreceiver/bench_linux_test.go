//go:build linux

package kerneleventsreceiver

import (
	"context"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// startBenchReceiver runs the receiver on this process only (so the loop in
// the benchmark is what is traced, and nothing else on the machine competes).
func startBenchReceiver(b *testing.B, events ...string) (*kernelEventsReceiver, *countingSink) {
	b.Helper()
	privtest.Require(b)
	cfg := createDefaultConfig().(*Config)
	cfg.Events = events
	cfg.Scope.ExcludeSelf = false
	cfg.Scope.PIDs = []uint32{uint32(os.Getpid())}
	sink := &countingSink{}
	rcv, err := newReceiver(receivertest.NewNopSettings(metadata.Type), cfg, sink)
	if err != nil {
		b.Fatal(err)
	}
	if err := rcv.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rcv.Shutdown(context.Background()) })
	return rcv, sink
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

func openatClose(b *testing.B) {
	for i := 0; i < b.N; i++ {
		fd, err := unix.Openat(unix.AT_FDCWD, "/etc/hostname", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(fd)
	}
}

// BenchmarkOpenatClose compares an openat+close loop without the receiver
// and with it capturing every openat into pdata.
func BenchmarkOpenatClose(b *testing.B) {
	b.Run("baseline", openatClose)
	b.Run("receiver", func(b *testing.B) {
		rcv, sink := startBenchReceiver(b, "openat")
		before := sink.records.Load()
		b.ResetTimer()
		start := time.Now()
		openatClose(b)
		drain(b, rcv, sink, start, before+int64(b.N))
	})
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
