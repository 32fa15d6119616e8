package kerneleventsreceiver

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

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

type kernelEventsReceiver struct {
	cfg       *Config
	set       receiver.Settings
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder

	src    source
	cancel context.CancelFunc
	wg     sync.WaitGroup
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
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	b := newBatcher(r.next, r.telemetry, r.set.Logger, r.cfg.BatchSize, r.src.resource)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.src.run(ctx, b)
	}()
	return nil
}

// Shutdown stops reading, hands on what was read, and releases the source.
func (r *kernelEventsReceiver) Shutdown(context.Context) error {
	var err error
	if r.cancel != nil {
		r.cancel()
	}
	if r.src != nil {
		err = r.src.close()
	}
	r.wg.Wait()
	r.telemetry.Shutdown()
	return errors.Join(err)
}
