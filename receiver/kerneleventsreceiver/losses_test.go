package kerneleventsreceiver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// refusingConsumer refuses every batch, as the memory limiter does when the
// collector is over its limit.
type refusingConsumer struct{}

func (refusingConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (refusingConsumer) ConsumeLogs(context.Context, plog.Logs) error {
	return errors.New("data refused due to high memory usage")
}

// startObserved starts a receiver whose log the test reads.
func startObserved(t *testing.T, cfg *Config, next consumer.Logs) (*kernelEventsReceiver, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	set := receivertest.NewNopSettings(metadata.Type)
	set.Logger = zap.New(core)
	rcv, err := newReceiver(set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	return rcv, logs
}

// lossLines returns the messages of the warnings of layer.
func lossLines(logs *observer.ObservedLogs, layer string) []string {
	var out []string
	for _, e := range logs.FilterField(zap.String("layer", layer)).All() {
		if e.Level == zapcore.WarnLevel {
			out = append(out, e.Message)
		}
	}
	return out
}

// TestRefusalsAreLogged: records the next consumer refuses are counted and
// logged with its error; the last line comes at shutdown at the latest.
func TestRefusalsAreLogged(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Source = SourceFile
	cfg.File.Path = "testdata/replay.jsonl"
	rcv, logs := startObserved(t, cfg, refusingConsumer{})
	require.Eventually(t, func() bool { return rcv.queue.refused.Load() == 3 }, waitLimit, time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	lines := lossLines(logs, "next_consumer")
	require.Len(t, lines, 1, "one line for the three refused records")
	assert.True(t, strings.HasPrefix(lines[0], "the next consumer refused 3 records in the last "), lines[0])
	assert.True(t, strings.HasSuffix(lines[0], ": data refused due to high memory usage"), lines[0])
	assert.Empty(t, lossLines(logs, "queue"), "a replay waits for room: nothing dropped")
}
