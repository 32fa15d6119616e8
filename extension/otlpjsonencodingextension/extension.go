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

	// sizeHint is the length of the last output: batches of one pipeline
	// are alike, so allocating that much (and an eighth more) once
	// replaces the doublings and copies of growing from empty. The buffer
	// itself cannot be reused: the caller owns what MarshalLogs returns
	// and may keep it (a queue, a compressor).
	sizeHint atomic.Int64
}

var _ plog.Marshaler = (*jsonEncoding)(nil)

// MarshalLogs writes ld as plog.JSONMarshaler would, byte for byte.
func (e *jsonEncoding) MarshalLogs(ld plog.Logs) ([]byte, error) {
	hint := e.sizeHint.Load()
	b := appendLogs(make([]byte, 0, hint+hint/8), ld)
	e.sizeHint.Store(int64(len(b)))
	return b, nil
}
