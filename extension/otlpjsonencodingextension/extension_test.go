package otlpjsonencodingextension

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/extension/otlpjsonencodingextension/internal/metadata"
)

// The file exporter finds its encoding among the host's extensions and
// type-asserts plog.Marshaler: what the factory creates must be one.
func TestFactoryCreatesALogsMarshaler(t *testing.T) {
	f := NewFactory()
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })

	m, ok := ext.(plog.Marshaler)
	require.True(t, ok, "the extension must implement plog.Marshaler")
	ld := everyField()
	got, err := m.MarshalLogs(ld)
	require.NoError(t, err)
	assert.Equal(t, string(pdataJSON(t, ld)), string(got))
}
