package otlpjsonencodingextension

import (
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
	// start of every burst). The buffer itself cannot be reused: the
	// caller owns what MarshalLogs returns and may keep it (a queue, a
	// compressor).
	bytesPerRecord atomic.Int64
}

var _ plog.Marshaler = (*jsonEncoding)(nil)

// MarshalLogs writes ld as plog.JSONMarshaler would, byte for byte.
func (e *jsonEncoding) MarshalLogs(ld plog.Logs) ([]byte, error) {
	records := int64(ld.LogRecordCount())
	hint := records * e.bytesPerRecord.Load()
	var enc encoder
	b := enc.appendLogs(make([]byte, 0, hint+hint/8), ld)
	if records >= minLearnRecords {
		e.bytesPerRecord.Store((int64(len(b)) + records - 1) / records)
	}
	return b, nil
}

// minLearnRecords is the smallest batch whose length per record is
// learnt. A batch of a few records (a timeout's flush) is mostly its
// resources' bytes: one execve record with its argv, environment and
// ancestry is tens of KB, which taken per record would size the next full
// batch's buffer at tens of MB for a line of 2-3 MB.
const minLearnRecords = 32
