package otlpjsonencodingextension

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/vigil-sec/vigil/extension/otlpjsonencodingextension/internal/metadata"
)

// NewFactory returns the factory of the otlpjson_encoding extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(
		metadata.Type,
		func() component.Config { return &Config{} },
		func(_ context.Context, _ extension.Settings, cfg component.Config) (extension.Extension, error) {
			return &jsonEncoding{reuse: cfg.(*Config).ReuseBuffer}, nil
		},
		metadata.ExtensionStability,
	)
}
