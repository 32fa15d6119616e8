//go:build linux

package kerneleventsreceiver

import (
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// A record that arrives after the flusher has skipped ticks with nothing to
// flush is still delivered: alone in the ring, without the kernel waking
// the reader (it wakes it every 4,096 records), only a flush hands it on.
func TestCaptureDeliversALoneRecordAfterIdleTicks(t *testing.T) {
	cfg := eventsConfig("openat")
	cfg.Scope.Comms = []string{"true"}
	rcv, sink := startCapture(t, receivertest.NewNopSettings(metadata.Type), cfg)
	gate := &rcv.(*kernelEventsReceiver).src.(*ebpfSource).gate

	require.Eventually(t, func() bool { return gate.emptyTicks.Load() >= 3 }, waitLimit, 5*time.Millisecond,
		"the flusher never found the ring empty")

	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	waitFor(t, sink, "openat by true", func(r record) bool { return isEventOf(r, "openat", cmd.Process.Pid) })
}
