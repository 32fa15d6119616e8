//go:build linux && (amd64 || arm64)

package bpf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/privtest"
	"golang.org/x/sys/unix"
)

// awaitTimeout bounds every wait for an expected event: generous, since
// CI runs these tests while it compiles other packages.
const awaitTimeout = 30 * time.Second

// capture reads a probe into a channel, flushing it often so that records
// written without a wake-up arrive within milliseconds.
type capture struct {
	p      *Probe
	events chan Event
	seen   []Event // events consumed by await, in ring order
}

func startCapture(t *testing.T, opts Options, modes ...string) *capture {
	t.Helper()
	privtest.Require(t)
	if len(modes) == 0 {
		modes = []string{modeTPBTF, modeRawTP}
	}
	p, err := load(opts, modes)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	c := &capture{p: p, events: make(chan Event, 1<<16)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(c.events)
		for {
			var ev Event
			err := p.Read(&ev)
			switch {
			case err == nil:
				select {
				case c.events <- ev:
				default: // the test does not keep up with the system's noise: drop
				}
			case errors.Is(err, ErrFlushed):
			case errors.Is(err, ErrClosed):
				return
			default:
				t.Errorf("Read: %v", err)
				return
			}
		}
	}()
	stopFlushing := flushEvery(p, 5*time.Millisecond)
	t.Cleanup(func() {
		stopFlushing()
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		wg.Wait()
	})
	return c
}

// flushEvery flushes p every interval, as the receiver's timer does, until
// the function it returns is called; that waits for the last flush to end.
func flushEvery(p *Probe, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				p.Flush()
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// await returns the first event, in ring order, that matches; it fails the
// test when none arrives in time. Events passed over stay in c.seen.
func (c *capture) await(t *testing.T, what string, match func(*Event) bool) *Event {
	t.Helper()
	for i := range c.seen {
		if match(&c.seen[i]) {
			return &c.seen[i]
		}
	}
	deadline := time.After(awaitTimeout)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatalf("probe closed while waiting for %s", what)
			}
			c.seen = append(c.seen, ev)
			if match(&ev) {
				return &c.seen[len(c.seen)-1]
			}
		case <-deadline:
			// the counters tell a record the kernel never sent from one
			// the reader did not deliver
			st, err := c.p.Stats()
			pending, _ := c.p.Backlog()
			t.Fatalf("no %s within %v (%d other events seen; kernel counters %+v %v, %d bytes pending)",
				what, awaitTimeout, len(c.seen), st, err, pending)
		}
	}
}

// before returns the events seen before e, in ring order.
func (c *capture) before(e *Event) []Event {
	for i := range c.seen {
		if &c.seen[i] == e {
			return c.seen[:i]
		}
	}
	return c.seen
}

func from(pid uint32, id uint32) func(*Event) bool {
	return func(e *Event) bool { return e.HostPID == pid && e.EventID == id }
}

func self() uint32 { return uint32(os.Getpid()) }

// cgroupID returns the id of process pid's cgroup v2: its directory's
// inode number, under wherever cgroup2 is mounted.
func cgroupID(t *testing.T, pid uint32) uint64 {
	t.Helper()
	cgroups, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	var path string
	for line := range strings.Lines(string(cgroups)) {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "0::"); ok {
			path = p
		}
	}
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(mounts)) {
		if f := strings.Fields(line); len(f) > 2 && f[2] == "cgroup2" {
			var st unix.Stat_t
			if err := unix.Stat(filepath.Join(f[1], path), &st); err != nil {
				t.Fatal(err)
			}
			return st.Ino
		}
	}
	t.Fatalf("no cgroup2 mount for %q", path)
	return 0
}

func argStr(t *testing.T, e *Event, i int) string {
	t.Helper()
	a := e.Arg(i)
	if a == nil || a.Kind != ArgString {
		t.Fatalf("event %d: argument %d is %+v, want a string", e.EventID, i, a)
	}
	return a.Str
}

func argStrs(t *testing.T, e *Event, i int) []string {
	t.Helper()
	a := e.Arg(i)
	if a == nil || a.Kind != ArgStrings {
		t.Fatalf("event %d: argument %d is %+v, want strings", e.EventID, i, a)
	}
	return a.Strs
}

