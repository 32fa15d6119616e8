package otlpjsonencodingextension

import (
	"context"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/extension/otlpjsonencodingextension/internal/metadata"
)

// marshalerFrom creates the extension from cfg, as the collector does.
func marshalerFrom(t *testing.T, cfg *Config) plog.Marshaler {
	t.Helper()
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext.(plog.Marshaler)
}

func sameArray(a, b []byte) bool { return unsafe.SliceData(a) == unsafe.SliceData(b) }

func TestReuseBufferFromConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	assert.False(t, cfg.ReuseBuffer, "the caller owns the bytes unless told otherwise")
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"reuse_buffer": true}).Unmarshal(cfg))
	assert.True(t, cfg.ReuseBuffer)
}

func TestReusedBufferServesTheNextBatch(t *testing.T) {
	m := marshalerFrom(t, &Config{ReuseBuffer: true})
	batch := kernelBatch()
	want := string(pdataJSON(t, batch))
	first, err := m.MarshalLogs(batch)
	require.NoError(t, err)
	assert.Equal(t, want, string(first))
	second, err := m.MarshalLogs(batch)
	require.NoError(t, err)
	assert.Equal(t, want, string(second))
	assert.True(t, sameArray(first, second), "the second batch is written into the first's buffer")

	allocs := testing.AllocsPerRun(10, func() {
		_, err = m.MarshalLogs(batch)
		require.NoError(t, err)
	})
	assert.Zero(t, allocs, "no buffer allocated per batch")
}

func TestBufferNotReusedByDefault(t *testing.T) {
	m := marshalerFrom(t, &Config{})
	batch := kernelBatch()
	first, err := m.MarshalLogs(batch)
	require.NoError(t, err)
	kept := string(first)
	second, err := m.MarshalLogs(batch)
	require.NoError(t, err)
	assert.False(t, sameArray(first, second))
	assert.Equal(t, kept, string(first), "the caller's bytes stay as they were")
}

func TestReusedBufferNeverSharedByOverlappingCalls(t *testing.T) {
	e := &jsonEncoding{reuse: true}
	batch := kernelBatch()
	done, err := e.MarshalLogs(batch)
	require.NoError(t, err)
	// a call in progress holds the spare...
	inProgress := e.buffer(int64(cap(done)))
	require.True(t, sameArray(done, inProgress))
	// ...so one that overlaps it writes elsewhere
	overlapping, err := e.MarshalLogs(batch)
	require.NoError(t, err)
	assert.False(t, sameArray(inProgress, overlapping))
	assert.Equal(t, string(pdataJSON(t, batch)), string(overlapping))
}

func TestHugeLineNotKept(t *testing.T) {
	e := &jsonEncoding{reuse: true}
	huge := everyField()
	huge.ResourceLogs().At(0).Resource().Attributes().PutStr("process.env", strings.Repeat("x", maxSpareBytes))
	line, err := e.MarshalLogs(huge)
	require.NoError(t, err)
	require.Greater(t, cap(line), maxSpareBytes)
	assert.Nil(t, e.spare, "a line over maxSpareBytes is not kept for the next batch")

	batch := kernelBatch()
	first, err := e.MarshalLogs(batch)
	require.NoError(t, err)
	second, err := e.MarshalLogs(batch)
	require.NoError(t, err)
	assert.True(t, sameArray(first, second), "the usual lines are kept again")
}
