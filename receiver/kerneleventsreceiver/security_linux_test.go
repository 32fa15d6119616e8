//go:build linux

package kerneleventsreceiver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"golang.org/x/sys/unix"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// securityActions are more actions of the test helper (see privtest.Helpers); each
// takes the last command line argument.
var securityActions = map[string]privtest.Action{
	// listen on a loopback port (socket, setsockopt, bind, listen) and
	// print it
	"listen": func(string) error {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		return ln.Close()
	},
	// drop the effective uid to nobody's, on this thread only
	"drop-euid": func(string) error {
		runtime.LockOSThread()
		keep := ^uintptr(0) // -1: unchanged
		if _, _, errno := unix.RawSyscall(unix.SYS_SETRESUID, keep, 65534, keep); errno != 0 {
			return errno
		}
		return nil
	},
	// a program that runs a shell command in its own process, as a web
	// server's handler may
	"exec-sh": func(string) error {
		return unix.Exec("/bin/sh", []string{"sh", "-c", "exit 0"}, nil)
	},
	// openat(dirfd of arg, "sub/file")
	"openat-dirfd": func(dir string) error {
		dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			return err
		}
		fd, err := unix.Openat(dfd, "sub/file", unix.O_RDONLY, 0)
		if err != nil {
			return err
		}
		return unix.Close(fd)
	},
	// openat2(dirfd of arg, "sub/file")
	"openat2-dirfd": func(dir string) error {
		dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			return err
		}
		fd, err := unix.Openat2(dfd, "sub/file", &unix.OpenHow{Flags: unix.O_RDONLY})
		if err != nil {
			return err
		}
		return unix.Close(fd)
	},
	// open(arg, O_WRONLY|O_APPEND): the open syscall itself, which Go's
	// unix.Open does not use
	"open-append": func(path string) error {
		p, err := unix.BytePtrFromString(path)
		if err != nil {
			return err
		}
		fd, _, errno := unix.Syscall(sysOpen, uintptr(unsafe.Pointer(p)), unix.O_WRONLY|unix.O_APPEND, 0)
		if errno != 0 {
			return errno
		}
		return unix.Close(int(fd))
	},
	// in a new mount namespace, bind arg/src over arg/dst and open
	// arg/dst/file
	"bind-open": func(dir string) error {
		// the mount namespace belongs to this thread only
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return err
		}
		// keep the bind mount out of the host's namespace
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return err
		}
		if err := unix.Mount(filepath.Join(dir, "src"), filepath.Join(dir, "dst"), "", unix.MS_BIND, ""); err != nil {
			return err
		}
		fd, err := unix.Open(filepath.Join(dir, "dst", "file"), unix.O_RDONLY, 0)
		if err != nil {
			return err
		}
		return unix.Close(fd)
	},
	// net.Dial("network", "address") from arg "network address"
	"dial": func(arg string) error {
		network, address, _ := strings.Cut(arg, " ")
		c, err := net.Dial(network, address)
		if err != nil {
			return err
		}
		return c.Close()
	},
	// in a new mount namespace, mount a tmpfs on arg, named relative to
	// the cwd
	"mount-tmpfs": func(dir string) error {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return err
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return err
		}
		if err := unix.Chdir(filepath.Dir(dir)); err != nil {
			return err
		}
		return unix.Mount("vigil-tmpfs", filepath.Base(dir), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m")
	},
	// finit_module on the file arg, which is no module: the kernel reads
	// it and refuses it
	"finit-module": func(path string) error {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if err := unix.FinitModule(fd, "", 0); err != unix.ENOEXEC {
			return fmt.Errorf("finit_module of a non-module: %v, want ENOEXEC", err)
		}
		return nil
	},
	// in directory arg (holding files a, x and p, and directories sub and
	// d): rename(2) relative to the cwd, renameat(2) relative to a dirfd
	// with a ".." in the new name, renameat2(2) with absolute names
	"renames": func(dir string) error {
		if err := unix.Chdir(dir); err != nil {
			return err
		}
		// unix.Rename is renameat(AT_FDCWD, ...) on amd64: call rename
		oldp, _ := unix.BytePtrFromString("a")
		newp, _ := unix.BytePtrFromString("sub/b")
		if _, _, errno := unix.Syscall(sysRename, uintptr(unsafe.Pointer(oldp)), uintptr(unsafe.Pointer(newp)), 0); errno != 0 {
			return errno
		}
		dfd, err := unix.Open(filepath.Join(dir, "d"), unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			return err
		}
		defer unix.Close(dfd)
		if err := unix.Renameat(dfd, "../x", dfd, "y"); err != nil {
			return err
		}
		return unix.Renameat2(unix.AT_FDCWD, filepath.Join(dir, "p"), unix.AT_FDCWD, filepath.Join(dir, "q"), unix.RENAME_NOREPLACE)
	},
	// in directory arg: write an ELF header to "elf" (then more after it),
	// pwrite64 at offset 0 of "pw", writev to "wv", pwrite64 at offset 5
	// of "late", and write to a pipe
	"writes": func(dir string) error {
		create := func(name string) (int, error) {
			return unix.Open(filepath.Join(dir, name), unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
		}
		fd, err := create("elf")
		if err != nil {
			return err
		}
		if _, err := unix.Write(fd, elfHeader); err != nil {
			return err
		}
		if _, err := unix.Write(fd, []byte("not at offset 0")); err != nil {
			return err
		}
		unix.Close(fd)
		if fd, err = create("pw"); err != nil {
			return err
		}
		if _, err := unix.Pwrite(fd, []byte("#!/bin/sh\necho pwned\n"), 0); err != nil {
			return err
		}
		unix.Close(fd)
		if fd, err = create("wv"); err != nil {
			return err
		}
		if _, err := unix.Writev(fd, [][]byte{[]byte("abc"), []byte("defghijklmnopqrstuvwxyz")}); err != nil {
			return err
		}
		unix.Close(fd)
		if fd, err = create("late"); err != nil {
			return err
		}
		if _, err := unix.Pwrite(fd, []byte("later"), 5); err != nil {
			return err
		}
		unix.Close(fd)
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			return err
		}
		_, err = unix.Write(p[1], elfHeader)
		return err
	},
	// map and re-protect memory, printing "name address" for each range:
	// anonymous W+X ("wx"), anonymous RW made RX ("w2x"), the file arg
	// mapped W+X ("filewx") and RW made RX ("filew2x"), and RX made RX
	// again ("x2x", no alert)
	"mprotects": func(path string) error {
		const rw, rx, rwx = unix.PROT_READ | unix.PROT_WRITE, unix.PROT_READ | unix.PROT_EXEC, unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC
		fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		steps := []struct {
			name        string
			fd          int
			prot, after int
		}{
			{"wx", -1, rwx, -1}, {"w2x", -1, rw, rx}, {"filewx", fd, rwx, -1}, {"filew2x", fd, rw, rx}, {"x2x", -1, rx, rx},
		}
		for _, st := range steps {
			flags := unix.MAP_PRIVATE
			if st.fd < 0 {
				flags |= unix.MAP_ANONYMOUS
			}
			b, err := unix.Mmap(st.fd, 0, 4096, st.prot, flags)
			if err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
			fmt.Printf("%s %d\n", st.name, uintptr(unsafe.Pointer(&b[0])))
			if st.after >= 0 {
				if err := unix.Mprotect(b, st.after); err != nil {
					return fmt.Errorf("%s: %w", st.name, err)
				}
			}
		}
		return nil
	},
	// connect to arg "network address" and make the socket stdout with
	// dup2 (tcp) or stderr with dup3 (unix)
	"dup-socket": func(arg string) error {
		network, address, _ := strings.Cut(arg, " ")
		c, err := net.Dial(network, address)
		if err != nil {
			return err
		}
		f, err := c.(interface{ File() (*os.File, error) }).File()
		if err != nil {
			return err
		}
		nr, newfd := sysDup2, uintptr(1)
		if network == "unix" {
			nr, newfd = unix.SYS_DUP3, 2
		}
		if _, _, errno := unix.Syscall(nr, f.Fd(), newfd, 0); errno != 0 {
			return errno
		}
		return nil
	},
	// create the cgroup directory arg, print its inode number, remove it
	"cgroup-mkdir": func(dir string) error {
		if err := unix.Mkdir(dir, 0o755); err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Stat(dir, &st); err != nil {
			return err
		}
		fmt.Println(st.Ino)
		return unix.Rmdir(dir)
	},
	// open arg, unlink it, and open it again through /proc/self/fd
	"open-deleted": func(path string) error {
		fd, err := unix.Open(path, unix.O_RDONLY, 0)
		if err != nil {
			return err
		}
		if err := unix.Unlink(path); err != nil {
			return err
		}
		fd2, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", fd), unix.O_RDONLY, 0)
		if err != nil {
			return err
		}
		unix.Close(fd2)
		return unix.Close(fd)
	},
}

