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

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// batcher collects records into plog.Logs batches, one resource per process
// (see vigil.Attrs), and hands them to the next consumer when a batch is
// full or when the source asks for a flush. It is owned by one goroutine,
// the source's reader.
type batcher struct {
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	logger    *zap.Logger
	size      int
	base      pcommon.Map // the host's attributes, copied into every resource

	logs    plog.Logs
	records int
	// resources finds the records of each resource of the current batch;
	// last is the most recent one, which a burst from one process hits
	// without hashing the key.
	resources map[resourceKey]plog.LogRecordSlice
	lastKey   resourceKey
	last      plog.LogRecordSlice
	hasLast   bool
	// counts per event name of the current batch, for events_emitted.
	counts map[string]int64
	// eventAttrs caches one attribute set per event name so counting does
	// not allocate per batch.
	eventAttrs map[string]metric.MeasurementOption

	// lastRefusalLog rate-limits the warning about refused batches.
	lastRefusalLog time.Time
}

// resourceKey tells the resources of a batch apart: records with equal keys
// share one.
type resourceKey struct {
	host    string // replayed events name their own; captured ones share the base
	process vigil.Process
	// argv is the identity of the process tree's argv (its first element):
	// an exec replaces it even when nothing else in the key changes.
	argv *string
}

// newBatcher returns a batcher whose resources start with the attributes
// fillResource puts (the host's for captured events).
func newBatcher(next consumer.Logs, tb *metadata.TelemetryBuilder, logger *zap.Logger, size int, fillResource func(pcommon.Map)) *batcher {
	b := &batcher{
		next:       next,
		telemetry:  tb,
		logger:     logger,
		size:       size,
		base:       pcommon.NewMap(),
		resources:  map[resourceKey]plog.LogRecordSlice{},
		counts:     map[string]int64{},
		eventAttrs: map[string]metric.MeasurementOption{},
	}
	fillResource(b.base)
	b.reset()
	return b
}

func (b *batcher) reset() {
	b.logs = plog.NewLogs()
	b.records = 0
	clear(b.resources)
	b.hasLast = false
}

// add appends an empty record for event name to the resource of key, and
// returns it. A resource new to the batch gets the base attributes, key's
// host and process, and argv, the process's command line where known.
func (b *batcher) add(name string, key *resourceKey, argv []string) plog.LogRecord {
	b.counts[name]++
	b.records++
	if !b.hasLast || *key != b.lastKey {
		b.find(key, argv)
	}
	return b.last.AppendEmpty()
}

// find makes key's records the last ones, adding its resource if new.
func (b *batcher) find(key *resourceKey, argv []string) {
	b.lastKey, b.hasLast = *key, true
	if lrs, ok := b.resources[*key]; ok {
		b.last = lrs
		return
	}
	rl := b.logs.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	// sized once, for the base, a replay's host.name, the process and its
	// argv: the attribute array is most of a resource's memory
	attrs.EnsureCapacity(b.base.Len() + 1 + key.process.AttrCount() + 1)
	for k, v := range b.base.All() {
		v.CopyTo(attrs.PutEmpty(k))
	}
	if key.host != "" {
		attrs.PutStr(vigil.AttrHostName, key.host)
	}
	key.process.Put(attrs)
	vigil.PutCommandArgs(attrs, argv)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	b.last = sl.LogRecords()
	b.resources[*key] = b.last
}

func (b *batcher) full() bool { return b.records >= b.size }

// flush hands the current batch on. A refusal is counted and logged, not
// retried: the kernel keeps producing and holding batches would only move the
// loss into memory. Retries belong to the exporters' queues.
func (b *batcher) flush(ctx context.Context) {
	n := b.records
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
