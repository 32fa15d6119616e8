//go:build linux

package kerneleventsreceiver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/hostpid"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/privilege"
)

// hardeningActions are more actions of the test helper (see privtest.Helpers).
var hardeningActions = map[string]privtest.Action{
	// print "<pid in its own namespace> <host pid>"
	"hostpid": func(string) error {
		self, err := hostpid.Self()
		if err != nil {
			return err
		}
		fmt.Println(os.Getpid(), self)
		return nil
	},
	// in directory arg: start a receiver capturing openat, open arg/self,
	// then run cat on arg/other; print "captured <paths>" once cat's open
	// was captured, with every openat path of arg seen until then
	"capture-self-and-other": func(dir string) error {
		cfg := createDefaultConfig().(*Config)
		cfg.Events = []string{"openat"}
		cfg.FlushInterval = 20 * time.Millisecond
		sink := new(consumertest.LogsSink)
		rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
		if err != nil {
			return err
		}
		if err := rcv.Start(context.Background(), componenttest.NewNopHost()); err != nil {
			return err
		}
		defer rcv.Shutdown(context.Background()) //nolint:errcheck // the helper exits next
		self, other := filepath.Join(dir, "self"), filepath.Join(dir, "other")
		if err := os.WriteFile(self, nil, 0o600); err != nil { // an openat by the receiver's own process
			return err
		}
		if err := exec.Command("cat", other).Run(); err != nil {
			return err
		}
		// The ring buffer keeps the kernel's order: once cat's open, which
		// came after the helper's own, is here, so would the helper's be.
		deadline := time.Now().Add(waitLimit)
		for time.Now().Before(deadline) {
			var paths []string
			for _, r := range collected(sink) {
				if p := arg(r, "pathname").Str(); strings.HasPrefix(p, dir) {
					paths = append(paths, p)
				}
			}
			if len(paths) > 0 && paths[len(paths)-1] == other {
				fmt.Println("captured", strings.Join(paths, " "))
				return nil
			}
			time.Sleep(10 * time.Millisecond)
		}
		return errors.New("cat's openat was not captured")
	},
	// start a receiver with drop_capabilities on (arg "true") or off and
	// print what it logged about capabilities
	"drop-log": func(drop string) error {
		cfg := createDefaultConfig().(*Config)
		cfg.DropCapabilities = drop == "true"
		core, logs := observer.New(zap.InfoLevel)
		set := receivertest.NewNopSettings(metadata.Type)
		set.Logger = zap.New(core)
		rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
		if err != nil {
			return err
		}
		if err := rcv.Start(context.Background(), componenttest.NewNopHost()); err != nil {
			return err
		}
		defer rcv.Shutdown(context.Background()) //nolint:errcheck // the helper exits next
		for _, e := range logs.All() {
			if strings.Contains(e.Message, "capabilit") {
				fmt.Println(e.Message, e.ContextMap())
			}
		}
		return nil
	},
}

// inNewPIDNamespace makes a helper the first process (pid 1) of a pid
// namespace of its own, as a collector in a container is.
func inNewPIDNamespace(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	return cmd
}

func TestHostPIDInPIDNamespace(t *testing.T) {
	privtest.Require(t)
	hostPID, out := privtest.Output(t, inNewPIDNamespace(privtest.Command("hostpid", "")))
	fields := strings.Fields(out)
	require.Len(t, fields, 2, "helper output %q", out)
	assert.Equal(t, "1", fields[0], "the helper is pid 1 of its namespace")
	assert.Equal(t, strconv.Itoa(hostPID), fields[1], "hostpid.Self in the helper is its pid as this (the host's) namespace sees it")
}

func TestExcludeSelfInPIDNamespace(t *testing.T) {
	privtest.Require(t)
	dir := realTempDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other"), nil, 0o600))
	_, out := privtest.Output(t, inNewPIDNamespace(privtest.Command("capture-self-and-other", dir)))
	// with os.Getpid() (1 in the namespace) excluded instead, the helper's
	// own open of dir/self would come first
	assert.Equal(t, "captured "+filepath.Join(dir, "other"), strings.TrimSpace(lastLine(out)),
		"the receiver in a pid namespace captured another process but not itself")
}

func TestOptionsExcludeTheHostPID(t *testing.T) {
	privtest.Require(t)
	cfg := createDefaultConfig().(*Config)
	want, err := hostpid.Self()
	require.NoError(t, err)
	opts, err := newEBPFSource(cfg, nil, nil, nil).(*ebpfSource).options()
	require.NoError(t, err)
	assert.Equal(t, []uint32{want}, opts.ExcludeTGIDs)

	cfg.Scope.ExcludeSelf = false
	opts, err = newEBPFSource(cfg, nil, nil, nil).(*ebpfSource).options()
	require.NoError(t, err)
	assert.Empty(t, opts.ExcludeTGIDs)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestReceiverDropsCapabilitiesAfterLoad(t *testing.T) {
	privtest.Require(t)
	_, out := privtest.Output(t, privtest.Command("drop-log", "true"))
	// This test binary links cgo (through net), so the drop is refused and
	// the receiver runs on; a binary without cgo drops (internal/privilege's
	// tests check what is left then).
	if !strings.Contains(out, "dropped every capability but those kept") {
		assert.Contains(t, out, "kept every capability (drop_capabilities)")
		assert.Contains(t, out, privilege.ErrCgo.Error())
	}
	_, out = privtest.Output(t, privtest.Command("drop-log", "false"))
	assert.NotContains(t, out, "capabilit", "drop_capabilities: false does not try")
}
