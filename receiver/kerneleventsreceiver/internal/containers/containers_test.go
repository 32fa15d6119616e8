package containers

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const id = "3f1c9a0b7e2d4c5f8a6b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f"

func TestIDFromCgroupPath(t *testing.T) {
	tests := map[string]string{
		"/docker/" + id:                         id,
		"/system.slice/docker-" + id + ".scope": id,
		"/system.slice/containerd.service/kubepods-burstable-pod1.slice:cri-containerd:" + id:                       "",
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-" + id + ".scope": id,
		"/kubepods/burstable/pod0b2d/" + id:        id,
		"/machine.slice/libpod-" + id + ".scope":   id,
		"/kubepods.slice/crio-" + id + ".scope":    id,
		"/user.slice/user-0.slice/session-1.scope": "",
		"/":                              "",
		"/docker/" + strings.ToUpper(id): "",
		"/docker/" + id[:63]:             "",
	}
	for path, want := range tests {
		assert.Equal(t, want, IDFromCgroupPath(path), path)
	}
}

func TestContainerOf(t *testing.T) {
	tests := map[string]string{
		"/docker/" + id:                         "docker",
		"/system.slice/docker-" + id + ".scope": "docker",
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-" + id + ".scope": "containerd",
		"/machine.slice/libpod-" + id + ".scope": "podman",
		"/kubepods.slice/crio-" + id + ".scope":  "crio",
		"/vigil-test/" + id:                      "unknown",
	}
	for path, want := range tests {
		gotID, got := ContainerOf(path)
		assert.Equal(t, id, gotID, path)
		assert.Equal(t, want, got, path)
	}
	gotID, got := ContainerOf("/user.slice/user-0.slice/session-1.scope")
	assert.Empty(t, gotID+got, "a host cgroup")
}

func TestResolverCachesByCgroup(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "55")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup"),
		[]byte("12:memory:/docker/"+id+"\n0::/system.slice/docker-"+id+".scope\n"), 0o644))

	r := NewResolver(root, "")
	assert.Equal(t, id, r.Lookup(9, 55).ID)
	// The process is gone; the cgroup's answer is remembered.
	require.NoError(t, os.RemoveAll(dir))
	assert.Equal(t, id, r.Lookup(9, 55).ID)
	// An unknown cgroup of a vanished process resolves to nothing and is not
	// cached as containerless: once its retry time has passed, a live member
	// resolves it.
	assert.Equal(t, "", r.Lookup(10, 55).ID)
	r.mu.RLock()
	_, cached := r.byCgroup[10]
	r.mu.RUnlock()
	assert.False(t, cached)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup"), []byte("0::/docker/"+id+"\n"), 0o644))
	assert.Equal(t, "", r.Lookup(10, 55).ID, "within the retry time the failure is remembered")
	r.mu.Lock()
	r.unresolved[10] = time.Now().Add(-2 * retryUnresolved)
	r.mu.Unlock()
	assert.Equal(t, id, r.Lookup(10, 55).ID)
}

func TestCgroupV1Only(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "77")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup"),
		[]byte("4:cpu,cpuacct:/\n3:pids:/kubepods/besteffort/podx/"+id+"\n"), 0o644))
	assert.Equal(t, id, NewResolver(root, "").Lookup(1, 77).ID)
}

func TestHostProcessHasNoContainer(t *testing.T) {
	assert.Equal(t, "", NewResolver("/proc", "").Lookup(1, uint32(os.Getpid())).ID)
}

func TestHybridHostPrefersTheContainerPath(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "88")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	// The unified hierarchy says "/", the v1 controllers name the container.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cgroup"),
		[]byte("9:name=systemd:/\n4:memory:/vigil/"+id+"\n0::/\n"), 0o644))
	assert.Equal(t, id, NewResolver(root, "").Lookup(1, 88).ID)
}

func TestCgroup2Mount(t *testing.T) {
	mi := filepath.Join(t.TempDir(), "mountinfo")
	require.NoError(t, os.WriteFile(mi, []byte(
		"30 25 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755\n"+
			"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n"), 0o644))
	assert.Equal(t, "/sys/fs/cgroup/unified", Cgroup2Mount(mi))
	assert.Equal(t, "", Cgroup2Mount(filepath.Join(t.TempDir(), "missing")))
}

func TestResolveGoneProcessThroughCgroupInode(t *testing.T) {
	// A fake hierarchy: the directory's inode number plays the cgroup id.
	hier := t.TempDir()
	dir := filepath.Join(hier, "system.slice", "docker-"+id+".scope")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	info, err := os.Stat(dir)
	require.NoError(t, err)
	ino := info.Sys().(*syscall.Stat_t).Ino

	r := NewResolver(t.TempDir(), hier) // no /proc entry: the process is gone
	assert.Equal(t, id, r.Lookup(ino, 12345).ID)
	assert.Equal(t, "", NewResolver(t.TempDir(), "").Lookup(ino, 12345).ID, "without the hierarchy it cannot be found")
}

func TestLearnFromCgroupMkdir(t *testing.T) {
	r := NewResolver(t.TempDir(), "")
	r.Learn(77, "/system.slice/docker-"+id+".scope")
	r.Learn(78, "/user.slice")
	assert.Equal(t, id, r.Lookup(77, 1).ID, "no /proc needed once learnt")
	assert.Equal(t, "", r.Lookup(78, 1).ID)
}

func TestParsePodUID(t *testing.T) {
	const uid = "0b2d4c1e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
	tests := map[string]Container{
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0b2d4c1e_5f6a_4b7c_8d9e_0f1a2b3c4d5e.slice/cri-containerd-" + id + ".scope": {ID: id, Runtime: "containerd", PodUID: uid},
		"/kubepods.slice/kubepods-pod0b2d4c1e_5f6a_4b7c_8d9e_0f1a2b3c4d5e.slice/crio-" + id + ".scope":                                                {ID: id, Runtime: "crio", PodUID: uid},
		"/kubepods/burstable/pod" + uid + "/" + id:            {ID: id, Runtime: "unknown", PodUID: uid},
		"/kubepods/pod0123456789abcdef0123456789abcdef/" + id: {ID: id, Runtime: "unknown", PodUID: "0123456789abcdef0123456789abcdef"},
		"/k8s.io/" + id:                                      {ID: id, Runtime: "containerd"},
		"/system.slice/docker-" + id + ".scope":              {ID: id, Runtime: "docker"},
		"/kubepods/burstable/pod" + uid:                      {}, // the pod's own cgroup: no container
		"/kubepods/burstable/podnot-a-uid/" + id:             {ID: id, Runtime: "unknown"},
		"/user.slice/pod" + uid + "/docker-" + id + ".scope": {ID: id, Runtime: "docker"}, // not a kubelet path
	}
	for path, want := range tests {
		assert.Equal(t, want, Parse(path), path)
	}
}
