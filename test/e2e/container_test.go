//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// containerMountSource is what the container passes as the device of its
// tmpfs mount: tmpfs takes any source string, so a device-looking one makes
// the mount look like a host disk being mounted, without a disk.
const containerMountSource = "/dev/vigil-e2e-disk"

// containerMountTarget is where the container mounts it.
const containerMountTarget = "/mnt"

// mountInContainer runs busybox's mount as the init process of a runc
// container and returns that process's host pid. The container is created
// first and started second so that its pid is known (runc state) before it
// does anything.
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

	logPath := filepath.Join(dir, "runc.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return 0, err
	}
	defer logFile.Close()
	runc := func(args ...string) ([]byte, error) {
		cmd := exec.Command("runc", args...)
		// Files, not pipes: the container inherits create's stdio, and a
		// pipe would keep the call waiting until the container exits.
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = logFile
		if args[0] == "create" {
			cmd.Stdout = logFile
		}
		if err := cmd.Run(); err != nil {
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("runc %s: %v: %s", args[0], err, log)
		}
		return out.Bytes(), nil
	}
	// A container left behind by an interrupted run would block create.
	_, _ = exec.Command("runc", "delete", "--force", name).CombinedOutput()
	if _, err := runc("create", "--bundle", bundle, name); err != nil {
		return 0, err
	}
	defer func() { _, _ = exec.Command("runc", "delete", "--force", name).CombinedOutput() }()

	var state struct {
		Pid    int    `json:"pid"`
		Status string `json:"status"`
	}
	out, err := runc("state", name)
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(out, &state); err != nil {
		return 0, fmt.Errorf("runc state: %w: %s", err, out)
	}
	if _, err := runc("start", name); err != nil {
		return 0, err
	}
	// mount is quick; poll until the container has stopped.
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err := runc("state", name)
		if err != nil {
			return 0, err
		}
		var st struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(out, &st) == nil && st.Status == "stopped" {
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("container %s still %q after 30s", name, st.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return state.Pid, nil
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
