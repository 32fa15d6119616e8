//go:build linux && amd64

package privilege

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/internal/privtest"
)

// Dropping capabilities cannot be undone, so it happens in helper processes
// (see privtest.Helpers), as the receiver's and bpf's tests do theirs. The
// helpers live here rather than with the receiver's because Drop needs a
// binary without cgo, and the receiver's test binary links net, which brings
// cgo in; this one does not (nor testify, whose assert package imports
// net/http).
func init() {
	privtest.Helpers(map[string]privtest.Action{
		"drop":         func(arg string) error { return dropAndReport("drop", arg) },
		"verify-fails": func(arg string) error { return dropAndReport("verify-fails", arg) },
	})
}

// report is what the drop helper found, as JSON on its stdout.
type report struct {
	Kept, VerifiedWith Set
	Bounding           bool
	// Threads are the Cap* and NoNewPrivs lines of each thread's status.
	Threads map[string]map[string]string
	// EventSeen: the probe loaded before the drop delivered the helper's
	// own openat of a file afterwards.
	EventSeen      bool
	Submitted      uint64
	SecondDropErr  string
	ParentExe      string
	ParentExeErr   string
	DroppedAfter   bool
	UnchangedAfter bool // only for a failing verify: the status as before Drop
}

// dropAndReport drops to the capabilities arg (a number) keeps and prints a
// report; action "verify-fails" has the verification refuse instead.
func dropAndReport(action, arg string) error {
	keep, err := strconv.ParseUint(arg, 0, 64)
	if err != nil {
		return err
	}
	probe, err := bpf.Load(bpf.Options{Events: []uint32{257}, PIDs: []uint32{uint32(os.Getpid())}, WakeupEvents: 1})
	if err != nil {
		return err
	}
	defer probe.Close()
	before, err := threadStatus()
	if err != nil {
		return err
	}
	var rep report
	verify := func() error {
		st, err := statusOf("/proc/thread-self/status")
		if err != nil {
			return err
		}
		v, _ := strconv.ParseUint(st["CapEff"], 16, 64)
		rep.VerifiedWith = Set(v)
		if _, err := probe.Stats(); err != nil {
			return err
		}
		if action == "verify-fails" {
			return errors.New("verify refuses")
		}
		return nil
	}
	res, err := Drop(Set(keep), verify)
	switch {
	case action == "verify-fails":
		if err == nil || !strings.Contains(err.Error(), "verify refuses") {
			return fmt.Errorf("Drop with a failing verify: %v", err)
		}
		after, err := threadStatus()
		if err != nil {
			return err
		}
		rep.UnchangedAfter = maps.Equal(distinctStatuses(after), distinctStatuses(before))
		rep.DroppedAfter = Dropped()
		return json.NewEncoder(os.Stdout).Encode(rep)
	case err != nil:
		return err
	}
	rep.Kept, rep.Bounding, rep.DroppedAfter = res.Kept, res.Bounding, Dropped()
	if _, err := Drop(Set(keep), verify); err != nil {
		rep.SecondDropErr = err.Error()
	}
	if rep.Threads, err = threadStatus(); err != nil {
		return err
	}
	if rep.EventSeen, err = seesOwnOpen(probe); err != nil {
		return err
	}
	st, err := probe.Stats()
	if err != nil {
		return err
	}
	rep.Submitted = st.Submitted
	// The test process is root with more capabilities than are kept: the
	// kernel lets only CAP_SYS_PTRACE read its exe link.
	rep.ParentExe, err = os.Readlink(fmt.Sprintf("/proc/%d/exe", os.Getppid()))
	if err != nil {
		rep.ParentExeErr = err.Error()
	}
	return json.NewEncoder(os.Stdout).Encode(rep)
}

// seesOwnOpen opens a file and reads the probe until its openat arrives.
func seesOwnOpen(probe *bpf.Probe) (bool, error) {
	f, err := os.CreateTemp("", "vigil-privilege-*")
	if err != nil {
		return false, err
	}
	defer os.Remove(f.Name())
	f.Close()
	marker := f.Name()
	if f, err = os.Open(marker); err != nil {
		return false, err
	}
	f.Close()
	timeout := time.AfterFunc(30*time.Second, func() { probe.Close() }) // generous: CI compiles meanwhile
	defer timeout.Stop()
	var ev bpf.Event
	for {
		err := probe.Read(&ev)
		switch {
		case errors.Is(err, bpf.ErrClosed):
			return false, nil
		case err != nil:
			return false, err
		}
		for _, a := range ev.Args {
			if ev.HostPID == uint32(os.Getpid()) && a.Str == marker {
				return true, nil
			}
		}
	}
}

