//go:build linux

package kerneleventsreceiver

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/privtest"
)

// systemContainerd is the socket of a containerd the host runs (.ci/run
// starts one); without it, the test runs its own.
const systemContainerd = "/run/containerd/containerd.sock"

// containerdAt is a containerd answering on socket.
type containerdAt struct{ socket string }

// ctr runs ctr against the containerd, in the CRI namespace, as the kubelet's
// containers are.
func (c containerdAt) ctr(args ...string) *exec.Cmd {
	return exec.Command("ctr", append([]string{"--address", c.socket, "--namespace", "k8s.io"}, args...)...)
}

func (c containerdAt) answers() bool { return c.ctr("version").Run() == nil }

// startContainerd returns the host's containerd when it answers, else
// starts one with its own root, state and socket, stopped at the test's end.
func startContainerd(t *testing.T) containerdAt {
	t.Helper()
	if c := (containerdAt{systemContainerd}); c.answers() {
		return c
	}
	dir, err := os.MkdirTemp("", "vigil-containerd") // short: a socket path has at most 107 bytes
	require.NoError(t, err)
	c := containerdAt{filepath.Join(dir, "containerd.sock")}
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[ttrpc]
  address = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.socket, c.socket+".ttrpc")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.toml"), []byte(config), 0o600))
	var log bytes.Buffer
	daemon := exec.Command("containerd", "--config", filepath.Join(dir, "config.toml"))
	daemon.Stdout, daemon.Stderr = &log, &log
	require.NoError(t, daemon.Start())
	t.Cleanup(func() {
		_ = daemon.Process.Kill()
		_ = daemon.Wait()
		_ = os.RemoveAll(dir)
	})
	require.Eventually(t, c.answers, waitLimit, 50*time.Millisecond, "containerd did not answer: %s", &log)
	return c
}

// importBusybox imports, under ref, an OCI image whose one layer holds
// busybox-static and a marker file (/etc/vigil-marker), built here: the
// test needs no registry.
func (c containerdAt) importBusybox(t *testing.T, ref string) {
	t.Helper()
	busybox, err := exec.LookPath("busybox")
	require.NoError(t, err)
	exe, err := os.ReadFile(busybox)
	require.NoError(t, err)

	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	add := func(h *tar.Header, body []byte) {
		h.Size = int64(len(body))
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write(body)
		require.NoError(t, err)
	}
	add(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755}, nil)
	add(&tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755}, nil)
	add(&tar.Header{Name: "bin/busybox", Mode: 0o755}, exe)
	for _, applet := range []string{"sh", "cat", "sleep"} {
		add(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox"}, nil)
	}
	add(&tar.Header{Name: "etc/vigil-marker", Mode: 0o644}, []byte("hello\n"))
	require.NoError(t, tw.Close())

	blobs := map[string][]byte{}
	descriptor := func(mediaType string, body []byte) map[string]any {
		sum := sha256.Sum256(body)
		digest := "sha256:" + hex.EncodeToString(sum[:])
		blobs[digest] = body
		return map[string]any{"mediaType": mediaType, "digest": digest, "size": len(body)}
	}
	marshal := func(v any) []byte {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return b
	}
	layerDesc := descriptor("application/vnd.oci.image.layer.v1.tar", layer.Bytes())
	config := descriptor("application/vnd.oci.image.config.v1+json", marshal(map[string]any{
		"architecture": "amd64", "os": "linux", "config": map[string]any{"Cmd": []string{"/bin/sh"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{layerDesc["digest"].(string)}},
	}))
	manifest := descriptor("application/vnd.oci.image.manifest.v1+json", marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": config, "layers": []any{layerDesc},
	}))
	manifest["annotations"] = map[string]string{"io.containerd.image.name": ref}

	var archive bytes.Buffer
	aw := tar.NewWriter(&archive)
	put := func(name string, body []byte) {
		require.NoError(t, aw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}))
		_, err := aw.Write(body)
		require.NoError(t, err)
	}
	put("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	put("index.json", marshal(map[string]any{"schemaVersion": 2, "manifests": []any{manifest}}))
	for digest, body := range blobs {
		put("blobs/sha256/"+strings.TrimPrefix(digest, "sha256:"), body)
	}
	require.NoError(t, aw.Close())
	path := filepath.Join(t.TempDir(), "image.tar")
	require.NoError(t, os.WriteFile(path, archive.Bytes(), 0o644))

	// the native snapshotter works on any filesystem the root is on
	out, err := c.ctr("image", "import", "--snapshotter", "native", path).CombinedOutput()
	require.NoError(t, err, "ctr image import: %s", out)
}

// TestContainerContextFromContainerd runs a container through containerd
// with the labels the kubelet sets, and checks that the records of a process
// inside carry what containerd says of it: name, image, pod.
func TestContainerContextFromContainerd(t *testing.T) {
	privtest.Require(t)
	privtest.RequireTools(t, map[string]string{"containerd": "containerd", "ctr": "containerd", "runc": "runc", "busybox": "busybox-static"})
	ctrd := startContainerd(t)
	const image = "localhost/vigil/busybox:1.0"
	ctrd.importBusybox(t, image)

	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"openat"}
	cfg.ContainerRuntimes.Containerd.Socket = ctrd.socket
	sink := captureConfig(t, cfg)

	id := strings.Repeat("c7d0", 16) // the kubelet's containers have 64-hex ids
	const podUID = "0b2d4c1e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
	// The container reads its marker until stopped: its first records
	// come before containerd has been asked, later ones carry the answer.
	run := ctrd.ctr("run", "--rm", "--snapshotter", "native",
		"--label", "io.kubernetes.pod.name=web-0", "--label", "io.kubernetes.pod.namespace=shop",
		"--label", "io.kubernetes.pod.uid="+podUID, "--label", "io.kubernetes.container.name=box",
		image, id, "/bin/sh", "-c", "while :; do cat /etc/vigil-marker >/dev/null; sleep 0.05; done")
	var out bytes.Buffer
	run.Stdout, run.Stderr = &out, &out
	require.NoError(t, run.Start())
	t.Cleanup(func() {
		_ = ctrd.ctr("task", "kill", "--signal", "SIGKILL", id).Run()
		_ = run.Wait()
	})

	rec := waitFor(t, sink, "openat of the marker with containerd's context", func(r record) bool {
		return r.EventName() == "kernel.openat" && arg(r, "pathname").Str() == "/etc/vigil-marker" &&
			attr(r, vigil.AttrContainerName).Str() != ""
	})
	assert.Equal(t, id, attr(rec, vigil.AttrContainerID).Str())
	assert.Equal(t, "box", attr(rec, vigil.AttrContainerName).Str())
	assert.Equal(t, image, attr(rec, vigil.AttrContainerImage).Str())
	assert.Equal(t, []any{"1.0"}, attr(rec, vigil.AttrContainerImageTags).Slice().AsRaw())
	assert.Equal(t, "containerd", attr(rec, vigil.AttrContainerRuntime).Str())
	assert.Equal(t, "web-0", attr(rec, vigil.AttrPodName).Str())
	assert.Equal(t, "shop", attr(rec, vigil.AttrPodNamespace).Str())
	assert.Equal(t, podUID, attr(rec, vigil.AttrPodUID).Str())
	assert.Equal(t, "box", attr(rec, vigil.AttrK8sContainerName).Str())
	assert.Equal(t, vigil.OriginContainer, attr(rec, vigil.AttrOrigin).Str())
}