// realTempDir is t.TempDir() with symlinks resolved: the kernel reports
// resolved paths.
func realTempDir(t *testing.T) string {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	return dir
}

func writeFile(t *testing.T, path string) {
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o644))
}

// assertInodeArgs checks dev, inode and (when present) ctime against stat.
// dev is the superblock's dev_t as the kernel keeps it (major << 20 |
// minor), which is what Tracee reports, not stat's encoding.
func assertInodeArgs(t *testing.T, rec record, st *unix.Stat_t) {
	t.Helper()
	assert.Equal(t, int64(unix.Major(st.Dev)<<20|unix.Minor(st.Dev)), arg(rec, "dev").Int(), "dev")
	assert.Equal(t, int64(st.Ino), arg(rec, "inode").Int(), "inode")
	if v, ok := rec.Attributes().Get(vigil.AttrArgPrefix + "ctime"); ok {
		assert.Equal(t, st.Ctim.Nano(), v.Int(), "ctime")
	}
}

func stat(t *testing.T, path string) *unix.Stat_t {
	var st unix.Stat_t
	require.NoError(t, unix.Stat(path, &st))
	return &st
}

func fileOpenOf(sink *consumertest.LogsSink, pid int, syscallPath string) func(record) bool {
	return func(r record) bool {
		return isEventOf(r, "security_file_open", pid) && arg(r, "syscall_pathname").Str() == syscallPath
	}
}

