// Package containers derives a container id from a task's cgroup path, for
// the runtimes' usual layouts (docker, containerd/CRI, cri-o, podman, plain
// runc; cgroup v1 and v2), with the runtime the layout names and a
// Kubernetes pod's uid, and caches them by cgroup id so the cost is paid
// once per cgroup, not once per event.
package containers

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// idPattern finds a 64-hex-digit container id in one cgroup path component,
// bare (/docker/<id>, /kubepods/.../<id>) or inside a systemd scope name
// (docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
// libpod-<id>.scope), with the scope's prefix.
var idPattern = regexp.MustCompile(`^(?:([a-z-]+)-)?([0-9a-f]{64})(?:\.scope)?$`)

// UnknownRuntime is the runtime of a layout that names none.
const UnknownRuntime = "unknown"

// runtimes names the runtime behind a systemd scope prefix or, for a bare
// id, the directory holding it, as Tracee does.
var runtimes = map[string]string{
	"docker":         "docker",
	"cri-containerd": "containerd",
	"crio":           "crio",
	"libpod":         "podman",
	// ctr and the CRI plugin place a container under its containerd
	// namespace when they manage cgroups themselves (cgroupfs driver).
	"k8s.io": "containerd",
}

// podPattern finds a pod's uid in one component of a kubelet-made cgroup
// path: kubepods-besteffort-pod<uid>.slice (systemd driver, the uid's dashes
// written as underscores) or pod<uid> (cgroupfs driver). Static pods' uids
// are 32 hex digits without dashes.
var podPattern = regexp.MustCompile(`^(?:kubepods(?:-[a-z]+)*-)?pod([0-9a-f]{8}[-_]?[0-9a-f]{4}[-_]?[0-9a-f]{4}[-_]?[0-9a-f]{4}[-_]?[0-9a-f]{12})(?:\.slice)?$`)

// Container is what a cgroup path says of the container its tasks run in.
type Container struct {
	ID string // "" outside containers
	// Runtime is the runtime the layout names: docker, containerd, crio,
	// podman, or "unknown" (plain runc and other layouts).
	Runtime string
	PodUID  string // the Kubernetes pod's uid, when the path is under kubepods
}

// Parse returns what a cgroup path says of its container.
func Parse(path string) Container {
	var c Container
	c.ID, c.Runtime = ContainerOf(path)
	if c.ID != "" && strings.Contains(path, "kubepods") {
		c.PodUID = podUIDOf(path)
	}
	return c
}

func podUIDOf(path string) string {
	for _, part := range strings.Split(path, "/") {
		if m := podPattern.FindStringSubmatch(part); m != nil {
			return strings.ReplaceAll(m[1], "_", "-")
		}
	}
	return ""
}

// IDFromCgroupPath returns the container id in a cgroup path, or "" when the
// path belongs to no container. The deepest matching component wins, so a
// nested layout (a pod cgroup holding container cgroups) names the container.
func IDFromCgroupPath(path string) string {
	id, _ := ContainerOf(path)
	return id
}

// ContainerOf returns the container id in a cgroup path, as
// IDFromCgroupPath, and the runtime its layout names ("unknown" when it
// names none, as for plain runc).
func ContainerOf(path string) (id, runtime string) {
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		m := idPattern.FindStringSubmatch(parts[i])
		if m == nil {
			continue
		}
		by := m[1]
		if by == "" && i > 0 {
			by = parts[i-1]
		}
		if r, ok := runtimes[by]; ok {
			return m[2], r
		}
		return m[2], UnknownRuntime
	}
	return "", ""
}

// cgroupPathOf returns the path of pid's cgroup from /proc/<pid>/cgroup:
// the first path that names a container, preferring the unified (v2)
// hierarchy's "0::<path>" line; on hybrid hosts a runtime may place the task
// in a container cgroup of the v1 controllers only. Without a container, the
// v2 path (or any path) is returned.
func cgroupPathOf(procRoot string, pid uint32) (string, bool) {
	data, err := os.ReadFile(procRoot + "/" + strconv.FormatUint(uint64(pid), 10) + "/cgroup")
	if err != nil {
		return "", false
	}
	var unified, v1Container, any string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) != 3 {
			continue
		}
		path := fields[2]
		if any == "" {
			any = path
		}
		switch {
		case fields[0] == "0" && fields[1] == "":
			unified = path
		case v1Container == "" && IDFromCgroupPath(path) != "":
			v1Container = path
		}
	}
	for _, p := range []string{unified, v1Container} {
		if IDFromCgroupPath(p) != "" {
			return p, true
		}
	}
	if unified != "" {
		return unified, true
	}
	return any, any != ""
}

