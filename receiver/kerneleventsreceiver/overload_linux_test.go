//go:build linux

package kerneleventsreceiver

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/lossreport"
)

// stuckConsumer holds every batch until release is closed: a pipeline that
// has stopped keeping up.
type stuckConsumer struct{ release chan struct{} }

func (stuckConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (c stuckConsumer) ConsumeLogs(ctx context.Context, _ plog.Logs) error {
	select {
	case <-c.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestOverloadIsCountedAndLogged runs a noisy process against a receiver
// with a rate limit and a stuck pipeline: the kernel throttles the process;
// its burst fills more than half of the (smallest) ring, so the reader drops
// what the queue has no room for instead of waiting; and each layer's loss
// is logged with the count its counter has.
func TestOverloadIsCountedAndLogged(t *testing.T) {
	privtest.Require(t)
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"openat"}
	cfg.Scope.Comms = []string{loopComm}
	cfg.BatchSize = 16
	cfg.QueueSize = 1
	cfg.FlushInterval = 20 * time.Millisecond
	// 300 openat records of ~180 bytes: more than half of 64 KiB, less
	// than all of it
	cfg.RingBufferSize = 64 << 10
	cfg.RateLimit = RateLimitConfig{EventsPerSecond: 100, Burst: 300}
	next := stuckConsumer{release: make(chan struct{})}
	rcv, logs := startObserved(t, cfg, next)
	src := rcv.src.(*ebpfSource)

	const opens = 20000
	runHelperProcess(t, loopAction, strconv.Itoa(opens))
	var st struct{ throttled, dropped uint64 }
	require.Eventually(t, func() bool {
		s, err := src.stats()
		require.NoError(t, err)
		st.throttled, st.dropped = s.Throttled, rcv.queue.dropped.Load()
		// the burst and the pace pass; the loop runs for well under 5s
		return st.throttled >= opens-300-500 && st.dropped > 0
	}, 15*time.Second, 10*time.Millisecond, "throttled and dropped: %+v", &st)
	close(next.release)
	require.NoError(t, rcv.Shutdown(context.Background()))

	kernel := lossLines(logs, "kernel_rate_limit")
	require.Len(t, kernel, 1)
	s, _ := src.stats()
	assert.Contains(t, kernel[0], fmt.Sprintf("kernel rate-limited %s events from noisy processes in the last ", lossreport.Count(s.Throttled)))
	assert.Contains(t, kernel[0], "(rate_limit 100/s, burst 300)")

	queue := lossLines(logs, "queue")
	require.Len(t, queue, 1)
	assert.Contains(t, queue[0], fmt.Sprintf("receiver dropped %s records in the last ", lossreport.Count(rcv.queue.dropped.Load())))
	assert.Contains(t, queue[0], "the pipeline is slower than capture (queue_size 1 full)")
	assert.Empty(t, lossLines(logs, "kernel_ring_buffer"), "the reader stopped waiting before the ring overflowed")
	t.Logf("logged:\n%s\n%s", kernel[0], queue[0])
}