func argInt(t *testing.T, e *Event, i int) int64 {
	t.Helper()
	a := e.Arg(i)
	switch {
	case a != nil && a.Kind == ArgInt:
		return a.Int
	case a != nil && a.Kind == ArgUint:
		return int64(a.Uint)
	}
	t.Fatalf("event %d: argument %d is %+v, want an integer", e.EventID, i, a)
	return 0
}

// TestCaptureProcessLife runs `sh -c 'cat FILE; exit 3'` and checks the
// execve, sched_process_exec, fork, openat and exit events it causes, in
// both attach modes.
func TestCaptureProcessLife(t *testing.T) {
	for _, mode := range []string{modeTPBTF, modeRawTP} {
		t.Run(mode, func(t *testing.T) {
			c := startCapture(t, Options{
				Events:       []uint32{59, 257, 714, 715, 716},
				ExcludeTGIDs: []uint32{self()},
				CaptureArgv:  true,
			}, mode)
			if got := c.p.AttachMode(); got != mode {
				t.Fatalf("AttachMode = %q, want %q", got, mode)
			}
			file := filepath.Join(t.TempDir(), "cat-me")
			if err := os.WriteFile(file, []byte("hello\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			script := "cat " + file + "; exit 3"
			cmd := exec.Command("/bin/sh", "-c", script)
			if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != 3 {
				t.Fatalf("sh: %v", err)
			}
			sh := uint32(cmd.Process.Pid)

			ev := c.await(t, "execve of sh", from(sh, 59))
			if ev.ReturnValue != 0 || ev.Syscall != 59 || argStr(t, ev, 0) != "/bin/sh" ||
				!slices.Equal(argStrs(t, ev, 1), []string{"/bin/sh", "-c", script}) || ev.Arg(2) != nil {
				t.Errorf("execve: %+v", ev)
			}
			if ev.Comm != "sh" { // the context is refreshed at exit
				t.Errorf("execve comm %q, want sh", ev.Comm)
			}
			// the header's ids, read from the task: sh runs as the test
			// and in its cgroup
			if cgroup := cgroupID(t, self()); ev.UID != uint32(os.Getuid()) || ev.GID != uint32(os.Getgid()) || ev.CgroupID != cgroup {
				t.Errorf("execve uid %d gid %d cgroup %d, want %d, %d, %d", ev.UID, ev.GID, ev.CgroupID,
					os.Getuid(), os.Getgid(), cgroup)
			}

			ev = c.await(t, "sched_process_exec of sh", from(sh, 715))
			real, err := filepath.EvalSymlinks("/bin/sh")
			if err != nil {
				t.Fatal(err)
			}
			var st unix.Stat_t
			if err := unix.Stat(real, &st); err != nil {
				t.Fatal(err)
			}
			if argStr(t, ev, 0) != "/bin/sh" || argStr(t, ev, 1) != real || argStr(t, ev, 11) != "/bin/sh" ||
				!slices.Equal(argStrs(t, ev, 10), []string{"/bin/sh", "-c", script}) {
				t.Errorf("sched_process_exec paths/argv: %+v", ev.Args)
			}
			kdev := uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev))
			if uint64(argInt(t, ev, 2)) != kdev || uint64(argInt(t, ev, 3)) != st.Ino ||
				uint32(argInt(t, ev, 5)) != st.Mode || uint64(argInt(t, ev, 4)) != uint64(st.Ctim.Nano()) {
				t.Errorf("sched_process_exec dev/inode/mode/ctime: %+v, stat %+v", ev.Args, st)
			}
			if ev.Syscall != -1 || ev.HostPPID != self() || ev.PPID != self() || ev.Flags&FlagContainer != 0 {
				t.Errorf("sched_process_exec context: %+v", ev)
			}

			catExec := c.await(t, "sched_process_exec of cat", func(e *Event) bool {
				return e.EventID == 715 && e.HostPPID == sh
			})
			catPID := catExec.HostPID
			if catExec.Comm != "cat" || !slices.Equal(argStrs(t, catExec, 10), []string{"cat", file}) {
				t.Errorf("cat exec: %+v", catExec)
			}
			ev = c.await(t, "fork of cat", from(sh, 714))
			if argInt(t, ev, 2) != int64(sh) || argInt(t, ev, 6) != int64(catPID) || argInt(t, ev, 4) != int64(catPID) ||
				uint64(argInt(t, ev, 8)) != catExec.ThreadStartTime {
				t.Errorf("fork: %+v (cat %d started %d)", ev.Args, catPID, catExec.ThreadStartTime)
			}
			ev = c.await(t, "cat's openat of the file", func(e *Event) bool {
				return e.HostPID == catPID && e.EventID == 257 && argStr(t, e, 1) == file
			})
			if ev.ReturnValue < 0 || argInt(t, ev, 0) != unix.AT_FDCWD || argInt(t, ev, 2)&unix.O_ACCMODE != unix.O_RDONLY {
				t.Errorf("openat: ret %d args %+v", ev.ReturnValue, ev.Args)
			}
			ev = c.await(t, "exit of sh", from(sh, 716))
			if argInt(t, ev, 0) != 3<<8 || argInt(t, ev, 1) != 1 {
				t.Errorf("exit: %+v", ev.Args)
			}
			for _, e := range c.seen {
				if e.HostPID == self() {
					t.Fatalf("event from the excluded test process: %+v", e)
				}
			}
		})
	}
}

