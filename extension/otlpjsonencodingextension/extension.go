package otlpjsonencodingextension

import (
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"
)

// jsonEncoding is the extension: an exporter configured with `encoding:
// otlpjson_encoding` finds it among the host's extensions and calls
// MarshalLogs.
type jsonEncoding struct {
	component.StartFunc
	component.ShutdownFunc

	// bytesPerRecord is the last output's length per record: records of
	// one pipeline are alike, so allocating that much per record of the
	// batch (and an eighth more) once replaces the doublings and copies of
	// growing from empty. Per record, not per batch: batches of one
	// pipeline are not alike in size (a timeout flushes a few records, a
	// burst fills 1,024), and a full batch after a small one, sized from
	// the small one, grew by doubling to up to twice its length, holding
	// the old copy and the new at once (6 MB for a 2.6 MB line, at the
	// start of every burst).
	bytesPerRecord atomic.Int64

	// reuse is Config.ReuseBuffer: the caller is done with what
	// MarshalLogs returned by the time it calls again, so the buffer goes
	// to the next batch. Otherwise the caller owns it and may keep it (a
	// queue, a compressor), and each batch gets a new one.
	reuse bool
	// spare is the buffer the last batch was written into, when reused.
	// A call takes it (leaving nil), so two calls that overlap never
	// write into one buffer: the second gets a new one. (A mutex, not an
	// atomic pointer: storing a pointer to the slice would allocate it.)
	mu    sync.Mutex
	spare []byte
}

var _ plog.Marshaler = (*jsonEncoding)(nil)

// MarshalLogs writes ld as plog.JSONMarshaler would, byte for byte.
func (e *jsonEncoding) MarshalLogs(ld plog.Logs) ([]byte, error) {
	records := int64(ld.LogRecordCount())
	hint := records * e.bytesPerRecord.Load()
	var enc encoder
	b := enc.appendLogs(e.buffer(hint+hint/8), ld)
	if records >= minLearnRecords {
		e.bytesPerRecord.Store((int64(len(b)) + records - 1) / records)
	}
	if e.reuse && cap(b) <= maxSpareBytes {
		e.mu.Lock()
		e.spare = b
		e.mu.Unlock()
	}
	return b, nil
}

// buffer returns an empty buffer of at least size bytes of room: the
// spare, when reused and large enough, else a new one.
func (e *jsonEncoding) buffer(size int64) []byte {
	if e.reuse {
		e.mu.Lock()
		spare := e.spare
		e.spare = nil
		e.mu.Unlock()
		if int64(cap(spare)) >= size {
			return spare[:0]
		}
	}
	return make([]byte, 0, size)
}

// maxSpareBytes bounds the buffer kept between batches: a batch of large
// records (execs with their environment) can make a line of tens of MB,
// which is not kept for the usual 2-3 MB lines.
const maxSpareBytes = 16 << 20

// minLearnRecords is the smallest batch whose length per record is
// learnt. A batch of a few records (a timeout's flush) is mostly its
// resources' bytes: one execve record with its argv, environment and
// ancestry is tens of KB, which taken per record would size the next full
// batch's buffer at tens of MB for a line of 2-3 MB.
const minLearnRecords = 32
