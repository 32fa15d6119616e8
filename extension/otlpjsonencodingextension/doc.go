//go:generate ../../.tools/mdatagen metadata.yaml

// Package otlpjsonencodingextension implements the `otlpjson_encoding`
// extension: a logs encoding (plog.Marshaler) for exporters that take an
// `encoding` extension, such as the file exporter, writing OTLP JSON byte
// for byte as pdata's plog.JSONMarshaler does, at a fraction of its CPU.
package otlpjsonencodingextension // import "github.com/vigil-sec/vigil/extension/otlpjsonencodingextension"