// TestCaptureLongArgv checks the cut of argv entries longer than
// ARGV_STR_MAX, both from the execve arguments and from the new process's
// memory, and envp capture.
func TestCaptureLongArgv(t *testing.T) {
	c := startCapture(t, Options{
		Events:       []uint32{59, 715},
		ExcludeTGIDs: []uint32{self()},
		CaptureArgv:  true,
		CaptureEnv:   true,
	})
	long := strings.Repeat("a", 300)
	exact := strings.Repeat("b", 255) // 255 bytes + NUL fill the 256 read
	cmd := exec.Command("/bin/true", long, "x", exact, "y")
	cmd.Env = []string{"VIGIL_TEST=1", "B=2"}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)
	want := []string{"/bin/true", long[:255], "x", exact, "y"}
	ev := c.await(t, "execve", from(pid, 59))
	if got := argStrs(t, ev, 1); !slices.Equal(got, want) {
		t.Errorf("execve argv %q, want %q", got, want)
	}
	if got := argStrs(t, ev, 2); !slices.Equal(got, cmd.Env) {
		t.Errorf("execve envp %q, want %q", got, cmd.Env)
	}
	ev = c.await(t, "sched_process_exec", from(pid, 715))
	if got := argStrs(t, ev, 10); !slices.Equal(got, want) {
		t.Errorf("sched_process_exec argv %q, want %q", got, want)
	}
	if got := argStrs(t, ev, 15); !slices.Equal(got, cmd.Env) {
		t.Errorf("sched_process_exec env %q, want %q", got, cmd.Env)
	}
}