func TestSecurityFileOpen(t *testing.T) {
	sink := capture(t, "security_file_open")
	dir := realTempDir(t)
	file := filepath.Join(dir, "sub", "file")
	writeFile(t, file)
	st := stat(t, file)

	t.Run("dirfd", func(t *testing.T) {
		pid := privtest.Run(t, "openat-dirfd", dir)
		rec := waitFor(t, sink, "open of sub/file", fileOpenOf(sink, pid, "sub/file"))
		assert.Equal(t, file, arg(rec, "pathname").Str(), "resolved from the dirfd")
		// the kernel adds O_LARGEFILE to every 64-bit open
		assert.Equal(t, "O_RDONLY|O_LARGEFILE", arg(rec, "flags").Str())
		assertInodeArgs(t, rec, st)
		assert.Equal(t, "openat", attr(rec, vigil.AttrSyscall).Str())
		assert.Equal(t, int64(catalog.IDSecurityFileOpen), attr(rec, vigil.AttrEventID).Int())
	})

	t.Run("openat2", func(t *testing.T) {
		pid := privtest.Run(t, "openat2-dirfd", dir)
		rec := waitFor(t, sink, "openat2 of sub/file", fileOpenOf(sink, pid, "sub/file"))
		assert.Equal(t, file, arg(rec, "pathname").Str())
		assert.Equal(t, "openat2", attr(rec, vigil.AttrSyscall).Str())
	})

	t.Run("symlink", func(t *testing.T) {
		link := filepath.Join(dir, "link")
		require.NoError(t, os.Symlink(file, link))
		pid := privtest.Run(t, "open-append", link)
		rec := waitFor(t, sink, "open through the symlink", fileOpenOf(sink, pid, link))
		assert.Equal(t, file, arg(rec, "pathname").Str(), "the symlink's target")
		assert.Equal(t, "O_WRONLY|O_APPEND|O_LARGEFILE", arg(rec, "flags").Str())
		assertInodeArgs(t, rec, st)
		assert.Equal(t, "open", attr(rec, vigil.AttrSyscall).Str())
	})

	t.Run("bind mount", func(t *testing.T) {
		src := filepath.Join(dir, "bind", "src", "file")
		writeFile(t, src)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "bind", "dst"), 0o755))
		pid := privtest.Run(t, "bind-open", filepath.Join(dir, "bind"))
		dst := filepath.Join(dir, "bind", "dst", "file")
		rec := waitFor(t, sink, "open under the bind mount", fileOpenOf(sink, pid, dst))
		assert.Equal(t, dst, arg(rec, "pathname").Str(), "the path in the opener's mount namespace")
		assertInodeArgs(t, rec, stat(t, src))
	})

	t.Run("deeper than the walk", func(t *testing.T) {
		// 50 components below dir: more than the 40 the walk follows
		comps := make([]string, 50)
		for i := range comps {
			comps[i] = fmt.Sprintf("d%02d", i)
		}
		deep := filepath.Join(append([]string{dir}, comps...)...)
		writeFile(t, filepath.Join(deep, "sub", "file"))
		pid := privtest.Run(t, "openat-dirfd", deep)
		rec := waitFor(t, sink, "open of the deep file", fileOpenOf(sink, pid, "sub/file"))
		all := strings.Split(filepath.Join(deep, "sub", "file"), "/")
		want := "..." + "/" + strings.Join(all[len(all)-40:], "/")
		assert.Equal(t, want, arg(rec, "pathname").Str(), "the last 40 components after the cut marker")
	})

	t.Run("deleted after open", func(t *testing.T) {
		gone := filepath.Join(dir, "gone")
		writeFile(t, gone)
		pid := privtest.Run(t, "open-deleted", gone)
		first := waitFor(t, sink, "first open", fileOpenOf(sink, pid, gone))
		assert.Equal(t, gone, arg(first, "pathname").Str())
		again := waitFor(t, sink, "open of the unlinked file through /proc", func(r record) bool {
			return isEventOf(r, "security_file_open", pid) && strings.HasPrefix(arg(r, "syscall_pathname").Str(), "/proc/self/fd/")
		})
		assert.Equal(t, gone+" (deleted)", arg(again, "pathname").Str(), "as /proc shows an unlinked file")
	})

	// only security_file_open was selected: the open syscalls ran their
	// exit handling without records of their own
	for _, r := range collected(sink) {
		assert.Equal(t, "kernel.security_file_open", r.EventName())
	}
}

