//go:build linux

package kerneleventsreceiver

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/tracee"
)

// notInTracee are the resource attributes of a captured record that a
// Tracee trace.Event has no field for, so its JSON cannot carry them to a
// replay: the host's other than its name, and the argv and ancestry from
// the process tree.
var notInTracee = []string{vigil.AttrHostID, vigil.AttrHostArch, vigil.AttrOSType, vigil.AttrOSVersion, vigil.AttrCommandArgs,
	vigil.AttrParentExecutablePath, vigil.AttrParentCommandArgs, vigil.AttrAncestorPIDs, vigil.AttrAncestorExecutables}

// notInTraceeRecords are the record attributes of the kind: the hash of an
// exec's file.
var notInTraceeRecords = []string{vigil.AttrExecutableSHA256, vigil.AttrExecutableHashStatus}

// TestReplayReproducesCapturedRecords captures real events, writes them as
// Tracee JSON and replays that file: the replayed records are the captured
// ones, attribute for attribute, since both sources feed vigil.RecordWriter.
func TestReplayReproducesCapturedRecords(t *testing.T) {
	sink := capture(t, "sched_process_exec", "openat", "security_file_open")
	file := filepath.Join(t.TempDir(), "codec.txt")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	catPath, err := exec.LookPath("cat")
	require.NoError(t, err)
	cmd := exec.Command(catPath, file)
	require.NoError(t, cmd.Run())
	pid := cmd.Process.Pid

	captured := []record{
		waitFor(t, sink, "exec of cat", func(r record) bool { return isEventOf(r, "sched_process_exec", pid) }),
		waitFor(t, sink, "openat of the file", func(r record) bool {
			return isEventOf(r, "openat", pid) && arg(r, "pathname").Str() == file
		}),
		waitFor(t, sink, "security_file_open of the file", func(r record) bool {
			return isEventOf(r, "security_file_open", pid) && arg(r, "pathname").Str() == file
		}),
	}

	replayed := replayRecords(t, traceeJSON(t, captured), len(captured))
	require.Len(t, replayed, len(captured))
	for i, want := range captured {
		got := replayed[i]
		name := want.EventName()
		assert.Equal(t, name, got.EventName())
		assert.Equal(t, want.Timestamp(), got.Timestamp(), name)
		assert.Equal(t, want.SeverityNumber(), got.SeverityNumber(), name)
		assert.Equal(t, want.SeverityText(), got.SeverityText(), name)
		assert.Equal(t, want.Body().AsRaw(), got.Body().AsRaw(), name)
		wantAttrs := want.Attributes().AsRaw()
		for _, k := range notInTraceeRecords {
			delete(wantAttrs, k)
		}
		assert.Equal(t, wantAttrs, got.Attributes().AsRaw(), "%s: record attributes", name)
		wantRes := want.resource.Attributes().AsRaw()
		for _, k := range notInTracee {
			delete(wantRes, k)
		}
		assert.Equal(t, wantRes, got.resource.Attributes().AsRaw(), "%s: resource attributes", name)
		// ObservedTimestamp is when a source saw the event: the capture's
		// clock, and for a replay Tracee's (the event's time).
		assert.Equal(t, want.Timestamp(), got.ObservedTimestamp(), name)
	}
}

// traceeJSON writes records as Tracee events, one per line, as tracee-ebpf
// does, and returns the file.
func traceeJSON(t *testing.T, records []record) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "captured.jsonl")
	f, err := os.Create(path)
	require.NoError(t, err)
	enc := json.NewEncoder(f)
	for _, r := range records {
		ev := tracee.EventFromRecord(r.LogRecord, r.resource)
		require.NoError(t, enc.Encode(&ev))
	}
	require.NoError(t, f.Close())
	return path
}

// replayRecords replays a file of n Tracee events with the file source.
func replayRecords(t *testing.T, path string, n int) []record {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Source = SourceFile
	cfg.File.Path = path
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return sink.LogRecordCount() == n }, waitLimit, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	return collected(sink)
}
