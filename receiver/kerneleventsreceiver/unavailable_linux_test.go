//go:build linux

package kerneleventsreceiver

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// TestEventThisKernelLacks plays a kernel without the task_rename
// tracepoint: selecting task_rename fails start-up naming the event and the
// tracepoint, and with on_unavailable: warn the receiver warns, leaves it
// out and captures the rest.
func TestEventThisKernelLacks(t *testing.T) {
	privtest.Require(t)
	real := unavailableEvents
	t.Cleanup(func() { unavailableEvents = real })
	unavailableEvents = func(ids []uint32) (map[uint32]string, error) {
		out := map[uint32]string{}
		for _, id := range ids {
			if id == uint32(catalog.IDTaskRename) {
				out[id] = "this kernel has no task_rename tracepoint"
			}
		}
		return out, nil
	}
	start := func(onUnavailable string) (*consumertest.LogsSink, *observer.ObservedLogs, error) {
		cfg := createDefaultConfig().(*Config)
		cfg.Events = []string{"task_rename", "openat"}
		cfg.OnUnavailable = onUnavailable
		cfg.DropCapabilities = false
		cfg.FlushInterval = 20 * time.Millisecond
		core, logs := observer.New(zap.WarnLevel)
		set := receivertest.NewNopSettings(metadata.Type)
		set.Logger = zap.New(core)
		sink := new(consumertest.LogsSink)
		rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
		require.NoError(t, err)
		err = rcv.Start(context.Background(), componenttest.NewNopHost())
		t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
		return sink, logs, err
	}

	_, _, err := start(OnUnavailableFail)
	if err == nil || !strings.Contains(err.Error(), "task_rename (this kernel has no task_rename tracepoint)") || !strings.Contains(err.Error(), "on_unavailable: warn") {
		t.Fatalf("start-up error %v, want one naming task_rename, its tracepoint and on_unavailable", err)
	}

	sink, logs, err := start(OnUnavailableWarn)
	require.NoError(t, err)
	warned := logs.FilterMessageSnippet("cannot provide").All()
	if len(warned) != 1 || !strings.Contains(warned[0].ContextMap()["events"].([]any)[0].(string), "task_rename") {
		t.Fatalf("warnings %v, want one naming task_rename", warned)
	}
	file := filepath.Join(t.TempDir(), "still-captured")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	cat := exec.Command("cat", file)
	require.NoError(t, cat.Run())
	pid := cat.Process.Pid
	waitFor(t, sink, "the openat captured without task_rename", func(r record) bool {
		return isEventOf(r, "openat", pid) && arg(r, "pathname").Str() == file
	})
}
