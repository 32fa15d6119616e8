//go:build linux && (amd64 || arm64)

package bpf

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/privtest"
)

// The test binary doubles as the helper process the integration tests trace
// (see privtest.Helpers): it does one thing and exits, so that the syscall
// comes from a pid the test knows and does not exclude.
func init() { privtest.Helpers(helperActions) }

var helperActions = map[string]privtest.Action{
	"ptrace": func(string) error {
		// The tracee must be the thread group leader (a traced
		// non-leader thread stays a zombie until its tracer reaps it
		// with __WALL, while the test waits for the process as a
		// whole): Helpers runs actions on the main thread.
		// A tracee stops at each signal until its tracer, the test
		// process, which never waits for that, lets it go: block every
		// signal on this thread (the runtime preempts threads with
		// SIGURG) and exit right after.
		all := ^uint64(0)
		if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_BLOCK, uintptr(unsafe.Pointer(&all)), 0, 8, 0, 0); errno != 0 {
			return errno
		}
		if _, _, errno := unix.RawSyscall(unix.SYS_PTRACE, unix.PTRACE_TRACEME, 0, 0); errno != 0 {
			return errno
		}
		unix.Exit(0)
		return nil
	},
	"memfd": func(arg string) error {
		_, err := unix.MemfdCreate(arg, unix.MFD_CLOEXEC)
		return err
	},
	"memfd-exec": func(arg string) error {
		// run the program at arg from a memfd, as fileless malware does
		prog, err := os.ReadFile(arg)
		if err != nil {
			return err
		}
		fd, err := unix.MemfdCreate("vigil-exec", 0)
		if err != nil {
			return err
		}
		if _, err := unix.Write(fd, prog); err != nil {
			return err
		}
		return unix.Exec(fmt.Sprintf("/proc/self/fd/%d", fd), []string{"memfd-child"}, nil)
	},
	"load": func(arg string) error {
		// run unprivileged: Load must say so, in a way errors.Is sees
		p, err := Load(Options{Events: []uint32{257}})
		if err == nil {
			p.Close()
			return errors.New("Load succeeded")
		}
		if !errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("Load error does not wrap os.ErrPermission: %w", err)
		}
		fmt.Println(err)
		return nil
	},
	"openat": openat,
	"openat-repeat": func(arg string) error {
		// count:path, the opens of a noisy process
		count, path, _ := strings.Cut(arg, ":")
		n, err := strconv.Atoi(count)
		if err != nil {
			return err
		}
		for range n {
			if err := openat(path); err != nil {
				return err
			}
		}
		return nil
	},
	"openat-each": func(arg string) error {
		// count:dir, opens of count names in dir, each its own, which
		// need not exist: the openat records carry the name either way
		count, dir, _ := strings.Cut(arg, ":")
		n, err := strconv.Atoi(count)
		if err != nil {
			return err
		}
		for i := range n {
			if fd, err := unix.Openat(unix.AT_FDCWD, eachName(dir, i), unix.O_RDONLY, 0); err == nil {
				unix.Close(fd)
			}
		}
		return nil
	},
	"openat-then-memfd": func(arg string) error {
		if fd, err := unix.Openat(unix.AT_FDCWD, arg, unix.O_RDONLY, 0); err == nil {
			unix.Close(fd)
		}
		_, err := unix.MemfdCreate("vigil-after-openat", 0)
		return err
	},
	"wait-then-openat": func(arg string) error {
		// blocks until the test has loaded a filter naming this pid
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			return err
		}
		return openat(arg)
	},
	"accept": func(arg string) error {
		// the net package accepts with accept4(2)
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		fmt.Println(ln.Addr())
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		return conn.Close()
	},
	"exec-sh": func(arg string) error {
		// a program that runs a shell in its own process, as a server
		// running a command does
		return unix.Exec("/bin/sh", []string{"sh", "-c", "exit 0"}, nil)
	},
	"setresuid": func(arg string) error {
		// a call that changes nothing, then one that drops the effective
		// uid to nobody's (and with it the effective capabilities), on
		// this thread only
		runtime.LockOSThread()
		keep := ^uintptr(0) // -1: unchanged
		for _, euid := range []uintptr{keep, 65534} {
			if _, _, errno := unix.RawSyscall(unix.SYS_SETRESUID, keep, euid, keep); errno != 0 {
				return errno
			}
		}
		return nil
	},
	"derived": derivedActions,
	"exit": func(arg string) error {
		code, err := strconv.Atoi(arg)
		if err != nil {
			return err
		}
		os.Exit(code) // exit_group(2)
		return nil
	},
	"process-vm": func(arg string) error {
		// read, then write, a buffer of this process through its own pid
		src, dst := make([]byte, 16), make([]byte, 16)
		copy(src, "vigil-process-vm")
		local := []unix.Iovec{{Base: &dst[0], Len: uint64(len(dst))}}
		remote := []unix.RemoteIovec{{Base: uintptr(unsafe.Pointer(&src[0])), Len: len(src)}}
		if _, err := unix.ProcessVMReadv(os.Getpid(), local, remote, 0); err != nil {
			return fmt.Errorf("process_vm_readv: %w", err)
		}
		if _, err := unix.ProcessVMWritev(os.Getpid(), local, remote, 0); err != nil {
			return fmt.Errorf("process_vm_writev: %w", err)
		}
		runtime.KeepAlive(src)
		return nil
	},
	"connect": func(arg string) error {
		// a blocking connect(2), so that it returns 0 (the net package's
		// non-blocking one returns EINPROGRESS)
		ap, err := netip.ParseAddrPort(arg)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.Connect(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()})
	},
}

// openat opens path and closes it.
func openat(path string) error {
	fd, err := unix.Openat(unix.AT_FDCWD, path, unix.O_RDONLY, 0)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

// helper returns a command running the test binary as a helper performing
// action, its stderr the test's.
func helper(action, arg string) *exec.Cmd {
	cmd := privtest.Command(action, arg)
	cmd.Stderr = os.Stderr
	return cmd
}

// runHelperCmd runs a helper to its end and returns its pid.
func runHelperCmd(t *testing.T, action, arg string) uint32 {
	t.Helper()
	return uint32(privtest.Run(t, action, arg))
}
