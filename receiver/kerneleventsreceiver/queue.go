package kerneleventsreceiver

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// batch is a finished plog.Logs on its way to the next consumer.
type batch struct {
	logs    plog.Logs
	records int
	counts  map[string]int64 // records per event name, for events_emitted
}

// sendQueue decouples the reader from the pipeline: the reader (for captured
// events, its builders) puts batches, a sender goroutine hands them to the
// next consumer.
//
// When the queue is full, the reader waits for room only until behind
// reports that the source's own buffer (the kernel's ring buffer) is nearly
// full: a burst then loses nothing, held in the ring's compact records
// rather than in pdata. Once behind reports it, a batch that finds the queue
// full is dropped and counted, so the reader keeps draining the ring: the
// pipeline being slower than capture costs whole batches here, counted and
// logged, instead of the kernel dropping records. A nil behind (a replay,
// which has no ring to overflow) always waits.
type sendQueue struct {
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	behind    func() bool
	batches   chan batch

	// stopping makes puts wait for room whatever behind says: the
	// reader's last batches at a clean stop are not lost to a full queue.
	stopping     chan struct{}
	stoppingOnce sync.Once
	closeOnce    sync.Once // of batches
	// sendCtx is given to the next consumer; abandon cancels it when the
	// shutdown deadline passes, and then what is left is dropped.
	sendCtx context.Context
	abandon context.CancelFunc
	done    chan struct{} // closed when the sender has returned

	dropped   atomic.Uint64 // records dropped because the queue was full
	refused   atomic.Uint64 // records the next consumer refused
	lastError atomic.Value  // the latest refusal's error
	eventOpts map[string]metric.MeasurementOption
}

// behindCheck is how often a put waiting for room asks behind again.
const behindCheck = 2 * time.Millisecond

var (
	reasonQueueFull = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", "queue_full")))
	reasonShutdown  = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", "shutdown")))
)

func newSendQueue(next consumer.Logs, tb *metadata.TelemetryBuilder, size int, behind func() bool) *sendQueue {
	ctx, cancel := context.WithCancel(context.Background())
	return &sendQueue{
		next:      next,
		telemetry: tb,
		behind:    behind,
		batches:   make(chan batch, size),
		stopping:  make(chan struct{}),
		sendCtx:   ctx,
		abandon:   cancel,
		done:      make(chan struct{}),
		eventOpts: map[string]metric.MeasurementOption{},
	}
}

// put queues b, or drops and counts it (see sendQueue). Several
// goroutines may put at once (the source's builders, each with its own
// batcher).
func (q *sendQueue) put(b batch) {
	select {
	case q.batches <- b:
		return
	default:
	}
	// a timer per wait, not per queue: a waiting put is one per batch
	// at most, and builders wait at once
	wait := time.NewTimer(behindCheck)
	defer wait.Stop()
	for {
		if q.mustDrop() {
			q.dropped.Add(uint64(b.records))
			q.telemetry.KerneleventsRecordsDropped.Add(context.Background(), int64(b.records), reasonQueueFull)
			return
		}
		select {
		case q.batches <- b:
			return
		case <-q.sendCtx.Done():
			q.telemetry.KerneleventsRecordsDropped.Add(context.Background(), int64(b.records), reasonShutdown)
			return
		case <-wait.C:
			wait.Reset(behindCheck)
		}
	}
}

// mustDrop: the queue is full, and waiting would make the source lose
// events itself.
func (q *sendQueue) mustDrop() bool {
	select {
	case <-q.stopping:
		return false
	default:
		return q.behind != nil && q.behind()
	}
}

// send hands the queued batches on until close, then returns. A refusal is
// counted, not retried: the kernel keeps producing and holding batches would
// only move the loss into memory; retries belong to the exporters' queues.
func (q *sendQueue) send() {
	defer close(q.done)
	for b := range q.batches {
		if q.sendCtx.Err() != nil {
			q.telemetry.KerneleventsRecordsDropped.Add(context.Background(), int64(b.records), reasonShutdown)
			continue
		}
		for name, n := range b.counts {
			q.telemetry.KerneleventsEventsEmitted.Add(q.sendCtx, n, q.eventOpt(name))
		}
		if err := q.next.ConsumeLogs(q.sendCtx, b.logs); err != nil {
			q.lastError.Store(err)
			q.refused.Add(uint64(b.records))
			q.telemetry.KerneleventsRecordsRefused.Add(q.sendCtx, int64(b.records))
		}
	}
}

func (q *sendQueue) eventOpt(name string) metric.MeasurementOption {
	if o, ok := q.eventOpts[name]; ok {
		return o
	}
	o := metric.WithAttributeSet(attributeSetFor(name))
	q.eventOpts[name] = o
	return o
}

// stop begins a clean stop: from now on puts wait for room.
func (q *sendQueue) stop() { q.stoppingOnce.Do(func() { close(q.stopping) }) }

// drain closes the queue once nothing puts any more, and waits until the
// sender has handed on every queued batch or ctx ends. Then the sender's
// context is cancelled and the batches still queued are dropped and
// counted; drain does not wait for a consumer that ignores cancellation.
// Draining again waits again.
func (q *sendQueue) drain(ctx context.Context) error {
	q.closeOnce.Do(func() { close(q.batches) })
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		q.abandon()
		return ctx.Err()
	}
}

// lastRefusal is the error of the latest refused batch, or nil.
func (q *sendQueue) lastRefusal() error {
	err, _ := q.lastError.Load().(error)
	return err
}