// TestSecurityFileOpenWithOpenat selects openat too: each call then makes
// both records, the derived one from the arguments saved for the other.
func TestSecurityFileOpenWithOpenat(t *testing.T) {
	sink := capture(t, "openat", "security_file_open")
	dir := realTempDir(t)
	file := filepath.Join(dir, "sub", "file")
	writeFile(t, file)
	pid := privtest.Run(t, "openat-dirfd", dir)
	rec := waitFor(t, sink, "security_file_open of sub/file", fileOpenOf(sink, pid, "sub/file"))
	assert.Equal(t, file, arg(rec, "pathname").Str())
	open := waitFor(t, sink, "openat of sub/file", func(r record) bool {
		return isEventOf(r, "openat", pid) && arg(r, "pathname").Str() == "sub/file"
	})
	assert.Equal(t, "O_RDONLY", arg(open, "flags").Str())
	assert.GreaterOrEqual(t, attr(open, vigil.AttrReturnValue).Int(), int64(3))
}

func TestSecurityBprmCheck(t *testing.T) {
	sink := capture(t, "security_bprm_check")
	truePath, err := exec.LookPath("true")
	require.NoError(t, err)
	realTrue, err := filepath.EvalSymlinks(truePath)
	require.NoError(t, err)
	// run it through a symlink: the event names the file the kernel runs
	link := filepath.Join(realTempDir(t), "run-me")
	require.NoError(t, os.Symlink(realTrue, link))

	cmd := exec.Command(link, "one", "two")
	require.NoError(t, cmd.Run())
	pid := cmd.Process.Pid

	rec := waitFor(t, sink, "exec of true", func(r record) bool { return isEventOf(r, "security_bprm_check", pid) })
	assert.Equal(t, realTrue, arg(rec, "pathname").Str())
	assert.Equal(t, []any{link, "one", "two"}, arg(rec, "argv").Slice().AsRaw())
	assertInodeArgs(t, rec, stat(t, realTrue))
	_, hasEnv := rec.Attributes().Get(vigil.AttrArgPrefix + "envp")
	assert.False(t, hasEnv, "envp is sent only when the environment is captured")
	assert.Equal(t, int64(catalog.IDSecurityBprmCheck), attr(rec, vigil.AttrEventID).Int())
	for _, r := range collected(sink) {
		assert.Equal(t, "kernel.security_bprm_check", r.EventName(), "sched_process_exec was not selected")
	}
}

// TestSecurityBprmCheckCaller checks that security_bprm_check describes the
// process that called exec (comm, executable path, argv), as Tracee's hook
// does, while its arguments name the new program: a program that runs
// /bin/sh is reported as itself, which "web server spawned a shell" needs.
func TestSecurityBprmCheckCaller(t *testing.T) {
	sink := capture(t, "security_bprm_check", "sched_process_exec")
	sh, err := filepath.EvalSymlinks("/bin/sh")
	require.NoError(t, err)
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := privtest.Command("exec-sh", "caller-arg")
	require.NoError(t, cmd.Run())
	pid := cmd.Process.Pid

	rec := waitFor(t, sink, "security_bprm_check of sh", func(r record) bool {
		return isEventOf(r, "security_bprm_check", pid) && arg(r, "pathname").Str() == sh
	})
	comm := filepath.Base(self)
	if len(comm) > 15 {
		comm = comm[:15]
	}
	assert.Equal(t, comm, attr(rec, vigil.AttrExecutableName).Str(), "the caller's comm")
	assert.Equal(t, self, attr(rec, vigil.AttrExecutablePath).Str(), "the caller's executable")
	assert.Equal(t, []any{os.Args[0], "-test.run=^$", "caller-arg"}, attr(rec, vigil.AttrCommandArgs).Slice().AsRaw(), "the caller's argv")
	assert.Equal(t, []any{"sh", "-c", "exit 0"}, arg(rec, "argv").Slice().AsRaw(), "the new program's argv")

	exec := waitFor(t, sink, "sched_process_exec of sh", func(r record) bool {
		return isEventOf(r, "sched_process_exec", pid) && arg(r, "pathname").Str() == sh
	})
	assert.Equal(t, "sh", attr(exec, vigil.AttrExecutableName).Str())
}

