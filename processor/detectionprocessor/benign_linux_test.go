//go:build linux

package detectionprocessor

import (
	"archive/zip"
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver"
)

// benignWorkload is what a developer does all day. It runs in $WORK and
// opens $MARKER last, so that seeing the marker means every earlier event
// was captured.
const benignWorkload = `
set -eu
cd "$WORK"

printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > hello.c
gcc -O2 -o hello hello.c
./hello

mkdir gohello
printf 'module example.com/hello\n\ngo 1.22\n' > gohello/go.mod
printf 'package main\n\nfunc main() { println("hello") }\n' > gohello/main.go
(cd gohello && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -o hello . && ./hello)

mkdir -p deb/DEBIAN deb/usr/local/bin deb/etc/cron.d
cp hello deb/usr/local/bin/vigil-benign-hello
printf '# nothing to run\n' > deb/etc/cron.d/vigil-benign
printf 'Package: vigil-benign\nVersion: 1.0\nArchitecture: all\nMaintainer: Vigil <vigil@example.com>\nDescription: benign workload test package\n' > deb/DEBIAN/control
dpkg-deb --root-owner-group --build deb vigil-benign.deb
dpkg -i vigil-benign.deb
dpkg --purge vigil-benign

git init -q repo
(cd repo && echo hello > README && git add README && git -c user.name=dev -c user.email=dev@example.com commit -qm first && git log --oneline >/dev/null)

python3 -m venv venv
venv/bin/pip install --quiet --no-index --disable-pip-version-check "$WHEEL"
venv/bin/python -c 'import vigil_benign'

ssh-keygen -q -t ed25519 -N '' -C dev -f id_ed25519

cat "$MARKER"
`

// writeWheel writes a pure-Python wheel pip installs without a build backend
// or the network.
func writeWheel(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"vigil_benign/__init__.py":                 "GREETING = 'hello'\n",
		"vigil_benign-1.0.dist-info/METADATA":      "Metadata-Version: 2.1\nName: vigil-benign\nVersion: 1.0\n",
		"vigil_benign-1.0.dist-info/WHEEL":         "Wheel-Version: 1.0\nGenerator: vigil-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
		"vigil_benign-1.0.dist-info/top_level.txt": "vigil_benign\n",
		"vigil_benign-1.0.dist-info/RECORD":        "vigil_benign/__init__.py,,\nvigil_benign-1.0.dist-info/METADATA,,\nvigil_benign-1.0.dist-info/WHEEL,,\nvigil_benign-1.0.dist-info/top_level.txt,,\nvigil_benign-1.0.dist-info/RECORD,,\n",
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBenignWorkload: compiling C and Go, installing and removing a Debian
// package, using git, creating a Python venv and pip-installing a local
// package and generating an SSH key, captured live from the kernel, raise
// no detection with the built-in signatures. Every detection seen is
// listed. The workload runs in a cgroup of its own, which its records name:
// a pid would not do, since CI runs other packages' tests meanwhile and a
// pid the workload freed may be reused by any of their processes.
func TestBenignWorkload(t *testing.T) {
	privtest.Require(t)
	privtest.RequireTools(t, map[string]string{"bash": "bash", "gcc": "gcc", "go": "golang-go", "dpkg-deb": "dpkg", "dpkg": "dpkg",
		"git": "git", "python3": "python3-venv", "ssh-keygen": "openssh-client"})
	// the workload's own cgroup first: a host without cgroup v2 skips
	// before anything is loaded
	cgroupFD, cgroupID := newCgroup(t, "vigil-benign-")
	// The room the Kubernetes example gives (a 64 MiB ring): the workload
	// forks hundreds of processes while the machine may be busy with other
	// tests, and a record lost would read as a tool never seen.
	sink := startLiveCapture(t, func(c *kerneleventsreceiver.Config) {
		c.RingBufferSize = 64 << 20
		c.QueueSize = 256
	}, "default")

	work := t.TempDir()
	marker := filepath.Join(work, "vigil-benign-done")
	if err := os.WriteFile(marker, []byte("done\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wheel := filepath.Join(work, "vigil_benign-1.0-py3-none-any.whl")
	writeWheel(t, wheel)
	cmd := exec.Command("bash", "-c", benignWorkload)
	cmd.Env = append(os.Environ(), "WORK="+work, "MARKER="+marker, "WHEEL="+wheel)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: cgroupFD}
	t.Cleanup(func() { _ = exec.Command("dpkg", "--purge", "vigil-benign").Run() })
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the workload failed: %v\n%s", err, out)
	}

	// The marker is opened last: once it is seen, so is the rest.
	eventually(t, "the workload's last open is captured", func() bool {
		for _, r := range capturedRecords(sink) {
			if p, ok := r.attrs.Get(vigil.AttrArgPrefix + "pathname"); ok && p.Str() == marker {
				return true
			}
		}
		return false
	})

	processes := map[int64]bool{}
	ran := map[string]bool{}
	wroteELF := false
	var detections []string
	for _, r := range capturedRecords(sink) {
		if id, _ := r.attrs.Get(vigil.AttrCgroupID); id.Int() != cgroupID {
			continue
		}
		pid, _ := r.attrs.Get(vigil.AttrProcessPID)
		processes[pid.Int()] = true
		exe, _ := r.attrs.Get(vigil.AttrExecutablePath)
		// Debian's tools run as x86_64-linux-gnu-gcc-12 and the like.
		for _, part := range strings.Split(filepath.Base(exe.Str()), "-") {
			ran[part] = true
		}
		wroteELF = wroteELF || r.lr.EventName() == vigil.EventNamePrefix+"magic_write"
		if id, ok := r.lr.Attributes().Get(vigil.AttrRuleUUID); ok {
			name, _ := r.lr.Attributes().Get(vigil.AttrRuleName)
			data, _ := r.lr.Attributes().Get(vigil.AttrMatches)
			detections = append(detections, id.Str()+" "+name.Str()+" by "+exe.Str()+" on "+r.lr.EventName()+": "+data.AsString())
		}
	}
	// Zero detections means something only if the workload was seen.
	saw := func(tool string) bool {
		for part := range ran {
			if part == tool || strings.HasPrefix(part, tool+".") { // python3.12
				return true
			}
		}
		return false
	}
	for _, tool := range []string{"gcc", "go", "dpkg", "git", "python3", "ssh"} {
		if !saw(tool) {
			t.Errorf("no event of %s in the workload's cgroup (%d processes); the capture missed it", tool, len(processes))
		}
	}
	if !wroteELF {
		t.Error("no magic_write from the workload: the compilers' output was not captured, so VGL-1010 was not exercised")
	}
	if len(detections) > 0 {
		t.Errorf("%d detections on a benign workload:\n%s", len(detections), strings.Join(detections, "\n"))
	}
}

// captured is a record with its attributes and its resource's.
type captured struct {
	lr    plog.LogRecord
	attrs vigil.Attrs
}

func capturedRecords(sink *consumertest.LogsSink) []captured {
	var out []captured
	for _, ld := range sink.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					out = append(out, captured{lr: lr, attrs: vigil.AttrsOf(lr, rl.Resource())})
				}
			}
		}
	}
	return out
}

