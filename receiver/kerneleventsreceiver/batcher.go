package kerneleventsreceiver

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// batcher collects records into plog.Logs batches and hands them to the next
// consumer when a batch is full or when the source asks for a flush. It is
// owned by one goroutine, the source's reader.
type batcher struct {
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	logger    *zap.Logger
	size      int
	resource  pcommon.Map // copied into every batch

	logs          plog.Logs
	records       plog.LogRecordSlice
	batchResource pcommon.Resource
	// counts per event name of the current batch, for events_emitted.
	counts map[string]int64
	// eventAttrs caches one attribute set per event name so counting does
	// not allocate per batch.
	eventAttrs map[string]metric.MeasurementOption

	// lastRefusalLog rate-limits the warning about refused batches.
	lastRefusalLog time.Time
}

// newBatcher returns a batcher whose batches carry the resource attributes
// fillResource puts (the host's for captured events).
func newBatcher(next consumer.Logs, tb *metadata.TelemetryBuilder, logger *zap.Logger, size int, fillResource func(pcommon.Map)) *batcher {
	b := &batcher{
		next:       next,
		telemetry:  tb,
		logger:     logger,
		size:       size,
		resource:   pcommon.NewMap(),
		counts:     map[string]int64{},
		eventAttrs: map[string]metric.MeasurementOption{},
	}
	fillResource(b.resource)
	b.reset()
	return b
}

func (b *batcher) reset() {
	b.logs = plog.NewLogs()
	rl := b.logs.ResourceLogs().AppendEmpty()
	b.resource.CopyTo(rl.Resource().Attributes())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	b.records = sl.LogRecords()
	b.batchResource = rl.Resource()
	b.records.EnsureCapacity(b.size)
}

// add appends an empty record for event name and returns it.
func (b *batcher) add(name string) plog.LogRecord {
	b.counts[name]++
	return b.records.AppendEmpty()
}

// empty reports whether the current batch has no record yet.
func (b *batcher) empty() bool { return b.records.Len() == 0 }

// currentResource is the resource of the current batch, for sources whose
// events name their own host (replayed recordings).
func (b *batcher) currentResource() pcommon.Resource { return b.batchResource }

func (b *batcher) full() bool { return b.records.Len() >= b.size }

// flush hands the current batch on. A refusal is counted and logged, not
// retried: the kernel keeps producing and holding batches would only move the
// loss into memory. Retries belong to the exporters' queues.
func (b *batcher) flush(ctx context.Context) {
	n := b.records.Len()
	if n == 0 {
		return
	}
	logs := b.logs
	for name, c := range b.counts {
		b.telemetry.KerneleventsEventsEmitted.Add(ctx, c, b.attrFor(name))
		delete(b.counts, name)
	}
	b.reset()
	if err := b.next.ConsumeLogs(ctx, logs); err != nil {
		b.telemetry.KerneleventsRecordsRefused.Add(ctx, int64(n))
		if time.Since(b.lastRefusalLog) > 10*time.Second {
			b.lastRefusalLog = time.Now()
			b.logger.Warn("next consumer refused a batch of kernel events; they are dropped (logged at most every 10s)",
				zap.Int("records", n), zap.Error(err))
		}
	}
}

func (b *batcher) attrFor(name string) metric.MeasurementOption {
	if o, ok := b.eventAttrs[name]; ok {
		return o
	}
	o := metric.WithAttributeSet(attributeSetFor(name))
	b.eventAttrs[name] = o
	return o
}

func attributeSetFor(eventName string) attribute.Set {
	return attribute.NewSet(attribute.String("event.name", eventName))
}
