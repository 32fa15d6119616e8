// Package encodingtest compares logs by what leaves the collector: their
// OTLP encodings, for tests of code that builds pdata by other means than
// pdata's setters.
package encodingtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// AssertSame asserts that got marshals, in protobuf and in JSON, byte for
// byte as want does.
func AssertSame(t testing.TB, want, got plog.Logs) {
	t.Helper()
	for _, m := range []plog.Marshaler{&plog.ProtoMarshaler{}, &plog.JSONMarshaler{}} {
		wantBytes, err := m.MarshalLogs(want)
		require.NoError(t, err)
		gotBytes, err := m.MarshalLogs(got)
		require.NoError(t, err)
		assert.Equal(t, string(wantBytes), string(gotBytes), "%T", m)
	}
}
