package kerneleventsreceiver

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/pdataslab"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// batcher collects records into plog.Logs batches, one resource per process
// (see vigil.Attrs), and queues them for the next consumer when a batch is
// full or when the source asks for a flush. It is owned by one goroutine:
// the source's reader, or one of its builders (see sibling).
type batcher struct {
	queue *sendQueue
	size  int
	base  pcommon.Map // the host's attributes, copied into every resource

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
	// values holds the resources' attribute values, which pdata would
	// allocate one by one.
	values pdataslab.Slab
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
func newBatcher(queue *sendQueue, size int, fillResource func(pcommon.Map)) *batcher {
	b := &batcher{
		queue:     queue,
		size:      size,
		base:      pcommon.NewMap(),
		resources: map[resourceKey]plog.LogRecordSlice{},
	}
	fillResource(b.base)
	b.reset()
	return b
}

// sibling returns a batcher into the same queue, with batches of the same
// size and resources starting with the same attributes, for another
// goroutine to own.
func (b *batcher) sibling() *batcher {
	return newBatcher(b.queue, b.size, b.base.CopyTo)
}

func (b *batcher) reset() {
	b.logs = plog.NewLogs()
	b.records = 0
	b.counts = map[string]int64{}
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
	b.values.EnsureCapacity(attrs, b.base.Len()+1+key.process.AttrCount()+1)
	for k, v := range b.base.All() {
		if v.Type() == pcommon.ValueTypeStr { // the host's are
			b.values.PutStr(attrs, k, v.Str())
		} else {
			v.CopyTo(attrs.PutEmpty(k))
		}
	}
	vigil.WriteResourceFrom(&b.values, attrs, key.host, &key.process, argv)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	b.last = sl.LogRecords()
	b.resources[*key] = b.last
}

func (b *batcher) full() bool { return b.records >= b.size }

// flush queues the current batch for the next consumer.
func (b *batcher) flush() {
	if b.records == 0 {
		return
	}
	b.queue.put(batch{logs: b.logs, records: b.records, counts: b.counts})
	b.reset()
}

func attributeSetFor(eventName string) attribute.Set {
	return attribute.NewSet(attribute.String("event.name", eventName))
}
