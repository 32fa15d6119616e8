package kerneleventsreceiver

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadatatest"
)

// gatedConsumer takes batches one at a time: each ConsumeLogs announces
// itself on entered and returns when the test sends on release (or its
// context ends), with err.
type gatedConsumer struct {
	entered chan int // records of the batch being consumed
	release chan struct{}
	err     error
	got     []int
}

func newGatedConsumer() *gatedConsumer {
	return &gatedConsumer{entered: make(chan int), release: make(chan struct{})}
}

func (g *gatedConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (g *gatedConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	n := ld.LogRecordCount()
	g.entered <- n
	select {
	case <-g.release:
		g.got = append(g.got, n)
		return g.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// testBatch is a batch of n openat records.
func testBatch(n int) batch {
	logs := plog.NewLogs()
	lrs := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for range n {
		lrs.AppendEmpty()
	}
	return batch{logs: logs, records: n, counts: map[string]int64{"openat": int64(n)}}
}

func newTestQueue(t *testing.T, next consumer.Logs, size int, behind func() bool) (*sendQueue, *componenttest.Telemetry) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	tb, err := metadata.NewTelemetryBuilder(tel.NewTelemetrySettings())
	require.NoError(t, err)
	q := newSendQueue(next, tb, size, behind)
	go q.send()
	return q, tel
}

func droppedPoint(reason string, n int64) metricdata.DataPoint[int64] {
	return metricdata.DataPoint[int64]{Value: n, Attributes: attribute.NewSet(attribute.String("reason", reason))}
}

// alwaysBehind is a source whose ring is past half full.
func alwaysBehind() bool { return true }

// TestQueueDropsWhenFullWithoutWaiting: with the kernel's ring filling, the
// reader's put does not wait for a stuck pipeline; what finds the queue full
// is dropped and counted, what was queued is handed on in order.
func TestQueueDropsWhenFullWithoutWaiting(t *testing.T) {
	next := newGatedConsumer()
	q, tel := newTestQueue(t, next, 2, alwaysBehind)

	q.put(testBatch(1))
	require.Equal(t, 1, <-next.entered) // the sender is busy with it
	q.put(testBatch(2))
	q.put(testBatch(3)) // the queue's two places
	q.put(testBatch(4)) // full: dropped, and put returned
	q.put(testBatch(5))
	assert.Equal(t, uint64(9), q.dropped.Load())

	for want := 2; want <= 3; want++ {
		next.release <- struct{}{}
		require.Equal(t, want, <-next.entered)
	}
	next.release <- struct{}{}
	require.NoError(t, q.drain(context.Background()))
	assert.Equal(t, []int{1, 2, 3}, next.got)
	metadatatest.AssertEqualKerneleventsRecordsDropped(t, tel, []metricdata.DataPoint[int64]{droppedPoint("queue_full", 9)},
		metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualKerneleventsEventsEmitted(t, tel, []metricdata.DataPoint[int64]{
		{Value: 6, Attributes: attributeSetFor("openat")},
	}, metricdatatest.IgnoreTimestamp())
}

// TestQueueStopWaitsForRoom: once stopping, the reader's last batch waits
// for room instead of being dropped, and drain hands on everything queued.
func TestQueueStopWaitsForRoom(t *testing.T) {
	next := newGatedConsumer()
	q, _ := newTestQueue(t, next, 1, alwaysBehind)
	q.put(testBatch(1))
	require.Equal(t, 1, <-next.entered)
	q.put(testBatch(2)) // fills the queue
	q.stop()
	put := make(chan struct{})
	go func() {
		q.put(testBatch(3)) // must wait, not drop
		close(put)
	}()
	next.release <- struct{}{}
	require.Equal(t, 2, <-next.entered)
	<-put
	drained := make(chan error)
	go func() { drained <- q.drain(context.Background()) }()
	next.release <- struct{}{}
	require.Equal(t, 3, <-next.entered)
	next.release <- struct{}{}
	require.NoError(t, <-drained)
	assert.Equal(t, []int{1, 2, 3}, next.got)
	assert.Zero(t, q.dropped.Load())
}

// TestQueueDrainGivesUpAtTheDeadline: a pipeline that does not take the
// queued batches before the shutdown deadline loses them, counted as such.
func TestQueueDrainGivesUpAtTheDeadline(t *testing.T) {
	next := newGatedConsumer()
	q, tel := newTestQueue(t, next, 4, alwaysBehind)
	q.put(testBatch(1))
	require.Equal(t, 1, <-next.entered)
	q.put(testBatch(2))
	q.put(testBatch(3))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, q.drain(ctx), context.DeadlineExceeded)
	<-q.done // the consumer saw the cancellation; the rest was dropped
	metadatatest.AssertEqualKerneleventsRecordsDropped(t, tel, []metricdata.DataPoint[int64]{droppedPoint("shutdown", 5)},
		metricdatatest.IgnoreTimestamp())
	// the batch in the consumer when time ran out was refused by it
	assert.Equal(t, uint64(1), q.refused.Load())
}

// TestQueueCountsRefusals: a refused batch is counted with its error, and
// the next batches still go.
func TestQueueCountsRefusals(t *testing.T) {
	next := newGatedConsumer()
	next.err = errors.New("data refused due to high memory usage")
	q, tel := newTestQueue(t, next, 2, alwaysBehind)
	q.put(testBatch(4))
	q.put(testBatch(5))
	for range 2 {
		<-next.entered
		next.release <- struct{}{}
	}
	require.NoError(t, q.drain(context.Background()))
	assert.Equal(t, uint64(9), q.refused.Load())
	assert.EqualError(t, q.lastRefusal(), "data refused due to high memory usage")
	metadatatest.AssertEqualKerneleventsRecordsRefused(t, tel, []metricdata.DataPoint[int64]{{Value: 9}}, metricdatatest.IgnoreTimestamp())
}

// TestQueueWaitsWhileTheRingHasRoom: a burst the kernel's ring can hold is
// not dropped: the reader waits for room while the ring is less than half
// full, and drops once it fills.
func TestQueueWaitsWhileTheRingHasRoom(t *testing.T) {
	next := newGatedConsumer()
	var ringFilling atomic.Bool
	q, _ := newTestQueue(t, next, 1, ringFilling.Load)
	q.put(testBatch(1))
	require.Equal(t, 1, <-next.entered)
	q.put(testBatch(2)) // fills the queue
	put := make(chan struct{})
	go func() {
		q.put(testBatch(3)) // waits: the ring has room
		close(put)
	}()
	next.release <- struct{}{}
	require.Equal(t, 2, <-next.entered)
	<-put
	assert.Zero(t, q.dropped.Load(), "dropped while the ring had room")

	ringFilling.Store(true)
	q.put(testBatch(4)) // the queue holds 3: dropped at once
	assert.Equal(t, uint64(4), q.dropped.Load())
	next.release <- struct{}{}
	require.Equal(t, 3, <-next.entered)
	next.release <- struct{}{}
	require.NoError(t, q.drain(context.Background()))
	assert.Equal(t, []int{1, 2, 3}, next.got)
}

// TestReplayQueueWaits: a replay loses nothing to a slow pipeline.
func TestReplayQueueWaits(t *testing.T) {
	next := newGatedConsumer()
	q, _ := newTestQueue(t, next, 1, nil)
	done := make(chan struct{})
	go func() {
		for i := 1; i <= 4; i++ {
			q.put(testBatch(i))
		}
		close(done)
	}()
	for i := 1; i <= 4; i++ {
		require.Equal(t, i, <-next.entered)
		next.release <- struct{}{}
	}
	<-done
	require.NoError(t, q.drain(context.Background()))
	assert.Equal(t, []int{1, 2, 3, 4}, next.got)
	assert.Zero(t, q.dropped.Load())
}
