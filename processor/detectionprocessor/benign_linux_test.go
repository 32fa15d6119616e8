//go:build linux

package detectionprocessor

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
// listed.
func TestBenignWorkload(t *testing.T) {
	privtest.Require(t)
	privtest.RequireTools(t, map[string]string{"bash": "bash", "gcc": "gcc", "go": "golang-go", "dpkg-deb": "dpkg", "dpkg": "dpkg",
		"git": "git", "python3": "python3-venv", "ssh-keygen": "openssh-client"})
	// The room the Kubernetes example gives (a 64 MiB ring): the workload
	// forks hundreds of processes while the machine may be busy with other
	// tests, and a record lost would read as a tool never seen.
	sink := startLiveCapture(t, func(c *kerneleventsreceiver.Config) {
		c.RingBufferSize = 64 << 20
		c.QueueSize = 256
	}, "default", "sched_process_fork")

	work := t.TempDir()
	marker := filepath.Join(work, "vigil-benign-done")
	if err := os.WriteFile(marker, []byte("done\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wheel := filepath.Join(work, "vigil_benign-1.0-py3-none-any.whl")
	writeWheel(t, wheel)
	cmd := exec.Command("bash", "-c", benignWorkload)
	cmd.Env = append(os.Environ(), "WORK="+work, "MARKER="+marker, "WHEEL="+wheel)
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

	recs := capturedRecords(sink)
	tree := processTree(recs, int64(cmd.Process.Pid))
	ran := map[string]bool{}
	wroteELF := false
	var detections []string
	for _, r := range recs {
		pid, _ := r.attrs.Get(vigil.AttrProcessPID)
		if !tree[pid.Int()] {
			continue
		}
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
			t.Errorf("no event of %s in the workload's process tree (%d processes); the capture missed it", tool, len(tree))
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

// processTree returns root and its descendants: the processes whose parent
// (as records and forks report it) is in the tree.
func processTree(recs []captured, root int64) map[int64]bool {
	tree := map[int64]bool{root: true}
	for grew := true; grew; {
		grew = false
		for _, r := range recs {
			child, _ := r.attrs.Get(vigil.AttrProcessPID)
			parent, _ := r.attrs.Get(vigil.AttrProcessParentPID)
			if r.lr.EventName() == vigil.EventNamePrefix+"sched_process_fork" {
				child, _ = r.attrs.Get(vigil.AttrArgPrefix + "child_pid")
				parent, _ = r.attrs.Get(vigil.AttrProcessPID)
			}
			if tree[parent.Int()] && !tree[child.Int()] {
				tree[child.Int()] = true
				grew = true
			}
		}
	}
	return tree
}
