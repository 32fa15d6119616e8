//go:build linux

package kerneleventsreceiver

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// A record that arrives after the flusher has skipped ticks with nothing to
// flush is still delivered: alone in the ring, without the kernel waking
// the reader (it wakes it every 4,096 records), only a flush hands it on.
func TestCaptureDeliversALoneRecordAfterIdleTicks(t *testing.T) {
	privtest.Require(t)
	cfg := eventsConfig("openat")
	cfg.Scope.Comms = []string{"true"}
	cfg.FlushInterval = 20 * time.Millisecond
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	gate := &rcv.(*kernelEventsReceiver).src.(*ebpfSource).gate

	idle := func() uint64 { return gate.emptyTicks.Load() }
	require.Eventually(t, func() bool { return idle() >= 3 }, 15*time.Second, 5*time.Millisecond,
		"the flusher never found the ring empty")
	assert.False(t, gate.held.Load(), "the reader holds nothing while idle")

	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	waitFor(t, sink, "openat by true", func(r record) bool { return isEventOf(r, "openat", cmd.Process.Pid) })
}