// TestSecuritySocketListen checks the socket events of a listener as the
// receiver shows them: parsed family and type, addresses as sockaddr maps.
func TestSecuritySocketListen(t *testing.T) {
	sink := capture(t, "security_socket_create", "security_socket_bind", "security_socket_listen")
	pid, out := privtest.Output(t, privtest.Command("listen", ""))
	port := strings.TrimSpace(out)
	want := map[string]any{"sa_family": "AF_INET", "sin_addr": "127.0.0.1", "sin_port": port}

	// the net package first probes IPv6 with sockets of its own
	create := waitFor(t, sink, "security_socket_create of AF_INET", func(r record) bool {
		return isEventOf(r, "security_socket_create", pid) && arg(r, "family").Str() == "AF_INET"
	})
	assert.Contains(t, arg(create, "type").Str(), "SOCK_STREAM")
	bind := waitFor(t, sink, "security_socket_bind of 127.0.0.1", func(r record) bool {
		return isEventOf(r, "security_socket_bind", pid) && arg(r, "local_addr").Map().AsRaw()["sin_addr"] == "127.0.0.1"
	})
	// bind shows the address as asked for, port 0; listen the one bound
	assert.Equal(t, map[string]any{"sa_family": "AF_INET", "sin_addr": "127.0.0.1", "sin_port": "0"}, arg(bind, "local_addr").Map().AsRaw())
	listen := waitFor(t, sink, "security_socket_listen", func(r record) bool { return isEventOf(r, "security_socket_listen", pid) })
	assert.Equal(t, want, arg(listen, "local_addr").Map().AsRaw())
	assert.Equal(t, arg(bind, "sockfd").Int(), arg(listen, "sockfd").Int())
}

// TestCommitCreds checks that commit_creds shows the credentials before and
// after as Tracee's SlimCred maps.
func TestCommitCreds(t *testing.T) {
	sink := capture(t, "commit_creds")
	pid := privtest.Run(t, "drop-euid", "")
	rec := waitFor(t, sink, "commit_creds of setresuid", func(r record) bool { return isEventOf(r, "commit_creds", pid) })
	old, now := arg(rec, "old_cred").Map().AsRaw(), arg(rec, "new_cred").Map().AsRaw()
	assert.Equal(t, int64(0), old["Euid"])
	assert.Equal(t, int64(65534), now["Euid"])
	assert.Equal(t, int64(0), now["Uid"])
	assert.NotEqual(t, int64(0), old["CapEffective"])
	assert.Equal(t, int64(0), now["CapEffective"])
	assert.Len(t, now, 15)
}

func TestSecurityBprmCheckEnv(t *testing.T) {
	privtest.Require(t)
	cfg := createDefaultConfig().(*Config)
	cfg.Events = []string{"security_bprm_check"}
	cfg.Capture.Env = true
	cfg.FlushInterval = 20 * time.Millisecond
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })

	cmd := exec.Command("true")
	cmd.Env = []string{"VIGIL_BPRM_TEST=1", "PATH=/usr/bin:/bin"}
	require.NoError(t, cmd.Run())
	rec := waitFor(t, sink, "exec of true", func(r record) bool { return isEventOf(r, "security_bprm_check", cmd.Process.Pid) })
	assert.Equal(t, []any{"VIGIL_BPRM_TEST=1", "PATH=/usr/bin:/bin"}, arg(rec, "envp").Slice().AsRaw())
}

