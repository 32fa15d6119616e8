//go:build linux

package kerneleventsreceiver

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/privtest"
)

// runcBundle builds a minimal OCI bundle: a read-only busybox rootfs holding
// a marker file, and a config whose process runs args. cgroupsPath ends in a
// 64-hex id, the way docker and containerd name container cgroups.
func runcBundle(t *testing.T, containerID string, args ...string) string {
	t.Helper()
	privtest.RequireTools(t, map[string]string{"runc": "runc", "busybox": "busybox-static"})
	bundle := t.TempDir()
	rootfs := filepath.Join(bundle, "rootfs")
	for _, d := range []string{"bin", "etc", "proc", "dev", "sys"} {
		require.NoError(t, os.MkdirAll(filepath.Join(rootfs, d), 0o755))
	}
	busybox, err := exec.LookPath("busybox")
	require.NoError(t, err)
	data, err := os.ReadFile(busybox)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), data, 0o755))
	for _, applet := range []string{"sh", "cat"} {
		require.NoError(t, os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)))
	}
	require.NoError(t, os.WriteFile(filepath.Join(rootfs, "etc", "vigil-marker"), []byte("hello\n"), 0o644))

	spec := exec.Command("runc", "spec", "--bundle", bundle)
	out, err := spec.CombinedOutput()
	require.NoError(t, err, "runc spec: %s", out)
	cfgPath := filepath.Join(bundle, "config.json")
	raw, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(raw, &cfg))
	process := cfg["process"].(map[string]any)
	process["terminal"] = false
	process["args"] = args
	cfg["root"].(map[string]any)["readonly"] = true
	cfg["linux"].(map[string]any)["cgroupsPath"] = "/vigil-test/" + containerID
	raw, err = json.Marshal(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfgPath, raw, 0o644))
	return bundle
}

func TestCaptureInRuncContainer(t *testing.T) {
	sink := capture(t, "openat", "sched_process_exec")
	containerID := strings.Repeat("c0ffee42", 8)
	bundle := runcBundle(t, containerID, "/bin/cat", "/etc/vigil-marker")
	name := "vigil-test-" + containerID[:8]
	run := exec.Command("runc", "run", "--bundle", bundle, name)
	out, err := run.CombinedOutput()
	require.NoError(t, err, "runc run: %s", out)
	require.Equal(t, "hello\n", string(out))

	rec := waitFor(t, sink, "openat of the marker inside the container", func(r record) bool {
		return r.EventName() == "kernel.openat" && arg(r, "pathname").Str() == "/etc/vigil-marker"
	})
	assert.Equal(t, containerID, attr(rec, vigil.AttrContainerID).Str())
	assert.Equal(t, vigil.OriginContainer, attr(rec, vigil.AttrOrigin).Str())
	assert.True(t, attr(rec, vigil.AttrContainerStarted).Bool())
	assert.Equal(t, int64(1), attr(rec, vigil.AttrProcessVPID).Int(), "cat is the container's init")
	assert.NotEqual(t, attr(rec, vigil.AttrProcessVPID).Int(), attr(rec, vigil.AttrProcessPID).Int(), "host pid differs from the namespaced one")
	ownPidNS, err := os.Readlink("/proc/self/ns/pid")
	require.NoError(t, err)
	assert.NotContains(t, ownPidNS, "["+attr(rec, vigil.AttrPIDNamespace).AsString()+"]", "the container has its own pid namespace")

	// Host events around it stay host events.
	cmd := exec.Command("cat", "/etc/hostname")
	require.NoError(t, cmd.Run())
	host := waitFor(t, sink, "host cat", func(r record) bool { return isEventOf(r, "openat", cmd.Process.Pid) })
	assert.Equal(t, vigil.OriginHost, attr(host, vigil.AttrOrigin).Str())
	_, hasID := host.attrs().Get(vigil.AttrContainerID)
	assert.False(t, hasID)
}

// TestContainerCreateAndRemove runs a runc container and checks the
// container_create and container_remove records its cgroup's creation and
// removal make, with the container id and runtime from the cgroup path.
func TestContainerCreateAndRemove(t *testing.T) {
	sink := capture(t, "container_create", "container_remove")
	containerID := strings.Repeat("dec0de42", 8)
	bundle := runcBundle(t, containerID, "/bin/cat", "/etc/vigil-marker")
	run := exec.Command("runc", "run", "--bundle", bundle, "vigil-test-"+containerID[:8])
	out, err := run.CombinedOutput()
	require.NoError(t, err, "runc run: %s", out)

	for _, event := range []string{"container_create", "container_remove"} {
		rec := waitFor(t, sink, event, func(r record) bool {
			return r.EventName() == "kernel."+event && arg(r, "container_id").Str() == containerID
		})
		assert.Equal(t, "unknown", arg(rec, "runtime").Str(), "plain runc names no runtime in the path")
		d, _ := catalog.LookupEvent(event)
		assert.Equal(t, int64(d.ID), attr(rec, vigil.AttrEventID).Int())
	}
	for _, r := range collected(sink) {
		assert.Contains(t, []string{"kernel.container_create", "kernel.container_remove"}, r.EventName(),
			"cgroup_mkdir and cgroup_rmdir were not selected")
	}
}