// threadStatus returns the capability lines of every thread's status.
func threadStatus() (map[string]map[string]string, error) {
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, path := range tasks {
		st, err := statusOf(path)
		if err != nil {
			return nil, err
		}
		out[filepath.Base(filepath.Dir(path))] = st
	}
	return out, nil
}

// distinctStatuses is the set of the threads' statuses, whatever their
// ids: the Go runtime may start a thread between two looks (it inherits
// its creator's capabilities), and a thread whose capabilities changed
// adds a status of its own.
func distinctStatuses(threads map[string]map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, st := range threads {
		out[fmt.Sprint(st)] = true
	}
	return out
}

func statusOf(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	st := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, ":")
		if strings.HasPrefix(k, "Cap") || k == "NoNewPrivs" {
			st[k] = strings.TrimSpace(v)
		}
	}
	return st, nil
}

func runDropHelper(t *testing.T, action string, keep Set) report {
	t.Helper()
	privtest.Require(t)
	cmd := privtest.Command(action, fmt.Sprintf("%#x", uint64(keep)))
	cmd.Stderr = new(strings.Builder)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper %s: %v: %s", action, err, cmd.Stderr)
	}
	var rep report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	return rep
}

func TestDropKeepsOnlyWhatIsAskedOnEveryThread(t *testing.T) {
	keep := SetOf(SysPtrace, DACReadSearch)
	rep := runDropHelper(t, "drop", keep)

	if rep.Kept != keep || !rep.Bounding || !rep.DroppedAfter {
		t.Errorf("Drop: kept %#x, bounding %v, Dropped() %v; want %#x, true, true", rep.Kept, rep.Bounding, rep.DroppedAfter, keep)
	}
	if rep.VerifiedWith != keep {
		t.Errorf("verify ran with CapEff %#x, want %#x", rep.VerifiedWith, keep)
	}
	if rep.SecondDropErr != ErrDropped.Error() {
		t.Errorf("a second Drop: %q, want %q", rep.SecondDropErr, ErrDropped)
	}
	if len(rep.Threads) < 2 {
		t.Errorf("only %d threads: the per-thread change is not tested", len(rep.Threads))
	}
	want := map[string]string{
		"CapInh": "0000000000000000", "CapAmb": "0000000000000000", "NoNewPrivs": "1",
		"CapPrm": fmt.Sprintf("%016x", uint64(keep)), "CapEff": fmt.Sprintf("%016x", uint64(keep)), "CapBnd": fmt.Sprintf("%016x", uint64(keep)),
	}
	for tid, st := range rep.Threads {
		for k, v := range want {
			if st[k] != v {
				t.Errorf("thread %s: %s %s, want %s", tid, k, st[k], v)
			}
		}
	}
	// What was loaded before still works through its file descriptors.
	if !rep.EventSeen || rep.Submitted == 0 {
		t.Errorf("after the drop: own openat seen %v, submitted %d", rep.EventSeen, rep.Submitted)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if rep.ParentExe != self {
		t.Errorf("reading the test process's exe link after the drop: %q, %s; want %q", rep.ParentExe, rep.ParentExeErr, self)
	}
}

func TestDropEverythingLosesOtherProcessesExe(t *testing.T) {
	// The control for the test above: without CAP_SYS_PTRACE the exe link
	// of a root process with more capabilities is refused.
	rep := runDropHelper(t, "drop", 0)
	if rep.ParentExeErr == "" || !strings.Contains(rep.ParentExeErr, "permission denied") {
		t.Errorf("exe link with no capabilities: %q, %q; want permission denied", rep.ParentExe, rep.ParentExeErr)
	}
	if !rep.EventSeen || rep.Submitted == 0 {
		t.Errorf("the probe needs no capability once loaded, yet: own openat seen %v, submitted %d", rep.EventSeen, rep.Submitted)
	}
	for tid, st := range rep.Threads {
		if st["CapEff"] != "0000000000000000" || st["CapBnd"] != "0000000000000000" {
			t.Errorf("thread %s: CapEff %s, CapBnd %s", tid, st["CapEff"], st["CapBnd"])
		}
	}
}

func TestDropChangesNothingWhenVerifyFails(t *testing.T) {
	rep := runDropHelper(t, "verify-fails", SetOf(SysPtrace))
	if !rep.UnchangedAfter || rep.DroppedAfter {
		t.Errorf("after a failing verify: status unchanged %v, Dropped() %v", rep.UnchangedAfter, rep.DroppedAfter)
	}
	if rep.VerifiedWith != SetOf(SysPtrace) {
		t.Errorf("verify ran with CapEff %#x", rep.VerifiedWith)
	}
}

func TestSetOf(t *testing.T) {
	s := SetOf(DACReadSearch, SysPtrace)
	if s != 1<<2|1<<19 || !s.Has(SysPtrace) || s.Has(SetPCap) {
		t.Fatalf("SetOf: %#x", s)
	}
}