func TestSecuritySocketConnect(t *testing.T) {
	sink := capture(t, "security_socket_connect")
	accept := func(ln net.Listener) {
		go func() {
			if c, err := ln.Accept(); err == nil {
				c.Close()
			}
		}()
	}
	tests := []struct {
		network, addr string
		sockType      string
		want          func(ln net.Listener) map[string]any
	}{
		{"tcp4", "127.0.0.1:0", "SOCK_STREAM", func(ln net.Listener) map[string]any {
			return map[string]any{"sa_family": "AF_INET", "sin_addr": "127.0.0.1", "sin_port": strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}
		}},
		{"tcp6", "[::1]:0", "SOCK_STREAM", func(ln net.Listener) map[string]any {
			return map[string]any{"sa_family": "AF_INET6", "sin6_addr": "::1", "sin6_port": strconv.Itoa(ln.Addr().(*net.TCPAddr).Port),
				"sin6_flowinfo": "0", "sin6_scopeid": "0"}
		}},
		{"unix", filepath.Join(realTempDir(t), "sock"), "SOCK_STREAM", func(ln net.Listener) map[string]any {
			return map[string]any{"sa_family": "AF_UNIX", "sun_path": ln.Addr().String()}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			ln, err := net.Listen(tt.network, tt.addr)
			if err != nil && tt.network == "tcp6" {
				t.Skip("no IPv6 loopback:", err)
			}
			require.NoError(t, err)
			defer ln.Close()
			accept(ln)
			pid := privtest.Run(t, "dial", tt.network+" "+ln.Addr().String())
			rec := waitFor(t, sink, "connect to the listener", func(r record) bool { return isEventOf(r, "security_socket_connect", pid) })
			assert.Equal(t, tt.want(ln), arg(rec, "remote_addr").Map().AsRaw())
			assert.Equal(t, tt.sockType, arg(rec, "type").Str())
			assert.GreaterOrEqual(t, arg(rec, "sockfd").Int(), int64(3))
			assert.Equal(t, "connect", attr(rec, vigil.AttrSyscall).Str())
		})
	}
}

func TestSecuritySbMount(t *testing.T) {
	sink := capture(t, "security_sb_mount")
	dir := realTempDir(t)
	pid := privtest.Run(t, "mount-tmpfs", dir)
	rec := waitFor(t, sink, "the tmpfs mount", func(r record) bool {
		return isEventOf(r, "security_sb_mount", pid) && arg(r, "type").Str() == "tmpfs"
	})
	assert.Equal(t, "vigil-tmpfs", arg(rec, "dev_name").Str())
	assert.Equal(t, dir, arg(rec, "path").Str(), "made absolute against the cwd")
	assert.Equal(t, int64(unix.MS_NOSUID|unix.MS_NODEV), arg(rec, "flags").Int())
	assert.Equal(t, "mount", attr(rec, vigil.AttrSyscall).Str())

	// a bind mount takes no type
	bind := filepath.Join(dir, "bind")
	require.NoError(t, os.MkdirAll(filepath.Join(bind, "src"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(bind, "dst"), 0o755))
	writeFile(t, filepath.Join(bind, "src", "file"))
	pid = privtest.Run(t, "bind-open", bind)
	rec = waitFor(t, sink, "the bind mount", func(r record) bool {
		return isEventOf(r, "security_sb_mount", pid) && arg(r, "flags").Int() == unix.MS_BIND
	})
	assert.Equal(t, filepath.Join(bind, "src"), arg(rec, "dev_name").Str())
	assert.Equal(t, filepath.Join(bind, "dst"), arg(rec, "path").Str())
	assert.Equal(t, "", arg(rec, "type").Str())
	// and making / private before it was one too
	waitFor(t, sink, "mount --make-rprivate /", func(r record) bool {
		return isEventOf(r, "security_sb_mount", pid) && arg(r, "path").Str() == "/" &&
			arg(r, "flags").Int() == unix.MS_REC|unix.MS_PRIVATE
	})
}

func TestSecurityKernelReadFile(t *testing.T) {
	sink := capture(t, "security_kernel_read_file")
	if err := unix.FinitModule(-1, "", 0); err == unix.ENOSYS {
		t.Skip("this kernel has no module support (finit_module: ENOSYS), so it never reads a module's file")
	}
	file := filepath.Join(realTempDir(t), "not-a-module.ko")
	writeFile(t, file)
	pid := privtest.Run(t, "finit-module", file)
	rec := waitFor(t, sink, "finit_module of the file", func(r record) bool { return isEventOf(r, "security_kernel_read_file", pid) })
	assert.Equal(t, file, arg(rec, "pathname").Str())
	assert.Equal(t, "kernel-module", arg(rec, "type").Str())
	assertInodeArgs(t, rec, stat(t, file))
	assert.Equal(t, "finit_module", attr(rec, vigil.AttrSyscall).Str())
}

func TestSecurityInodeRename(t *testing.T) {
	sink := capture(t, "security_inode_rename")
	dir := realTempDir(t)
	for _, f := range []string{"a", "x", "p", "d/keep", "sub/keep"} {
		writeFile(t, filepath.Join(dir, f))
	}
	pid := privtest.Run(t, "renames", dir)
	renameOf := func(syscall string) record {
		return waitFor(t, sink, syscall, func(r record) bool {
			return isEventOf(r, "security_inode_rename", pid) && attr(r, vigil.AttrSyscall).Str() == syscall
		})
	}
	rec := renameOf("rename")
	assert.Equal(t, dir+"/a", arg(rec, "old_path").Str(), "relative to the cwd")
	assert.Equal(t, dir+"/sub/b", arg(rec, "new_path").Str())
	rec = renameOf("renameat")
	assert.Equal(t, dir+"/d/../x", arg(rec, "old_path").Str(), "relative to the dirfd, \"..\" kept as written")
	assert.Equal(t, dir+"/d/y", arg(rec, "new_path").Str())
	rec = renameOf("renameat2")
	assert.Equal(t, dir+"/p", arg(rec, "old_path").Str(), "absolute names as given")
	assert.Equal(t, dir+"/q", arg(rec, "new_path").Str())
}

// elfHeader is the start of a 64-bit little-endian ELF executable.
var elfHeader = []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0, 0x40}