// TestCaptureEnvLoaderVariables checks that loader variables after the first
// ARGV_MAX environment entries still arrive, after those entries, up to
// ENV_LOADER_EACH of each name, and that other late variables do not: an
// LD_PRELOAD behind filler variables must not escape the signatures that
// look for it.
func TestCaptureEnvLoaderVariables(t *testing.T) {
	c := startCapture(t, Options{
		Events:       []uint32{715, 731 /* security_bprm_check */},
		ExcludeTGIDs: []uint32{self()},
		CaptureEnv:   true,
	})
	var env []string
	for i := range 40 {
		env = append(env, fmt.Sprintf("FILLER%d=%s", i, strings.Repeat("f", 6*i)))
	}
	want := slices.Clone(env[:32])
	env = append(env, "LD_LIBRARY_PATH=/nowhere")
	// More LD_AUDIT entries than are kept of one name, the first cut like
	// any entry: they must not use up the room of the LD_PRELOAD after them.
	for i := range 5 {
		audit := fmt.Sprintf("LD_AUDIT=%d%s", i, strings.Repeat("a", 300*max(0, 1-i)))
		env = append(env, audit)
		if i < 4 {
			want = append(want, audit[:min(len(audit), 255)])
		}
	}
	preload := "LD_PRELOAD=libc.so.6"
	env = append(env, preload, "X=1")
	want = append(want, preload)
	// os/exec would keep only the last entry of a name; StartProcess
	// passes the environment as it is.
	proc, err := os.StartProcess("/bin/true", []string{"/bin/true"}, &os.ProcAttr{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := proc.Wait(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(proc.Pid)
	check := func(what string, got []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d entries, the 32nd on %q; want %d, %q", what, len(got), got[min(31, len(got)):], len(want), want[31:])
		}
	}
	check("sched_process_exec env", argStrs(t, c.await(t, "sched_process_exec", from(pid, 715)), 15))
	check("security_bprm_check envp", argStrs(t, c.await(t, "security_bprm_check", from(pid, 731)), 4))
}

func TestCapturePtrace(t *testing.T) {
	c := startCapture(t, Options{Events: []uint32{101}, ExcludeTGIDs: []uint32{self()}})
	pid := runHelperCmd(t, "ptrace", "")
	ev := c.await(t, "ptrace", from(pid, 101))
	if ev.ReturnValue != 0 || argInt(t, ev, 0) != unix.PTRACE_TRACEME || argInt(t, ev, 1) != 0 {
		t.Errorf("ptrace: ret %d args %+v", ev.ReturnValue, ev.Args)
	}
}

// TestCaptureProcessVM checks that process_vm_readv (310) and
// process_vm_writev (311) each arrive under their own id: only the second
// writes into another process's memory.
func TestCaptureProcessVM(t *testing.T) {
	c := startCapture(t, Options{Events: []uint32{310, 311}, ExcludeTGIDs: []uint32{self()}})
	pid := runHelperCmd(t, "process-vm", "")
	for _, id := range []uint32{310, 311} {
		ev := c.await(t, fmt.Sprintf("syscall %d", id), from(pid, id))
		if ev.Syscall != int32(id) || ev.ReturnValue != 16 || argInt(t, ev, 0) != int64(pid) || argInt(t, ev, 2) != 1 {
			t.Errorf("event %d: syscall %d ret %d args %+v", id, ev.Syscall, ev.ReturnValue, ev.Args)
		}
	}
}

// TestCaptureExitGroup checks a syscall that never returns: its record is
// sent at entry.
func TestCaptureExitGroup(t *testing.T) {
	c := startCapture(t, Options{Events: []uint32{231}, ExcludeTGIDs: []uint32{self()}})
	cmd := helper("exit", "3")
	var exitErr *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 {
		t.Fatalf("helper exit 3: %v", err)
	}
	ev := c.await(t, "exit_group", from(uint32(cmd.Process.Pid), 231))
	if argInt(t, ev, 0) != 3 || ev.ReturnValue != 0 {
		t.Errorf("exit_group: ret %d args %+v", ev.ReturnValue, ev.Args)
	}
}

// TestCaptureProcessGroupExit: of the exits of a process's threads (the Go
// helper's: it always has several), the last one's record says
// process_group_exit and another's does not, whether the kernel passes
// group_dead to sched_process_exit (this machine's) or the program reads
// it from the task (Linux 6.1: make test-kernels).
func TestCaptureProcessGroupExit(t *testing.T) {
	exit := uint32(catalog.IDSchedProcessExit)
	c := startCapture(t, Options{Events: []uint32{exit}, ExcludeTGIDs: []uint32{self()}})
	pid := runHelperCmd(t, "exit", "0")
	groupExit := func(want int64) func(*Event) bool {
		return func(e *Event) bool { return e.HostPID == pid && e.EventID == exit && argInt(t, e, 1) == want }
	}
	last := c.await(t, "the exit of the helper's last thread", groupExit(1))
	if last.HostTID == 0 || argInt(t, last, 0) != 0 {
		t.Errorf("last thread's exit: tid %d, args %+v", last.HostTID, last.Args)
	}
	other := c.await(t, "the exit of another of the helper's threads", groupExit(0))
	if other.HostTID == last.HostTID {
		t.Errorf("thread %d exited twice", other.HostTID)
	}
}

func TestCaptureConnect(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	c := startCapture(t, Options{Events: []uint32{41, 42}, ExcludeTGIDs: []uint32{self()}})
	addr := netip.MustParseAddrPort(ln.Addr().String())
	pid := runHelperCmd(t, "connect", addr.String())

	sock := c.await(t, "socket", from(pid, 41))
	if sock.ReturnValue < 0 || argInt(t, sock, 0) != unix.AF_INET || argInt(t, sock, 1)&0xf != unix.SOCK_STREAM {
		t.Errorf("socket: ret %d args %+v", sock.ReturnValue, sock.Args)
	}
	ev := c.await(t, "connect", from(pid, 42))
	sa := ev.Arg(1)
	if ev.ReturnValue != 0 || argInt(t, ev, 0) != sock.ReturnValue || argInt(t, ev, 2) != 16 || sa == nil || sa.Kind != ArgBytes {
		t.Fatalf("connect: ret %d args %+v", ev.ReturnValue, ev.Args)
	}
	b := sa.Bytes
	if len(b) != 16 || binary.LittleEndian.Uint16(b) != unix.AF_INET ||
		binary.BigEndian.Uint16(b[2:]) != addr.Port() || netip.AddrFrom4([4]byte(b[4:8])) != addr.Addr() {
		t.Errorf("connect sockaddr %x, want AF_INET %v", b, addr)
	}
}

// TestCaptureAccept checks a sockaddr filled in by the kernel, read at exit
// with the length behind the addrlen pointer.
func TestCaptureAccept(t *testing.T) {
	c := startCapture(t, Options{Events: []uint32{288}, ExcludeTGIDs: []uint32{self()}})
	cmd := helper("accept", "")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp4", strings.TrimSpace(addr))
	if err != nil {
		t.Fatal(err)
	}
	local := netip.MustParseAddrPort(conn.LocalAddr().String())
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	pid := uint32(cmd.Process.Pid)
	ev := c.await(t, "a successful accept4", func(e *Event) bool { return from(pid, 288)(e) && e.ReturnValue >= 0 })
	b := ev.Arg(1)
	if b == nil || b.Kind != ArgBytes || len(b.Bytes) != 16 || binary.LittleEndian.Uint16(b.Bytes) != unix.AF_INET ||
		binary.BigEndian.Uint16(b.Bytes[2:]) != local.Port() || netip.AddrFrom4([4]byte(b.Bytes[4:8])) != local.Addr() {
		t.Errorf("accept4 peer %+v, want %v", b, local)
	}
	if argInt(t, ev, 2) == 0 || argInt(t, ev, 3)&unix.SOCK_CLOEXEC == 0 {
		t.Errorf("accept4 args %+v", ev.Args)
	}
}

func TestCaptureMemfd(t *testing.T) {
	c := startCapture(t, Options{Events: []uint32{319}, ExcludeTGIDs: []uint32{self()}})
	pid := runHelperCmd(t, "memfd", "vigil-test-memfd")
	ev := c.await(t, "memfd_create", from(pid, 319))
	if ev.ReturnValue < 0 || argStr(t, ev, 0) != "vigil-test-memfd" || argInt(t, ev, 1) != unix.MFD_CLOEXEC {
		t.Errorf("memfd_create: ret %d args %+v", ev.ReturnValue, ev.Args)
	}
}

// TestCaptureMemfdExec checks the path of a file that lives on no mount.
func TestCaptureMemfdExec(t *testing.T) {
	c := startCapture(t, Options{Events: []uint32{715}, ExcludeTGIDs: []uint32{self()}, CaptureArgv: true})
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	pid := runHelperCmd(t, "memfd-exec", truePath)
	ev := c.await(t, "exec of the memfd", func(e *Event) bool {
		return from(pid, 715)(e) && e.Comm != "bpf.test" // not the helper's own start
	})
	if p := argStr(t, ev, 1); !strings.HasPrefix(p, "memfd:vigil-exec") {
		t.Errorf("pathname %q, want memfd:vigil-exec... (bare, as Tracee shows it)", p)
	}
	if !strings.HasPrefix(argStr(t, ev, 0), "/proc/self/fd/") || !slices.Equal(argStrs(t, ev, 10), []string{"memfd-child"}) {
		t.Errorf("exec args %+v", ev.Args)
	}
}

// TestScopeSelfAndUnselected checks that an excluded tgid and unselected
// syscalls produce nothing. The ring buffer is one ordered queue for all
// CPUs, so an event that happened before the awaited one would be read
// before it: no need to wait for absence.
func TestScopeSelfAndUnselected(t *testing.T) {
	c := startCapture(t, Options{Events: []uint32{319}, ExcludeTGIDs: []uint32{self()}})
	fd, err := unix.MemfdCreate("vigil-self", 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	unix.Getppid()
	pid := runHelperCmd(t, "openat-then-memfd", "/etc/hostname")
	last := c.await(t, "the helper's memfd_create", from(pid, 319))
	for _, e := range append(c.before(last), *last) {
		if e.HostPID == self() {
			t.Errorf("event from the excluded test process: %+v", e)
		}
		if e.EventID != 319 {
			t.Errorf("unselected event %d from %d", e.EventID, e.HostPID)
		}
	}
	st, err := c.p.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Submitted < 1 || st.Lost != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestScopeComms(t *testing.T) {
	c := startCapture(t, Options{Events: []uint32{257}, Comms: []string{"cat"}})
	runHelperCmd(t, "openat", "/etc/hostname") // comm bpf.test: filtered out
	file := filepath.Join(t.TempDir(), "comm")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("cat", file).Run(); err != nil {
		t.Fatal(err)
	}
	last := c.await(t, "cat's openat", func(e *Event) bool { return e.EventID == 257 && argStr(t, e, 1) == file })
	for _, e := range append(c.before(last), *last) {
		if e.Comm != "cat" {
			t.Errorf("event from comm %q passed the comm filter", e.Comm)
		}
	}
}

func TestScopeUIDs(t *testing.T) {
	const nobody = 65534
	const file = "/etc/hostname" // readable by nobody
	c := startCapture(t, Options{Events: []uint32{257}, UIDs: []uint32{nobody}})
	if err := exec.Command("cat", file).Run(); err != nil { // as root: filtered out
		t.Fatal(err)
	}
	cmd := exec.Command("cat", file)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cat as nobody: %v %s", err, out)
	}
	pid := uint32(cmd.Process.Pid)
	last := c.await(t, "openat by nobody", func(e *Event) bool {
		return e.HostPID == pid && e.EventID == 257 && argStr(t, e, 1) == file
	})
	for _, e := range append(c.before(last), *last) {
		if e.UID != nobody || e.GID != nobody {
			t.Errorf("event of uid %d gid %d passed the uid filter", e.UID, e.GID)
		}
	}
}

func TestScopePIDs(t *testing.T) {
	privtest.Require(t) // before the helper is started
	cmd := helper("wait-then-openat", "/etc/hostname")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	pid := uint32(cmd.Process.Pid)
	c := startCapture(t, Options{Events: []uint32{257}, PIDs: []uint32{pid}})
	if err := exec.Command("cat", "/etc/hostname").Run(); err != nil { // another pid: filtered out
		t.Fatal(err)
	}
	stdin.Write([]byte("go\n"))
	last := c.await(t, "the helper's openat", func(e *Event) bool {
		return e.HostPID == pid && e.EventID == 257 && argStr(t, e, 1) == "/etc/hostname"
	})
	for _, e := range append(c.before(last), *last) {
		if e.HostPID != pid {
			t.Errorf("event of pid %d passed the pid filter", e.HostPID)
		}
	}
}

// TestScopeOrigin runs cat on the host and in a new pid namespace (a
// container, as far as the kernel side tells) and checks each origin filter.
func TestScopeOrigin(t *testing.T) {
	dir := t.TempDir()
	hostFile, nsFile := filepath.Join(dir, "host"), filepath.Join(dir, "ns")
	for _, f := range []string{hostFile, nsFile} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	catIn := func(newNS bool, file string) uint32 {
		cmd := exec.Command("cat", file)
		if newNS {
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
		}
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		return uint32(cmd.Process.Pid)
	}
	openOf := func(file string) func(*Event) bool {
		return func(e *Event) bool { return e.EventID == 257 && argStr(t, e, 1) == file }
	}

	t.Run("container", func(t *testing.T) {
		c := startCapture(t, Options{Events: []uint32{257}, Origin: OriginContainer})
		catIn(false, hostFile)
		pid := catIn(true, nsFile)
		ev := c.await(t, "openat in the pid namespace", openOf(nsFile))
		if ev.HostPID != pid || ev.PID != 1 || ev.TID != 1 || ev.PPID != 0 || ev.Flags&FlagContainer == 0 || ev.PIDNS == 0xEFFFFFFC {
			t.Errorf("container context: %+v", ev)
		}
		for _, e := range c.before(ev) {
			if e.Flags&FlagContainer == 0 {
				t.Errorf("host event passed the container filter: %+v", e)
			}
		}
	})
	t.Run("host", func(t *testing.T) {
		c := startCapture(t, Options{Events: []uint32{257}, Origin: OriginHost})
		catIn(true, nsFile)
		pid := catIn(false, hostFile)
		ev := c.await(t, "openat on the host", openOf(hostFile))
		if ev.HostPID != pid || ev.PID != pid || ev.Flags&FlagContainer != 0 {
			t.Errorf("host context: %+v", ev)
		}
		for _, e := range c.before(ev) {
			if e.Flags&FlagContainer != 0 {
				t.Errorf("container event passed the host filter: %+v", e)
			}
		}
	})
}

func TestReadAfterClose(t *testing.T) {
	privtest.Require(t)
	p, err := Load(Options{Events: []uint32{319}, ExcludeTGIDs: []uint32{self()}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var ev Event
		for {
			err := p.Read(&ev)
			if err == nil || errors.Is(err, ErrFlushed) {
				continue
			}
			done <- err
			return
		}
	}()
	p.Flush()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
	var ev Event
	if err := p.Read(&ev); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Read after Close = %v, want ErrClosed", err)
	}
}

func TestFlushReturnsPending(t *testing.T) {
	// No wake-up before 1000 records: only Flush delivers them.
	c := startCapture(t, Options{Events: []uint32{319}, ExcludeTGIDs: []uint32{self()}, WakeupEvents: 1000})
	pid := runHelperCmd(t, "memfd", "vigil-flush")
	c.await(t, "memfd_create delivered by Flush", from(pid, 319))
}

// TestLoadUnprivileged runs Load as nobody, from a copy of the test binary
// that nobody can execute.
func TestLoadUnprivileged(t *testing.T) {
	privtest.Require(t) // to switch to nobody
	dir, err := os.MkdirTemp("", "vigil-bpf-test")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bpf.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := privtest.Command("load", "")
	cmd.Path, cmd.Args[0] = bin, bin
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.Contains(string(out), "CAP_BPF") {
		t.Errorf("the error does not say what to grant: %s", out)
	}
	t.Logf("unprivileged Load: %s", out)
}

func TestLoadWithoutBTF(t *testing.T) {
	saved := btfPath
	btfPath = filepath.Join(t.TempDir(), "no-btf")
	defer func() { btfPath = saved }()
	_, err := Load(Options{Events: []uint32{257}})
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "CONFIG_DEBUG_INFO_BTF") {
		t.Fatalf("Load without BTF = %v, want an errors.ErrUnsupported saying what is missing", err)
	}
}

func TestLoadOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no events", Options{}},
		{"unknown event", Options{Events: []uint32{99999}}},
		{"ring not a power of two", Options{Events: []uint32{2}, RingBufferBytes: 3 << 20}},
		{"ring smaller than a page", Options{Events: []uint32{2}, RingBufferBytes: 1024}},
		{"negative wake-up", Options{Events: []uint32{2}, WakeupEvents: -1}},
		{"unknown origin", Options{Events: []uint32{2}, Origin: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "unknown origin" {
				privtest.Require(t) // checked while loading
			}
			p, err := Load(tt.opts)
			if err == nil {
				p.Close()
				t.Fatal("Load succeeded")
			}
		})
	}
}
