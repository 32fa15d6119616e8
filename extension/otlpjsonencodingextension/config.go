package otlpjsonencodingextension

// Config is the configuration of the otlpjson_encoding extension. The
// output is fixed (OTLP JSON as pdata writes it); what can be set is how
// the bytes are handed over.
type Config struct {
	// ReuseBuffer writes every batch into one buffer the extension keeps,
	// instead of a new one per batch: the bytes MarshalLogs returns are
	// then valid only until its next call. Safe only for an exporter that
	// is done with the bytes when it returns and calls the extension from
	// one goroutine at a time: the file exporter without a sending_queue
	// (it writes the line, then returns). The line of a 1,024-record batch
	// is about 2.6 MB, and a fresh one per batch is about half the bytes
	// the default pipeline allocates, so half of its garbage collections.
	ReuseBuffer bool `mapstructure:"reuse_buffer"`
}
