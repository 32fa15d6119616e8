package otlpjsonencodingextension

// Config is the configuration of the otlpjson_encoding extension. The
// output is fixed (OTLP JSON as pdata writes it), so there is nothing to set.
type Config struct{}
