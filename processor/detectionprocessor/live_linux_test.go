//go:build linux

package detectionprocessor

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver"
)

// startLiveCapture starts a detection processor with the built-in
// signatures, fed live by a kernelevents receiver capturing events, and
// returns the sink of the processor's output. configure, when not nil,
// adjusts the receiver's configuration first. Both stop when t ends.
func startLiveCapture(t *testing.T, configure func(*kerneleventsreceiver.Config), events ...string) *consumertest.LogsSink {
	t.Helper()
	ctx := context.Background()
	sink := new(consumertest.LogsSink)
	det := startWith(t, settings(t, nil), createDefaultConfig().(*Config), sink)
	t.Cleanup(func() { _ = det.Shutdown(ctx) })

	rf := kerneleventsreceiver.NewFactory()
	rcfg := rf.CreateDefaultConfig().(*kerneleventsreceiver.Config)
	rcfg.Events = events
	rcfg.FlushInterval = 20 * time.Millisecond
	if configure != nil {
		configure(rcfg)
	}
	rcv, err := rf.CreateLogs(ctx, receivertest.NewNopSettings(rf.Type()), rcfg, det)
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.Start(ctx, componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	// Registered after the processor's: the receiver stops first.
	t.Cleanup(func() { _ = rcv.Shutdown(ctx) })
	return sink
}
