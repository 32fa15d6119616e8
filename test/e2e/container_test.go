//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// containerMountSource is what the container passes as the device of its
// tmpfs mount: tmpfs takes any source string, so a device-looking one makes
// the mount look like a host disk being mounted, without a disk.
const containerMountSource = "/dev/vigil-e2e-disk"

// containerMountTarget is where the container mounts it.
const containerMountTarget = "/mnt"

// mountInContainer runs busybox's mount as the init process of a runc
// container and returns that process's host pid, which runc writes to a pid
// file once the container is created, before the process runs.
func mountInContainer(dir string) (int, error) {
	for _, tool := range []string{"runc", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return 0, fmt.Errorf("%s is needed (apt-get install runc busybox-static): %w", tool, err)
		}
	}
	// A 64-hex cgroup leaf is how runtimes name container cgroups, and how
	// the receiver recognises one.
	id := strings.Repeat("e2e0face", 8)
	name := "vigil-e2e-" + id[:8]
	bundle := filepath.Join(dir, "bundle")
	if err := writeBundle(bundle, id,
		"/bin/busybox", "mount", "-t", "tmpfs", containerMountSource, containerMountTarget); err != nil {
		return 0, err
	}
	// A container left behind by an interrupted run would block this one.
	_, _ = exec.Command("runc", "delete", "--force", name).CombinedOutput()
	pidFile := filepath.Join(dir, "container.pid")
	run := exec.Command("runc", "run", "--bundle", bundle, "--pid-file", pidFile, name)
	if out, err := run.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("runc run (mount in the container): %v: %s", err, out)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

// writeBundle writes an OCI bundle: a read-only busybox rootfs and a config
// (runc's default spec, edited) whose process runs args with CAP_SYS_ADMIN,
// which mount needs.
func writeBundle(bundle, id string, args ...string) error {
	rootfs := filepath.Join(bundle, "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "sys", strings.TrimPrefix(containerMountTarget, "/")} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			return err
		}
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return err
	}
	data, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), data, 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("runc", "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		return fmt.Errorf("runc spec: %v: %s", err, out)
	}
	cfgPath := filepath.Join(bundle, "config.json")
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return err
	}
	// Edit only the three sections that matter and keep the rest as runc
	// wrote it.
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return err
	}
	var process, root, linux map[string]any
	for key, dst := range map[string]*map[string]any{"process": &process, "root": &root, "linux": &linux} {
		if err := json.Unmarshal(all[key], dst); err != nil {
			return fmt.Errorf("runc spec %s: %w", key, err)
		}
	}
	process["terminal"] = false
	process["args"] = args
	caps, _ := process["capabilities"].(map[string]any)
	if caps == nil {
		caps = map[string]any{}
		process["capabilities"] = caps
	}
	for _, set := range []string{"bounding", "effective", "permitted"} {
		list, _ := caps[set].([]any)
		caps[set] = append(list, "CAP_SYS_ADMIN")
	}
	root["readonly"] = true
	linux["cgroupsPath"] = "/vigil-e2e/" + id
	for key, v := range map[string]any{"process": process, "root": root, "linux": linux} {
		if all[key], err = json.Marshal(v); err != nil {
			return err
		}
	}
	if raw, err = json.MarshalIndent(all, "", "\t"); err != nil {
		return err
	}
	return os.WriteFile(cfgPath, raw, 0o644)
}
