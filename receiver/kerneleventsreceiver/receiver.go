package kerneleventsreceiver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/lossreport"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// source produces records into a batcher. open prepares it (loads eBPF,
// opens the file) and may fail; run reads until ctx ends or the source runs
// dry, flushing the batcher as it goes; close releases what open took and
// unblocks run. resource puts the resource attributes every batch starts with.
type source interface {
	open() error
	resource(pcommon.Map)
	run(ctx context.Context, out *batcher)
	close() error
}

// bufferedSource is a source with a buffer of its own outside the process
// (the kernel's ring buffer), where it can lose events. After open, it names
// the layers where it loses them, and tells when its buffer is filling:
// then a full queue drops batches rather than make the reader wait.
type bufferedSource interface {
	lossLayers() []lossLayer
	behind() bool
}

// Loss is looked at every lossPoll and logged at most every lossInterval
// per layer: polling more often than logging keeps each line's window close
// to the interval (a poll at the interval itself would miss it by a tick's
// jitter and wait a whole interval more).
const (
	lossInterval = 10 * time.Second
	lossPoll     = time.Second
)

// lossLayer is one place where records can be lost: its running total, and
// the reporter that logs what it lost.
type lossLayer struct {
	total  func() uint64
	report *lossreport.Reporter
}

// newLossLayer watches total, logging each report as a warning whose
// message is describe(count, window), e.g. "kernel dropped 12,345 events in
// the last 10s (...)". name tells the layers apart in the log's fields.
func newLossLayer(logger *zap.Logger, name string, total func() uint64, describe func(count, window string) string) lossLayer {
	report := func(lost uint64, window time.Duration) {
		logger.Warn(describe(lossreport.Count(lost), roundWindow(window)),
			zap.String("layer", name), zap.Uint64("lost", lost), zap.Duration("window", window))
	}
	return lossLayer{total: total, report: lossreport.New(lossInterval, time.Now, total(), report)}
}

// roundWindow shows a window in whole seconds, or milliseconds when shorter
// than one (a last report at shutdown).
func roundWindow(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

type kernelEventsReceiver struct {
	cfg       *Config
	set       receiver.Settings
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder

	src        source
	queue      *sendQueue
	cancel     context.CancelFunc
	reader     sync.WaitGroup
	stopLosses chan struct{}
	lossesDone chan struct{}
}

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*kernelEventsReceiver, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	r := &kernelEventsReceiver{cfg: cfg, set: set, next: next, telemetry: tb}
	switch cfg.Source {
	case SourceFile:
		r.src = newReplaySource(cfg, tb, set.Logger)
	default:
		events, err := resolveEvents(cfg.Events)
		if err != nil {
			return nil, err
		}
		r.src = newEBPFSource(cfg, events, tb, set.Logger)
	}
	return r, nil
}

// Start opens the source and starts reading. With on_unavailable: warn, a
// source that cannot open (no privileges, no BTF) is logged and the
// collector runs on without this receiver's events.
func (r *kernelEventsReceiver) Start(_ context.Context, _ component.Host) error {
	if err := r.src.open(); err != nil {
		if r.cfg.OnUnavailable == OnUnavailableWarn {
			r.set.Logger.Warn("kernelevents receiver is not capturing (on_unavailable: warn)", zap.Error(err))
			r.src = nil
			return nil
		}
		return err
	}
	// Captured events are dropped when the pipeline falls behind for
	// longer than the kernel's ring can hold, so the ring keeps draining;
	// a replay waits.
	var behind func() bool
	buffered, isBuffered := r.src.(bufferedSource)
	if isBuffered {
		behind = buffered.behind
	}
	r.queue = newSendQueue(r.next, r.telemetry, r.cfg.QueueSize, behind)
	go r.queue.send()

	layers := r.queueLossLayers()
	if isBuffered {
		layers = append(buffered.lossLayers(), layers...)
	}
	r.stopLosses, r.lossesDone = make(chan struct{}), make(chan struct{})
	go r.watchLosses(layers)

	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	b := newBatcher(r.queue, r.cfg.BatchSize, r.src.resource)
	r.reader.Add(1)
	go func() {
		defer r.reader.Done()
		r.src.run(ctx, b)
	}()
	return nil
}

// queueLossLayers are the receiver's own: batches dropped because the queue
// was full, and records the next consumer refused.
func (r *kernelEventsReceiver) queueLossLayers() []lossLayer {
	q, logger := r.queue, r.set.Logger
	return []lossLayer{
		newLossLayer(logger, "queue", q.dropped.Load, func(count, window string) string {
			return fmt.Sprintf("receiver dropped %s records in the last %s: the pipeline is slower than capture (queue_size %d full)",
				count, window, r.cfg.QueueSize)
		}),
		newLossLayer(logger, "next_consumer", q.refused.Load, func(count, window string) string {
			return fmt.Sprintf("the next consumer refused %s records in the last %s: %v", count, window, q.lastRefusal())
		}),
	}
}

// watchLosses hands each layer's total to its reporter every lossPoll, and
// reports what is left when stopped.
func (r *kernelEventsReceiver) watchLosses(layers []lossLayer) {
	defer close(r.lossesDone)
	t := time.NewTicker(lossPoll)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			for _, l := range layers {
				l.report.Observe(l.total())
			}
		case <-r.stopLosses:
			for _, l := range layers {
				l.report.Final(l.total())
			}
			return
		}
	}
}

// Shutdown stops reading, hands on what was read and queued (until ctx
// ends; what is left then is dropped and counted), reports the last loss,
// and releases the source.
func (r *kernelEventsReceiver) Shutdown(ctx context.Context) error {
	var errs []error
	if r.queue != nil {
		// The reader's last batch waits for room rather than being
		// dropped, until ctx ends.
		r.queue.stop()
		defer context.AfterFunc(ctx, r.queue.abandon)()
	}
	if r.cancel != nil {
		r.cancel()
	}
	if r.src != nil {
		errs = append(errs, r.src.close())
	}
	r.reader.Wait()
	if r.queue != nil {
		if err := r.queue.drain(ctx); err != nil {
			errs = append(errs, fmt.Errorf("kernelevents: records still queued at the shutdown deadline were dropped: %w", err))
		}
		close(r.stopLosses)
		<-r.lossesDone
	}
	r.telemetry.Shutdown()
	return errors.Join(errs...)
}