// newCgroup creates a cgroup v2 group named prefix and a unique suffix
// under the test's own, removed when t ends, and returns a descriptor of it
// for SysProcAttr.CgroupFD and its id (the inode number of its directory:
// what the kernel reports as the cgroup id of the tasks in it).
func newCgroup(t *testing.T, prefix string) (int, int64) {
	t.Helper()
	dir, err := os.MkdirTemp(ownCgroupDir(t), prefix)
	if err != nil {
		t.Fatalf("create a cgroup for the workload: %v", err)
	}
	var f *os.File
	t.Cleanup(func() {
		if f != nil {
			f.Close()
		}
		removeCgroup(t, dir)
	})
	f, err = os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return int(f.Fd()), int64(st.Ino)
}

// removeCgroup removes the cgroup dir. A process still in it is a leak the
// test reports, then kills: a detached one would otherwise keep the cgroup
// (rmdir fails with EBUSY) and itself on the host.
func removeCgroup(t *testing.T, dir string) {
	t.Helper()
	populated := func() bool {
		data, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
		if err != nil {
			t.Fatalf("read the workload's cgroup.events: %v", err)
		}
		return strings.Contains("\n"+string(data), "\npopulated 1\n")
	}
	if populated() {
		t.Errorf("a process of the workload was left behind in %s; killing it", dir)
		if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
			t.Fatalf("kill what is left in the workload's cgroup: %v", err)
		}
		eventually(t, "the workload's cgroup is empty after cgroup.kill", func() bool { return !populated() })
	}
	if err := os.Remove(dir); err != nil {
		t.Errorf("remove the workload's cgroup: %v", err)
	}
}

// ownCgroupDir is the directory of the test process's cgroup v2 group, or
// skips t (fails it with VIGIL_REQUIRE_EBPF set) when there is no cgroup v2
// hierarchy. /proc/self/cgroup gives the group's path from the hierarchy's
// root; a cgroup2 mount may show only a subtree (its mountinfo root, as in a
// container), so the path is taken relative to a mount whose root holds it.
func ownCgroupDir(t *testing.T) string {
	t.Helper()
	own := ownCgroup(t)
	mounts := cgroup2Mounts(t)
	if len(mounts) == 0 {
		msg := "no cgroup v2 hierarchy is mounted (/proc/self/mountinfo has no cgroup2): the test runs its workload in a cgroup of its own"
		if os.Getenv(privtest.RequireEnv) != "" {
			t.Fatalf("%s (%s is set); mount one with `mount -t cgroup2 none /sys/fs/cgroup`", msg, privtest.RequireEnv)
		}
		t.Skip(msg + " (set " + privtest.RequireEnv + "=1 to make this a failure)")
	}
	// A group outside the process's cgroup namespace reads as /../path:
	// no mount shows it.
	if !strings.Contains(own+"/", "/../") {
		for _, m := range mounts {
			if rel, err := filepath.Rel(m.root, own); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
				return filepath.Join(m.point, rel)
			}
		}
	}
	t.Fatalf("the test's cgroup %s is under no cgroup2 mount's root (mounts: %+v): cannot create a cgroup under it", own, mounts)
	return ""
}

// cgroup2Mount is one mount of the cgroup v2 hierarchy: where it is
// (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid system) and which
// group of the hierarchy shows there.
type cgroup2Mount struct{ point, root string }

// cgroup2Mounts lists the cgroup v2 mounts in /proc/self/mountinfo.
func cgroup2Mounts(t *testing.T) []cgroup2Mount {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var mounts []cgroup2Mount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID parent major:minor root mountpoint options [optional...] - type source super-options
		fields := strings.Fields(sc.Text())
		for i, field := range fields {
			if field == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				mounts = append(mounts, cgroup2Mount{point: unescapeMountinfo(fields[4]), root: unescapeMountinfo(fields[3])})
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read /proc/self/mountinfo: %v", err)
	}
	return mounts
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space and
// the like) in a path.
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ownCgroup is the test process's cgroup v2 path from the hierarchy's root.
func ownCgroup(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return path
		}
	}
	t.Fatalf("no cgroup v2 entry in /proc/self/cgroup:\n%s", data)
	return ""
}
