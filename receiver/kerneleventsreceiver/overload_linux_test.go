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
// with a rate limit, the smallest ring buffer and a stuck pipeline: the
// kernel throttles the process; its burst overfills the ring, so the reader
// drops what the queue has no room for instead of waiting; and each layer's
// loss is logged with the count its counter has.
func TestOverloadIsCountedAndLogged(t *testing.T) {
	privtest.Require(t)
	const opens, burst, rate = 20000, 4000, 100
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"openat"}
	cfg.Scope.Comms = []string{loopComm}
	cfg.BatchSize = 16
	cfg.QueueSize = 1
	cfg.FlushInterval = 20 * time.Millisecond
	// A burst of 4000 openat records is several times the 64 KiB ring
	// (records of 56 bytes and more), however many the reader and its
	// builders hold meanwhile (a few batches). With 1000, the earlier
	// burst, the ring sometimes stayed under the 7/8 at which the queue
	// drops (1 run in 16 after the reader began copying records raw).
	cfg.RingBufferSize = 64 << 10
	cfg.RateLimit = RateLimitConfig{EventsPerSecond: rate, Burst: burst}
	next := stuckConsumer{release: make(chan struct{})}
	rcv, logs := startObserved(t, cfg, next)
	src := rcv.src.(*ebpfSource)

	start := time.Now()
	privtest.Run(t, loopAction, strconv.Itoa(opens))
	// the burst, what the pace earned while the loop ran (however slow a
	// busy machine made it), and one more for a record racing the last
	took := time.Since(start)
	passed := burst + int(took.Seconds()*rate) + 1
	// a loop slow enough to stay under the pace throttles nothing, and
	// leaves only the dropped count to check: say so
	t.Logf("the loop took %s: up to %d of %d opens pass the rate limit", took, passed, opens)
	var st struct{ throttled, dropped uint64 }
	require.Eventually(t, func() bool {
		s, err := src.stats()
		require.NoError(t, err)
		st.throttled, st.dropped = s.Throttled, rcv.queue.dropped.Load()
		return st.throttled >= uint64(max(opens-passed, 0)) && st.dropped > 0
	}, waitLimit, 10*time.Millisecond, "throttled (want at least %d of %d) and dropped: %+v", max(opens-passed, 0), opens, &st)
	close(next.release)
	require.NoError(t, rcv.Shutdown(context.Background()))

	final, _ := src.stats()
	layers := []struct {
		name, message string
		count         uint64
	}{
		{"kernel_rate_limit", "kernel rate-limited %s events from noisy processes in the last ", final.Throttled},
		{"kernel_ring_buffer", "kernel dropped %s events in the last ", final.Lost},
		{"queue", "receiver dropped %s records in the last ", rcv.queue.dropped.Load()},
	}
	for _, l := range layers {
		lines := lossLines(logs, l.name)
		if l.count == 0 {
			assert.Empty(t, lines, "%s lost nothing", l.name)
			continue
		}
		require.Len(t, lines, 1, l.name)
		assert.Contains(t, lines[0], fmt.Sprintf(l.message, lossreport.Count(l.count)))
		t.Log(lines[0])
	}
	assert.Contains(t, lossLines(logs, "kernel_rate_limit")[0], "(rate_limit 100/s, burst 4,000)")
	assert.Contains(t, lossLines(logs, "queue")[0], "the pipeline is slower than capture (queue_size 1 full)")
}