func TestMagicWrite(t *testing.T) {
	sink := capture(t, "magic_write")
	dir := realTempDir(t)
	pid := privtest.Run(t, "writes", dir)
	writeTo := func(name string) record {
		return waitFor(t, sink, "magic_write of "+name, func(r record) bool {
			return isEventOf(r, "magic_write", pid) && arg(r, "pathname").Str() == filepath.Join(dir, name)
		})
	}
	// (kernel.syscall stays unset: the receiver names syscalls from the
	// catalog, which does not list write, pwrite64 and writev)
	rec := writeTo("elf")
	assert.Equal(t, elfHeader[:20], arg(rec, "bytes").Bytes().AsRaw(), "the first 20 bytes")
	assertInodeArgs(t, rec, stat(t, filepath.Join(dir, "elf")))
	rec = writeTo("pw")
	assert.Equal(t, []byte("#!/bin/sh\necho pwned"), arg(rec, "bytes").Bytes().AsRaw())
	rec = writeTo("wv")
	assert.Equal(t, []byte("abc"), arg(rec, "bytes").Bytes().AsRaw(), "writev: what the first buffer holds")

	// the helper has exited, and the records of its writes came in order:
	// nothing else of it follows (not the later writes, the pwrite64 at 5,
	// or the pipe)
	var got []string
	for _, r := range collected(sink) {
		if isEventOf(r, "magic_write", pid) {
			got = append(got, filepath.Base(arg(r, "pathname").Str()))
		}
	}
	assert.Equal(t, []string{"elf", "pw", "wv"}, got)
}

func TestMemProtAlert(t *testing.T) {
	sink := capture(t, "mem_prot_alert")
	file := filepath.Join(realTempDir(t), "mapped")
	require.NoError(t, os.WriteFile(file, make([]byte, 4096), 0o644))
	pid, out := privtest.Output(t, privtest.Command("mprotects", file))
	addrs := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, addr, _ := strings.Cut(line, " ")
		n, err := strconv.ParseInt(addr, 10, 64)
		require.NoError(t, err, "helper output %q", out)
		addrs[name] = n
	}
	alertAt := func(name string) record {
		return waitFor(t, sink, "mem_prot_alert of "+name, func(r record) bool {
			return isEventOf(r, "mem_prot_alert", pid) && arg(r, "addr").Int() == addrs[name]
		})
	}
	st := stat(t, file)

	rec := alertAt("wx")
	assert.Equal(t, "Mmaped region with W+E permissions!", arg(rec, "alert").Str())
	assert.Equal(t, "PROT_READ|PROT_WRITE|PROT_EXEC", arg(rec, "prot").Str())
	assert.Equal(t, int64(4096), arg(rec, "len").Int())
	_, hasPath := rec.Attributes().Get(vigil.AttrArgPrefix + "pathname")
	assert.False(t, hasPath, "an anonymous mapping has no file")

	rec = alertAt("w2x")
	assert.Equal(t, "Protection changed from W to E!", arg(rec, "alert").Str())
	assert.Equal(t, "PROT_READ|PROT_EXEC", arg(rec, "prot").Str())
	assert.Equal(t, "PROT_READ|PROT_WRITE", arg(rec, "prev_prot").Str())
	assert.Equal(t, "mprotect", attr(rec, vigil.AttrSyscall).Str())

	rec = alertAt("filewx")
	assert.Equal(t, "Mmaped region with W+E permissions!", arg(rec, "alert").Str())
	assert.Equal(t, file, arg(rec, "pathname").Str())
	assertInodeArgs(t, rec, st)

	rec = alertAt("filew2x")
	assert.Equal(t, "Protection changed from W to E!", arg(rec, "alert").Str())
	assert.Equal(t, file, arg(rec, "pathname").Str(), "the file of the mapping, found by its address")
	assertInodeArgs(t, rec, st)

	// four alerts, none for the range that was never writable
	var n int
	for _, r := range collected(sink) {
		if isEventOf(r, "mem_prot_alert", pid) {
			assert.NotEqual(t, addrs["x2x"], arg(r, "addr").Int(), "an executable range made executable again")
			n++
		}
	}
	assert.Equal(t, 4, n)
}

