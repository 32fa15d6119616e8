// Package containers derives a container id from a task's cgroup path, for
// the runtimes' usual layouts (docker, containerd/CRI, cri-o, podman, plain
// runc; cgroup v1 and v2), and caches it by cgroup id so the cost is paid
// once per cgroup, not once per event.
package containers

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// idPattern finds a 64-hex-digit container id in one cgroup path component,
// bare (/docker/<id>, /kubepods/.../<id>) or inside a systemd scope name
// (docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
// libpod-<id>.scope).
var idPattern = regexp.MustCompile(`^(?:[a-z-]+-)?([0-9a-f]{64})(?:\.scope)?$`)

// IDFromCgroupPath returns the container id in a cgroup path, or "" when the
// path belongs to no container. The deepest matching component wins, so a
// nested layout (a pod cgroup holding container cgroups) names the container.
func IDFromCgroupPath(path string) string {
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if m := idPattern.FindStringSubmatch(parts[i]); m != nil {
			return m[1]
		}
	}
	return ""
}

// cgroupPathOf returns the path of pid's cgroup from /proc/<pid>/cgroup: the
// unified (v2) hierarchy's line "0::<path>" when present, else the first v1
// line that names a container.
func cgroupPathOf(procRoot string, pid uint32) (string, bool) {
	data, err := os.ReadFile(procRoot + "/" + strconv.FormatUint(uint64(pid), 10) + "/cgroup")
	if err != nil {
		return "", false
	}
	var v1 string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) != 3 {
			continue
		}
		if fields[0] == "0" && fields[1] == "" {
			return fields[2], true
		}
		if v1 == "" && IDFromCgroupPath(fields[2]) != "" {
			v1 = fields[2]
		}
	}
	return v1, v1 != ""
}

// Resolver maps cgroup ids to container ids.
type Resolver struct {
	procRoot string
	mu       sync.RWMutex
	byCgroup map[uint64]string
}

// NewResolver reads cgroup membership under procRoot (normally "/proc").
func NewResolver(procRoot string) *Resolver {
	return &Resolver{procRoot: procRoot, byCgroup: make(map[uint64]string)}
}

// ContainerID returns the container id of the cgroup an event came from,
// reading /proc/<pid>/cgroup the first time the cgroup is seen. A process that
// is already gone cannot be read; its cgroup is not cached so a later event
// from a live member can resolve it.
func (r *Resolver) ContainerID(cgroupID uint64, pid uint32) string {
	r.mu.RLock()
	id, ok := r.byCgroup[cgroupID]
	r.mu.RUnlock()
	if ok {
		return id
	}
	path, ok := cgroupPathOf(r.procRoot, pid)
	if !ok {
		return ""
	}
	id = IDFromCgroupPath(path)
	r.mu.Lock()
	r.byCgroup[cgroupID] = id
	r.mu.Unlock()
	return id
}