// retryUnresolved is how long a cgroup whose membership could not be read
// waits before /proc is read again for it: a burst of events from a process
// that already exited must not cost a failed open each.
const retryUnresolved = time.Second

// Resolver maps cgroup ids to containers.
type Resolver struct {
	procRoot string
	// cgroup2Root is where the unified hierarchy is mounted, "" if nowhere.
	// A cgroup v2 id is the inode number of the cgroup's directory there,
	// so a cgroup whose processes have all exited (a container's short
	// entrypoint) can still be found while the runtime keeps it.
	cgroup2Root string
	mu          sync.RWMutex
	byCgroup    map[uint64]Container
	// unresolved holds when each cgroup last failed to resolve.
	unresolved map[uint64]time.Time
}

// NewResolver reads cgroup membership under procRoot (normally "/proc") and,
// for processes already gone, the cgroup v2 hierarchy mounted at cgroup2Root
// (see Cgroup2Mount; "" to skip).
func NewResolver(procRoot, cgroup2Root string) *Resolver {
	return &Resolver{
		procRoot:    procRoot,
		cgroup2Root: cgroup2Root,
		byCgroup:    make(map[uint64]Container),
		unresolved:  make(map[uint64]time.Time),
	}
}

// Learn records the path of a new cgroup (from a cgroup_mkdir event), so
// events of its processes resolve even when they exit before being read.
func (r *Resolver) Learn(cgroupID uint64, path string) {
	r.mu.Lock()
	r.byCgroup[cgroupID] = Parse(path)
	delete(r.unresolved, cgroupID)
	r.mu.Unlock()
}

// Cgroup2Mount returns where the cgroup v2 (unified) hierarchy is mounted,
// from mountinfo (normally /proc/self/mountinfo), or "".
func Cgroup2Mount(mountinfo string) string {
	data, err := os.ReadFile(mountinfo)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		// "<id> <parent> <dev> <root> <mount point> <options> ... - <fstype> <source> <super options>"
		pre, post, ok := strings.Cut(line, " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		if fields := strings.Fields(pre); len(fields) >= 5 {
			return fields[4]
		}
	}
	return ""
}

// cgroupPathByID finds the cgroup whose directory's inode is id under the
// v2 hierarchy and returns its path relative to the hierarchy's root.
func (r *Resolver) cgroupPathByID(id uint64) (string, bool) {
	if r.cgroup2Root == "" {
		return "", false
	}
	var found string
	_ = filepath.WalkDir(r.cgroup2Root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil // a cgroup removed during the walk is skipped
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Ino == id {
			found = "/" + strings.TrimPrefix(strings.TrimPrefix(path, r.cgroup2Root), "/")
			return fs.SkipAll
		}
		return nil
	})
	return found, found != ""
}

// Lookup returns the container of the cgroup an event came from, reading
// /proc/<pid>/cgroup the first time the cgroup is seen. A process that is
// already gone cannot be read; its cgroup is not cached as containerless,
// so an event from a live member can resolve it after retryUnresolved.
func (r *Resolver) Lookup(cgroupID uint64, pid uint32) Container {
	r.mu.RLock()
	c, ok := r.byCgroup[cgroupID]
	var failedAt time.Time
	failed := false
	if !ok { // a resolved cgroup, every record's case, looks once
		failedAt, failed = r.unresolved[cgroupID]
	}
	r.mu.RUnlock()
	if ok || (failed && time.Since(failedAt) < retryUnresolved) {
		return c
	}
	path, ok := cgroupPathOf(r.procRoot, pid)
	if !ok {
		path, ok = r.cgroupPathByID(cgroupID)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !ok {
		r.unresolved[cgroupID] = time.Now()
		return Container{}
	}
	delete(r.unresolved, cgroupID)
	c = Parse(path)
	r.byCgroup[cgroupID] = c
	return c
}
