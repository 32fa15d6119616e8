//go:build linux

package kerneleventsreceiver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"golang.org/x/sys/unix"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// The test binary doubles as a small program that performs one kernel
// action (see privtest.Helpers), so tests can watch a process whose pid they
// know. The actions are here and in securityActions and hardeningActions.
func init() { privtest.Helpers(captureActions, securityActions, hardeningActions) }

var captureActions = map[string]privtest.Action{
	loopAction: openatLoop,
	"traceme": func(string) error {
		if _, _, errno := unix.RawSyscall(unix.SYS_PTRACE, unix.PTRACE_TRACEME, 0, 0); errno != 0 {
			return errno
		}
		return nil
	},
	"connect": func(arg string) error {
		c, err := net.Dial("tcp4", arg)
		if err != nil {
			return err
		}
		return c.Close()
	},
	"memfd-exec": func(arg string) error {
		fd, err := unix.MemfdCreate("vigil-test", unix.MFD_CLOEXEC)
		if err != nil {
			return err
		}
		exe, err := os.ReadFile(arg)
		if err != nil {
			return err
		}
		if err := writeAll(fd, exe); err != nil {
			return err
		}
		// execveat(fd, "", AT_EMPTY_PATH) runs the memfd like fexecve(3).
		return unix.Exec(fmt.Sprintf("/proc/self/fd/%d", fd), []string{"memfd-child"}, os.Environ())
	},
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// capture starts a receiver on the real kernel with the given events.
func capture(t *testing.T, events ...string) *consumertest.LogsSink {
	t.Helper()
	return captureConfig(t, eventsConfig(events...))
}

// captureConfig starts a receiver on the real kernel with cfg.
func captureConfig(t *testing.T, cfg *Config) *consumertest.LogsSink {
	t.Helper()
	return captureWith(t, receivertest.NewNopSettings(metadata.Type), cfg)
}

// eventsConfig is the default configuration selecting events.
func eventsConfig(events ...string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Events = events
	return cfg
}

// captureWith starts a receiver on the real kernel with the receiver's
// settings (e.g. its telemetry) and cfg, flushing often.
func captureWith(t *testing.T, set receiver.Settings, cfg *Config) *consumertest.LogsSink {
	t.Helper()
	_, sink := startCapture(t, set, cfg)
	return sink
}

// startCapture is captureWith, returning the receiver as well.
func startCapture(t *testing.T, set receiver.Settings, cfg *Config) (receiver.Logs, *consumertest.LogsSink) {
	t.Helper()
	privtest.Require(t)
	cfg.FlushInterval = 20 * time.Millisecond
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return rcv, sink
}

// waitFor polls the sink until a record satisfies match.
func waitFor(t *testing.T, sink *consumertest.LogsSink, what string, match func(record) bool) record {
	t.Helper()
	var found record
	ok := assert.Eventually(t, func() bool {
		for _, r := range collected(sink) {
			if match(r) {
				found = r
				return true
			}
		}
		return false
	}, waitLimit, 10*time.Millisecond, "no record: %s", what)
	if !ok {
		t.FailNow()
	}
	return found
}

func attr(r record, key string) pcommon.Value {
	v, _ := r.attrs().Get(key)
	return v
}

func arg(r record, name string) pcommon.Value { return attr(r, vigil.AttrArgPrefix+name) }

func isEventOf(r record, event string, pid int) bool {
	return r.EventName() == vigil.EventNamePrefix+event && attr(r, vigil.AttrProcessPID).Int() == int64(pid)
}

func TestCaptureOpenatByCat(t *testing.T) {
	sink := capture(t, "openat", "sched_process_exec")
	file := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	catPath, err := exec.LookPath("cat")
	require.NoError(t, err)
	catPath, err = filepath.EvalSymlinks(catPath)
	require.NoError(t, err)

	cmd := exec.Command(catPath, file)
	started := time.Now()
	require.NoError(t, cmd.Run())
	pid := cmd.Process.Pid

	rec := waitFor(t, sink, "openat of the file by cat", func(r record) bool {
		return isEventOf(r, "openat", pid) && arg(r, "pathname").Str() == file
	})
	assert.Equal(t, "O_RDONLY", arg(rec, "flags").Str())
	assert.Equal(t, int64(unix.AT_FDCWD), arg(rec, "dirfd").Int())
	assert.GreaterOrEqual(t, attr(rec, vigil.AttrReturnValue).Int(), int64(3), "a successful open returns an fd")
	assert.Equal(t, "openat", attr(rec, vigil.AttrSyscall).Str())
	assert.Equal(t, "cat", attr(rec, vigil.AttrExecutableName).Str())
	assert.Equal(t, catPath, attr(rec, vigil.AttrExecutablePath).Str(), "executable path from the process tree")
	assert.Equal(t, []any{catPath, file}, attr(rec, vigil.AttrCommandArgs).Slice().AsRaw())
	assert.Equal(t, int64(os.Getpid()), attr(rec, vigil.AttrProcessParentPID).Int())
	assert.Equal(t, vigil.OriginHost, attr(rec, vigil.AttrOrigin).Str())
	// the process is described by the record's resource, the thread by the record
	pidOnResource, _ := rec.resource.Attributes().Get(vigil.AttrProcessPID)
	assert.Equal(t, int64(pid), pidOnResource.Int())
	_, pidOnRecord := rec.Attributes().Get(vigil.AttrProcessPID)
	assert.False(t, pidOnRecord, "process.pid repeated on the record")
	tid, _ := rec.Attributes().Get(vigil.AttrThreadID)
	assert.Equal(t, int64(pid), tid.Int(), "a single-threaded cat's tid is its pid")
	// in ns since the epoch, as Tracee's (the boot-clock offset is measured
	// once, to within microseconds)
	threadStart := time.Unix(0, attr(rec, vigil.AttrThreadStartTime).Int())
	assert.WithinRange(t, threadStart, started.Add(-time.Second), time.Now(), "thread start time")
	assert.Equal(t, fmt.Sprintf("openat %s O_RDONLY = %d", file, attr(rec, vigil.AttrReturnValue).Int()), rec.Body().Str())

	exe := waitFor(t, sink, "exec of cat", func(r record) bool { return isEventOf(r, "sched_process_exec", pid) })
	assert.Equal(t, []any{catPath, file}, arg(exe, "argv").Slice().AsRaw())
	assert.Equal(t, catPath, arg(exe, "cmdpath").Str())
}

func TestCaptureExcludesSelfAndUnselected(t *testing.T) {
	sink := capture(t, "openat")
	// The test process itself opens a file: exclude_self hides it.
	f, err := os.Open("/etc/hostname")
	require.NoError(t, err)
	f.Close()
	// A child opens one too; its record proves the pipeline is flowing, so
	// the absence of our own is meaningful.
	cmd := exec.Command("cat", "/etc/hostname")
	require.NoError(t, cmd.Run())
	waitFor(t, sink, "child openat", func(r record) bool { return isEventOf(r, "openat", cmd.Process.Pid) })
	for _, r := range collected(sink) {
		assert.NotEqual(t, int64(os.Getpid()), attr(r, vigil.AttrProcessPID).Int(), "the collector traced itself: %s", r.Body().Str())
		assert.Equal(t, "kernel.openat", r.EventName(), "only selected events become records")
	}
}

func TestCapturePtraceTraceme(t *testing.T) {
	sink := capture(t, "ptrace")
	pid := privtest.Run(t, "traceme", "")
	rec := waitFor(t, sink, "ptrace TRACEME", func(r record) bool { return isEventOf(r, "ptrace", pid) })
	assert.Equal(t, "PTRACE_TRACEME", arg(rec, "request").Str())
	assert.Equal(t, int64(0), attr(rec, vigil.AttrReturnValue).Int())
	assert.Equal(t, "ptrace PTRACE_TRACEME = 0", rec.Body().Str())
}

func TestCaptureConnect(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port

	sink := capture(t, "connect", "socket")
	pid := privtest.Run(t, "connect", ln.Addr().String())
	rec := waitFor(t, sink, "connect to the listener", func(r record) bool {
		return isEventOf(r, "connect", pid) && arg(r, "addr").Type() == pcommon.ValueTypeMap &&
			arg(r, "addr").Map().AsRaw()["sin_port"] == strconv.Itoa(port)
	})
	assert.Equal(t, map[string]any{"sa_family": "AF_INET", "sin_addr": "127.0.0.1", "sin_port": strconv.Itoa(port)}, arg(rec, "addr").Map().AsRaw())
	sock := waitFor(t, sink, "socket()", func(r record) bool { return isEventOf(r, "socket", pid) && arg(r, "domain").Str() == "AF_INET" })
	assert.Contains(t, arg(sock, "type").Str(), "SOCK_STREAM")
}

func TestCaptureMemfdExec(t *testing.T) {
	sink := capture(t, "memfd_create", "sched_process_exec", "execve")
	truePath, err := exec.LookPath("true")
	require.NoError(t, err)
	pid := privtest.Run(t, "memfd-exec", truePath)

	mf := waitFor(t, sink, "memfd_create", func(r record) bool { return isEventOf(r, "memfd_create", pid) })
	assert.Equal(t, "vigil-test", arg(mf, "name").Str())
	assert.Equal(t, "MFD_CLOEXEC", arg(mf, "flags").Str())
	fd := attr(mf, vigil.AttrReturnValue).Int()
	require.GreaterOrEqual(t, fd, int64(3))

	ex := waitFor(t, sink, "exec of the memfd", func(r record) bool {
		return isEventOf(r, "sched_process_exec", pid) && arg(r, "cmdpath").Str() == fmt.Sprintf("/proc/self/fd/%d", fd)
	})
	assert.Equal(t, []any{"memfd-child"}, arg(ex, "argv").Slice().AsRaw())
	assert.True(t, strings.HasPrefix(arg(ex, "pathname").Str(), "memfd:vigil-test"), "a memfd is named bare, as Tracee names it: %q", arg(ex, "pathname").Str())
}

func TestCaptureForkExitChain(t *testing.T) {
	sink := capture(t, "sched_process_fork", "sched_process_exit")
	cmd := exec.Command("sh", "-c", "sh -c 'exit 3'; exit 0")
	require.NoError(t, cmd.Run())
	shell := cmd.Process.Pid

	fork := waitFor(t, sink, "fork by the outer shell", func(r record) bool { return isEventOf(r, "sched_process_fork", shell) })
	child := int(arg(fork, "child_pid").Int())
	assert.NotEqual(t, shell, child)
	assert.Equal(t, int64(shell), arg(fork, "parent_pid").Int())

	exit := waitFor(t, sink, "exit of the inner shell", func(r record) bool { return isEventOf(r, "sched_process_exit", child) })
	assert.Equal(t, int64(3<<8), arg(exit, "exit_code").Int(), "exit code as the kernel keeps it (status << 8)")
	assert.Equal(t, int64(shell), attr(exit, vigil.AttrProcessParentPID).Int())
}