func TestSocketDup(t *testing.T) {
	sink := capture(t, "socket_dup")
	tests := []struct {
		network, addr, syscall string
		newfd                  int64
		want                   func(ln net.Listener) map[string]any
	}{
		{"tcp4", "127.0.0.1:0", "dup2", 1, func(ln net.Listener) map[string]any {
			return map[string]any{"sa_family": "AF_INET", "sin_addr": "127.0.0.1", "sin_port": strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}
		}},
		{"unix", filepath.Join(realTempDir(t), "sock"), "dup3", 2, func(ln net.Listener) map[string]any {
			return map[string]any{"sa_family": "AF_UNIX", "sun_path": ln.Addr().String()}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			ln, err := net.Listen(tt.network, tt.addr)
			require.NoError(t, err)
			defer ln.Close()
			go func() {
				if c, err := ln.Accept(); err == nil {
					c.Close()
				}
			}()
			pid := privtest.Run(t, "dup-socket", tt.network+" "+ln.Addr().String())
			rec := waitFor(t, sink, "dup of the socket", func(r record) bool { return isEventOf(r, "socket_dup", pid) })
			assert.Equal(t, tt.newfd, arg(rec, "newfd").Int())
			assert.GreaterOrEqual(t, arg(rec, "oldfd").Int(), int64(3))
			assert.Equal(t, tt.want(ln), arg(rec, "remote_addr").Map().AsRaw())
			assert.Equal(t, tt.syscall, attr(rec, vigil.AttrSyscall).Str())
		})
	}
}

// cgroupHierarchy returns the hierarchy id of a cgroup v1 controller from
// /proc/cgroups, or false when it is not mounted as one.
func cgroupHierarchy(t *testing.T, controller string) (int64, bool) {
	data, err := os.ReadFile("/proc/cgroups")
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == controller {
			id, err := strconv.ParseInt(f[1], 10, 64)
			return id, err == nil && id != 0
		}
	}
	return 0, false
}

func TestCgroupMkdir(t *testing.T) {
	sink := capture(t, "cgroup_mkdir")
	name := fmt.Sprintf("vigil-test-%d", os.Getpid())
	tests := []struct {
		name, root string
		hierarchy  func(t *testing.T) (int64, bool)
	}{
		// the unified (v2) hierarchy is number 0
		{"v2", "/sys/fs/cgroup/unified", func(*testing.T) (int64, bool) { return 0, true }},
		{"v1 pids", "/sys/fs/cgroup/pids", func(t *testing.T) (int64, bool) { return cgroupHierarchy(t, "pids") }},
		{"v2 at the top", "/sys/fs/cgroup", func(*testing.T) (int64, bool) { return 0, true }},
	}
	ran := 0
	for _, tt := range tests {
		var fs unix.Statfs_t
		if err := unix.Statfs(tt.root, &fs); err != nil || (fs.Type != unix.CGROUP2_SUPER_MAGIC && fs.Type != unix.CGROUP_SUPER_MAGIC) {
			continue // not a cgroup mount on this machine
		}
		hierarchy, ok := tt.hierarchy(t)
		if !ok {
			continue
		}
		ran++
		t.Run(tt.name, func(t *testing.T) {
			pid, out := privtest.Output(t, privtest.Command("cgroup-mkdir", filepath.Join(tt.root, name)))
			ino, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
			require.NoError(t, err, "helper output %q", out)
			rec := waitFor(t, sink, "cgroup_mkdir", func(r record) bool { return isEventOf(r, "cgroup_mkdir", pid) })
			assert.Equal(t, "/"+name, arg(rec, "cgroup_path").Str())
			assert.Equal(t, ino, arg(rec, "cgroup_id").Int())
			assert.Equal(t, hierarchy, arg(rec, "hierarchy_id").Int())
		})
	}
	require.NotZero(t, ran, "no cgroup hierarchy to create a cgroup in")
}
