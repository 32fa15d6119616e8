//go:build linux

package detectionprocessor

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"golang.org/x/sys/unix"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/privtest"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver"
)

// The test binary doubles as the program that performs an action
// (privtest.Helpers), so that the detection names a process the test
// started (the collector's own process, the test's, is never traced).
// After its action a helper reads the file liveMarkerEnv names: once that
// open is seen, so is the rest.
const liveMarkerEnv = "VIGIL_LIVE_MARKER"

// liveActions are what the child does. Each acts on files, mounts and
// processes of its own: writes to the host's configuration go to a file
// mounted over it in the child's private mount namespace.
var liveActions = map[string]privtest.Action{
	"ptrace-traceme":    ptraceTraceme,
	"ptrace-poketext":   ptracePoketext,
	"proc-mem-write":    procMemWrite,
	"proc-mem-read":     procMemRead,
	"proc-mem-read-own": procMemReadOwn,
	"process-vm-writev": func(string) error { return processVM(true) },
	"process-vm-readv":  func(string) error { return processVM(false) },
	"memfd-exec":        memfdExec,
	"finit-module":      finitModule,
	"write":             func(path string) error { return os.WriteFile(path, []byte("vigil\n"), 0o644) },
	"copy-elf":          copyELF,
	"exec-as-nginx":     func(string) error { return execShellAs("nginx") },
	"exec-shell":        func(string) error { return execShellAs("") },
	"write-private":     writePrivate,
	"read-private":      readPrivate,
	"rename-private":    renamePrivate,
	"read":              readFile,
	"read-sched-debug":  readSchedDebug,
	"stdio-socket":      stdioSocket,
	"mprotect-wx":       mprotectWX,
	// container_net signatures
	"bpf-load":    loadBPFProgram,
	"userfaultfd": openUserfaultfd,
	// files_accounts signatures
	"unlink-private":   unlinkPrivate,
	"truncate-private": truncatePrivate,
	"symlink-devnull":  symlinkDevNull,
	"chmod-setuid":     chmodMode(0o4755),
	"chmod-755":        chmodMode(0o755),
}

// init runs the action of a helper process, then reads the marker. Helpers
// run during package initialisation, on the main thread: ptrace requests
// must come from the thread that started the tracee, and PR_SET_NAME
// renames only the thread that then execs.
func init() {
	marked := make(map[string]privtest.Action, len(liveActions))
	for name, act := range liveActions {
		marked[name] = func(arg string) error {
			if err := act(arg); err != nil {
				return err
			}
			return readFile(os.Getenv(liveMarkerEnv))
		}
	}
	privtest.Helpers(marked)
}

// tracedChild starts /bin/true traced by this thread (the child calls
// PTRACE_TRACEME before exec) and waits for its stop at exec.
func tracedChild() (*exec.Cmd, error) {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(cmd.Process.Pid, &ws, 0, nil); err != nil {
		return nil, err
	}
	if !ws.Stopped() {
		return nil, fmt.Errorf("traced child: status %v, want stopped", ws)
	}
	return cmd, nil
}

// reap kills and waits for a child started by this thread.
func reap(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	var ws syscall.WaitStatus
	_, _ = syscall.Wait4(cmd.Process.Pid, &ws, 0, nil)
}

// ptraceTraceme makes a child call PTRACE_TRACEME and prints its pid: it is
// the process the detection names.
func ptraceTraceme(string) error {
	cmd, err := tracedChild()
	if err != nil {
		return err
	}
	defer reap(cmd)
	fmt.Println(cmd.Process.Pid)
	return nil
}

// ptracePoketext writes into a traced child's code the word already there.
func ptracePoketext(string) error {
	cmd, err := tracedChild()
	if err != nil {
		return err
	}
	defer reap(cmd)
	var regs syscall.PtraceRegs
	if err := syscall.PtraceGetRegs(cmd.Process.Pid, &regs); err != nil {
		return err
	}
	word := make([]byte, 8)
	if _, err := syscall.PtracePeekText(cmd.Process.Pid, uintptr(regs.PC()), word); err != nil {
		return err
	}
	_, err = syscall.PtracePokeText(cmd.Process.Pid, uintptr(regs.PC()), word)
	return err
}

// sleeper starts a child to act on and returns it with the start of its
// first mapping whose permissions begin with perms.
func sleeper(perms string) (*exec.Cmd, uintptr, error) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", cmd.Process.Pid))
	if err != nil {
		reap(cmd)
		return nil, 0, err
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && strings.HasPrefix(fields[1], perms) {
			start, err := strconv.ParseUint(strings.Split(fields[0], "-")[0], 16, 64)
			if err != nil {
				break
			}
			return cmd, uintptr(start), nil
		}
	}
	reap(cmd)
	return nil, 0, fmt.Errorf("no %s mapping in the child", perms)
}

// procMemWrite writes into a child's memory, through /proc/<pid>/mem, the
// bytes already there.
func procMemWrite(string) error {
	cmd, addr, err := sleeper("r")
	if err != nil {
		return err
	}
	defer reap(cmd)
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", cmd.Process.Pid), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	word := make([]byte, 8)
	if _, err := f.ReadAt(word, int64(addr)); err != nil {
		return err
	}
	_, err = f.WriteAt(word, int64(addr))
	return err
}

// procMemRead reads a child's memory through /proc/<pid>/mem.
func procMemRead(string) error {
	cmd, addr, err := sleeper("r")
	if err != nil {
		return err
	}
	defer reap(cmd)
	return readMem(cmd.Process.Pid, addr)
}

// procMemReadOwn reads this process's own memory through /proc/<pid>/mem.
func procMemReadOwn(string) error {
	word := make([]byte, 8)
	return readMem(os.Getpid(), uintptr(unsafe.Pointer(&word[0])))
}

// readMem reads a word at addr of pid's memory through /proc/<pid>/mem.
func readMem(pid int, addr uintptr) error {
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.ReadAt(make([]byte, 8), int64(addr))
	return err
}

// processVM reads a word of a child's writable memory with
// process_vm_readv and, if write, writes it back with process_vm_writev.
func processVM(write bool) error {
	cmd, addr, err := sleeper("rw")
	if err != nil {
		return err
	}
	defer reap(cmd)
	word := make([]byte, 8)
	local := []unix.Iovec{{Base: &word[0], Len: 8}}
	remote := []unix.RemoteIovec{{Base: addr, Len: 8}}
	if _, err := unix.ProcessVMReadv(cmd.Process.Pid, local, remote, 0); err != nil {
		return err
	}
	if write {
		_, err = unix.ProcessVMWritev(cmd.Process.Pid, local, remote, 0)
	}
	return err
}

// memfdExec copies /bin/true into a memfd and runs it from there.
func memfdExec(string) error {
	elf, err := os.ReadFile("/bin/true")
	if err != nil {
		return err
	}
	fd, err := unix.MemfdCreate("vigil-live", 0)
	if err != nil {
		return err
	}
	if _, err := unix.Write(fd, elf); err != nil {
		return err
	}
	return syscall.Exec(fmt.Sprintf("/proc/self/fd/%d", fd), []string{"true"}, os.Environ())
}

// finitModule asks the kernel to load an empty file as a module, which it
// refuses (or, built without modules, does not know the call).
func finitModule(string) error {
	f, err := os.CreateTemp("", "vigil-live-module")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := unix.FinitModule(int(f.Fd()), "", 0); err == nil {
		return errors.New("finit_module loaded an empty file")
	}
	return nil
}

// copyELF writes a copy of /bin/true to path.
func copyELF(path string) error { return copyFile("/bin/true", path) }

// copyFile copies the executable src to dst.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}

// execShellAs runs /bin/sh under the name comm (none: its own).
func execShellAs(comm string) error {
	if comm != "" {
		name, err := unix.BytePtrFromString(comm)
		if err != nil {
			return err
		}
		if err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(name)), 0, 0, 0); err != nil {
			return err
		}
	}
	return syscall.Exec("/bin/sh", []string{"sh", "-c", "true"}, os.Environ())
}

// privateMountNamespace refuses to go on unless this process has a mount
// namespace of its own, where mounting over a host path changes nothing
// outside.
func privateMountNamespace() error {
	own, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return err
	}
	parent, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", os.Getppid()))
	if err != nil {
		return err
	}
	if own == parent {
		return errors.New("not in a private mount namespace: refusing to mount over host paths")
	}
	return nil
}

// shadowPath makes path writable without touching the host's file, only
// in this process's mount namespace: /etc becomes an empty tmpfs, as does
// the directory of a file this kernel does not have; another file is
// covered by an empty one, which the returned function removes.
func shadowPath(path string) (func(), error) {
	none := func() {}
	if err := privateMountNamespace(); err != nil {
		return none, err
	}
	dir := filepath.Dir(path)
	if strings.HasPrefix(path, "/etc/") {
		dir = "/etc"
	}
	if _, err := os.Stat(path); dir == "/etc" || errors.Is(err, os.ErrNotExist) {
		if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "mode=0755"); err != nil {
			return none, fmt.Errorf("tmpfs over %s: %w", dir, err)
		}
		return none, os.MkdirAll(filepath.Dir(path), 0o755)
	}
	cover, err := os.CreateTemp("", "vigil-live-cover")
	if err != nil {
		return none, err
	}
	cover.Close()
	// Removed only after use: the path of an open file that was
	// unlinked ends in " (deleted)".
	remove := func() { os.Remove(cover.Name()) }
	if err := unix.Mount(cover.Name(), path, "", unix.MS_BIND, ""); err != nil {
		remove()
		return none, fmt.Errorf("bind mount over %s: %w", path, err)
	}
	return remove, nil
}

// writePrivate writes path in this process's mount namespace only.
func writePrivate(path string) error {
	done, err := shadowPath(path)
	defer done()
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte("vigil\n"), 0o644)
}

// readPrivate reads path, written first, in this process's mount
// namespace only.
func readPrivate(path string) error {
	if err := writePrivate(path); err != nil {
		return err
	}
	return readFile(path)
}

// renamePrivate renames a new file to path in this process's mount
// namespace only.
func renamePrivate(path string) error {
	done, err := shadowPath(path)
	defer done()
	if err != nil {
		return err
	}
	tmp := path + ".vigil-new"
	if err := os.WriteFile(tmp, []byte("vigil\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readFile opens path for reading and reads the start of it.
func readFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err = f.Read(make([]byte, 64)); errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// readSchedDebug mounts debugfs in this process's mount namespace and
// reads the scheduler's debug file.
func readSchedDebug(string) error {
	if err := privateMountNamespace(); err != nil {
		return err
	}
	// EBUSY: debugfs is mounted there already (as on many hosts), and a
	// second mount of it on the same point is refused; the first serves
	if err := unix.Mount("debugfs", "/sys/kernel/debug", "debugfs", 0, ""); err != nil && !errors.Is(err, unix.EBUSY) {
		return err
	}
	return readFile("/sys/kernel/debug/sched/debug")
}

// stdioSocket connects a TCP socket to addr and makes it standard input,
// as a reverse shell does.
func stdioSocket(addr string) error {
	ap, err := net.ResolveTCPAddr("tcp4", addr)
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	sa := &unix.SockaddrInet4{Port: ap.Port}
	copy(sa.Addr[:], ap.IP.To4())
	if err := unix.Connect(fd, sa); err != nil {
		return err
	}
	return unix.Dup2(fd, 0)
}

// mprotectWX makes writable anonymous memory executable.
func mprotectWX(string) error {
	mem, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return err
	}
	defer unix.Munmap(mem)
	return unix.Mprotect(mem, unix.PROT_READ|unix.PROT_EXEC)
}

// liveCase is one action and what the built-in signature sig must make of
// it.
type liveCase struct {
	sig, name string
	// action names a liveActions entry run by a child, with arg; or, when
	// empty, command is run as it is.
	action, arg string
	command     func() *exec.Cmd
	// container, when set, is a busybox sh script run as the init of a
	// runc container; its records are told by the container's id, not a
	// pid.
	container string
	// privateMounts gives the child a mount namespace of its own.
	privateMounts bool
	// pidPrinted: the child prints the pid the detection names; otherwise
	// it is the child's own.
	pidPrinted bool
	// fires: sig matches a record of the pid. Otherwise no record of it
	// matches sig, once one for which seen holds has been captured.
	fires bool
	seen  func(r captured) bool
}

// liveExclusions are the built-ins no case here exercises, and why. None
// is left out on this kernel.
var liveExclusions = map[string]string{}

// busyboxRootfs makes a writable container root file system in dir with
// busybox's sh, mount and cat, and a regular file where the Docker socket
// would be.
func busyboxRootfs(t *testing.T, dir string) string {
	t.Helper()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "sys", "tmp", "mnt", "run"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := copyFile(busybox, filepath.Join(rootfs, "bin", "busybox")); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "mount", "cat"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(rootfs, "run", "docker.sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return rootfs
}

// liveCgroup is the parent of the containers' cgroups, which runc leaves
// behind.
const liveCgroup = "vigil-live"

// removeLiveCgroups removes liveCgroup from every hierarchy.
func removeLiveCgroups() {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/" + liveCgroup)
	for _, d := range append(dirs, "/sys/fs/cgroup/"+liveCgroup) {
		_ = os.Remove(d)
	}
}

// runcContainer returns the command that runs script in a runc container
// with the id and the root file system rootfs. Its cgroup ends in the id,
// as docker and containerd name theirs, which makes it a container to the
// receiver. It may mount: it has CAP_SYS_ADMIN in its own mount namespace.
func runcContainer(t *testing.T, rootfs, id, script string) *exec.Cmd {
	t.Helper()
	bundle := t.TempDir()
	if out, err := exec.Command("runc", "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, out)
	}
	cfgPath := filepath.Join(bundle, "config.json")
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	// The rest of runc's default spec is kept as it is.
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	process := spec["process"].(map[string]any)
	process["terminal"] = false
	process["args"] = []string{"/bin/sh", "-c", script}
	caps := process["capabilities"].(map[string]any)
	for set, list := range caps {
		caps[set] = append(list.([]any), "CAP_SYS_ADMIN")
	}
	spec["root"] = map[string]any{"path": rootfs, "readonly": false}
	// The container's own cgroup is writable.
	for _, m := range spec["mounts"].([]any) {
		if m := m.(map[string]any); m["destination"] == "/sys/fs/cgroup" {
			m["options"] = []string{"nosuid", "noexec", "nodev", "relatime", "rw"}
		}
	}
	spec["linux"].(map[string]any)["cgroupsPath"] = "/" + liveCgroup + "/" + id
	if raw, err = json.Marshal(spec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return exec.Command("runc", "run", "--bundle", bundle, "vigil-live-"+id[:8])
}

func TestBuiltinSignaturesLive(t *testing.T) {
	privtest.Require(t)
	privtest.RequireTools(t, map[string]string{"sleep": "coreutils", "passwd": "passwd", "ssh-keygen": "openssh-client",
		"runc": "runc", "busybox": "busybox-static"})
	dir := t.TempDir()
	marker := filepath.Join(dir, "vigil-live-done")
	if err := os.WriteFile(marker, []byte("done\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(dir, "run/secrets/kubernetes.io/serviceaccount/token")
	sshKey := filepath.Join(dir, "home/.ssh/id_ed25519")
	for _, path := range []string{token, sshKey} {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(token, []byte("vigil-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", sshKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	hidden := filepath.Join(dir, ".vigil-hidden")
	if err := copyELF(hidden); err != nil {
		t.Fatal(err)
	}
	listener, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	go func() {
		for {
			c, err := listener.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	rootfs := busyboxRootfs(t, dir)
	t.Cleanup(removeLiveCgroups)
	loader, err := filepath.EvalSymlinks("/lib64/ld-linux-x86-64.so.2")
	if err != nil {
		t.Fatal(err)
	}

	opened := func(path string) func(captured) bool {
		return func(r captured) bool {
			p, _ := r.attrs.Get(vigil.AttrArgPrefix + "pathname")
			return r.lr.EventName() == vigil.EventNamePrefix+"security_file_open" && p.Str() == path
		}
	}
	event := func(name string) func(captured) bool {
		return func(r captured) bool { return r.lr.EventName() == vigil.EventNamePrefix+name }
	}
	run := func(path string, args ...string) func() *exec.Cmd {
		return func() *exec.Cmd { return exec.Command(path, args...) }
	}
	cases := []liveCase{
		{sig: "VGL-1001", name: "PTRACE_TRACEME", action: "ptrace-traceme", pidPrinted: true, fires: true},
		{sig: "VGL-1002", name: "POKETEXT into a traced child", action: "ptrace-poketext", fires: true},
		{sig: "VGL-1003", name: "write a child's /proc/pid/mem", action: "proc-mem-write", fires: true},
		{sig: "VGL-1004", name: "read a child's /proc/pid/mem", action: "proc-mem-read", fires: true},
		{sig: "VGL-1004", name: "read its own /proc/pid/mem", action: "proc-mem-read-own", seen: opened(marker)},
		{sig: "VGL-1005", name: "process_vm_writev into a child", action: "process-vm-writev", fires: true},
		{sig: "VGL-1005", name: "process_vm_readv of a child", action: "process-vm-readv", seen: opened(marker)},
		{sig: "VGL-1006", name: "exec of a memfd", action: "memfd-exec", fires: true},
		{sig: "VGL-1007", name: "LD_PRELOAD after 40 other environment variables", command: func() *exec.Cmd {
			cmd := exec.Command("/bin/true")
			// The receiver keeps an environment's first 32 entries
			// and the loader variables after them: an LD_PRELOAD
			// behind filler variables is seen all the same.
			for i := range 40 {
				cmd.Env = append(cmd.Env, fmt.Sprintf("FILLER%d=x", i))
			}
			cmd.Env = append(cmd.Env, "LD_PRELOAD=libc.so.6")
			return cmd
		}, fires: true},
		{sig: "VGL-1007", name: "exec without LD_PRELOAD", command: run("/bin/true"), seen: event("sched_process_exec")},
		{sig: "VGL-1007", name: "write /etc/ld.so.preload", action: "write-private", arg: "/etc/ld.so.preload", privateMounts: true, fires: true},
		{sig: "VGL-1008", name: "write the dynamic loader", action: "write-private", arg: loader, privateMounts: true, fires: true},
		{sig: "VGL-1009", name: "finit_module of a file that is no module", action: "finit-module", fires: true},
		{sig: "VGL-1010", name: "write an ELF file", action: "copy-elf", arg: filepath.Join(dir, "dropped"), fires: true},
		{sig: "VGL-1010", name: "write a text file", action: "write", arg: filepath.Join(dir, "notes"), seen: event("magic_write")},
		{sig: "VGL-1011", name: "exec of a dot file", command: run(hidden), fires: true},
		{sig: "VGL-1012", name: "nginx execs a shell", action: "exec-as-nginx", fires: true},
		{sig: "VGL-1012", name: "another program execs a shell", action: "exec-shell", seen: event("security_bprm_check")},
		{sig: "VGL-1013", name: "mount of a /dev/ source in a container", container: "mount -t tmpfs /dev/vigil-disk /mnt", fires: true},
		{sig: "VGL-1014", name: "write release_agent", action: "write-private", arg: "/sys/fs/cgroup/cpu/release_agent", privateMounts: true, fires: true},
		{sig: "VGL-1015", name: "write notify_on_release in a container", container: "f=/sys/fs/cgroup/cpu/notify_on_release; v=$(cat $f); echo $v > $f", fires: true},
		{sig: "VGL-1016", name: "write core_pattern", action: "write-private", arg: "/proc/sys/kernel/core_pattern", privateMounts: true, fires: true},
		{sig: "VGL-1017", name: "write a sudoers.d file", action: "write-private", arg: "/etc/sudoers.d/vigil", privateMounts: true, fires: true},
		{sig: "VGL-1017", name: "rename a file to /etc/sudoers", action: "rename-private", arg: "/etc/sudoers", privateMounts: true, fires: true},
		{sig: "VGL-1018", name: "write a cron.d file", action: "write-private", arg: "/etc/cron.d/vigil", privateMounts: true, fires: true},
		{sig: "VGL-1019", name: "write an init.d script", action: "write-private", arg: "/etc/init.d/vigil", privateMounts: true, fires: true},
		{sig: "VGL-1020", name: "read a cluster key", action: "read-private", arg: "/etc/kubernetes/pki/ca.key", privateMounts: true, fires: true},
		{sig: "VGL-1021", name: "read a service account token", action: "read", arg: token, fires: true},
		{sig: "VGL-1022", name: "open the Docker socket in a container", container: "cat /run/docker.sock", fires: true},
		{sig: "VGL-1022", name: "open a Docker socket on the host", action: "read", arg: filepath.Join(rootfs, "run", "docker.sock"), seen: opened(marker)},
		{sig: "VGL-1023", name: "read randomize_va_space", action: "read", arg: "/proc/sys/kernel/randomize_va_space", fires: true},
		{sig: "VGL-1024", name: "write sysrq-trigger", action: "write-private", arg: "/proc/sysrq-trigger", privateMounts: true, fires: true},
		{sig: "VGL-1025", name: "read /proc/kcore", action: "read-private", arg: "/proc/kcore", privateMounts: true, fires: true},
		{sig: "VGL-1026", name: "read the scheduler's debug file", action: "read-sched-debug", privateMounts: true, fires: true},
		{sig: "VGL-1027", name: "stdin dup'ed from a TCP socket", action: "stdio-socket", arg: listener.Addr().String(), fires: true},
		{sig: "VGL-1028", name: "mprotect writable memory executable", action: "mprotect-wx", fires: true},
		{sig: "VGL-1029", name: "read /etc/shadow", action: "read", arg: "/etc/shadow", fires: true},
		{sig: "VGL-1029", name: "passwd reads /etc/shadow", command: run("passwd", "-S", "root"), seen: opened("/etc/shadow")},
		{sig: "VGL-1030", name: "read an SSH private key", action: "read", arg: sshKey, fires: true},
		{sig: "VGL-1030", name: "ssh-keygen reads an SSH private key", command: run("ssh-keygen", "-y", "-f", sshKey), seen: opened(sshKey)},
		// container_net signatures
		{sig: "VGL-1031", name: "shell in a container with a pty as stdin", container: "/bin/sh -c : </dev/ptmx", fires: true},
		{sig: "VGL-1031", name: "shell in a container reading /dev/null", container: "/bin/sh -c : </dev/null", seen: execOf("/bin/sh", "-c", ":")},
		{sig: "VGL-1032", name: "apt-get in a container", container: containerApplet("apt-get", "install -y nmap"), fires: true},
		{sig: "VGL-1032", name: "dpkg on the host", command: run("dpkg", "--version"), seen: event("sched_process_exec")},
		{sig: "VGL-1033", name: "connect to the kubernetes service from a container", container: containerApplet("nc", "10.96.0.1 443"), fires: true},
		{sig: "VGL-1034", name: "connect to the metadata endpoint from a container", container: containerApplet("nc", "169.254.169.254 80"), fires: true},
		{sig: "VGL-1035", name: "nc -e in a container", container: containerApplet("nc", "-e /bin/sh 127.0.0.1 1"), fires: true},
		{sig: "VGL-1036", name: "a stratum URL in a command line", command: run("/bin/true", "-o", "stratum+tcp://pool.example:3333"), fires: true},
		{sig: "VGL-1037", name: "connect to port 3333 from a container", container: containerApplet("nc", "127.0.0.1 3333"), fires: true},
		{sig: "VGL-1038", name: "nsenter in a container", container: containerApplet("nsenter", "-t 1 -u /bin/sh -c :"), fires: true},
		{sig: "VGL-1038", name: "unshare in a container", container: containerApplet("unshare", "-u /bin/sh -c :"), fires: true},
		{sig: "VGL-1039", name: "nsenter -t 1 in a container", container: containerApplet("nsenter", "-t 1 -u /bin/sh -c :"), fires: true},
		{sig: "VGL-1040", name: "load a BPF program", action: "bpf-load", fires: true},
		{sig: "VGL-1041", name: "write an ELF dot file", action: "copy-elf", arg: filepath.Join(dir, ".vigil-hidden-elf"), fires: true},
		{sig: "VGL-1042", name: "/dev/tcp in a shell's command line", command: run("/bin/sh", "-c", ": /dev/tcp/127.0.0.1/9"), fires: true},
		{sig: "VGL-1043", name: "bash connects with /dev/tcp", command: run("bash", "-c", "exec 3<>/dev/tcp/"+strings.Replace(listener.Addr().String(), ":", "/", 1)), fires: true},
		{sig: "VGL-1043", name: "curl-like connect by another program", action: "stdio-socket", arg: listener.Addr().String(), seen: event("security_socket_connect")},
		{sig: "VGL-1044", name: "tcpdump in a container", container: containerApplet("tcpdump", "-i any"), fires: true},
		{sig: "VGL-1045", name: "userfaultfd", action: "userfaultfd", fires: true},
		{sig: "VGL-1046", name: "read /proc/kallsyms", action: "read", arg: "/proc/kallsyms", fires: true},
		{sig: "VGL-1047", name: "perl with socket and exec code", command: run("perl", "-e", "use Socket; my $unused = q(exec /bin/sh)"), fires: true},
		{sig: "VGL-1047", name: "perl without a socket", command: run("perl", "-e", "my $unused = q(exec /bin/sh)"), seen: event("sched_process_exec")},
		{sig: "VGL-1048", name: "connect to a kubelet's port from a container", container: containerApplet("nc", "10.0.0.12 10250"), fires: true},
		{sig: "VGL-1049", name: "find looking for id_rsa", command: run("find", dir, "-name", "id_rsa*"), fires: true},
		{sig: "VGL-1049", name: "find looking for notes", command: run("find", dir, "-name", "notes"), seen: event("sched_process_exec")},
		// files_accounts signatures
		{sig: "VGL-1050", name: "write a new file in /etc", action: "write-private", arg: "/etc/vigil.conf", privateMounts: true, fires: true},
		{sig: "VGL-1050", name: "read a file in /etc", action: "read", arg: "/etc/hostname", seen: opened("/etc/hostname")},
		{sig: "VGL-1051", name: "write into /usr/local/bin", action: "write-private", arg: "/usr/local/bin/vigil-live", privateMounts: true, fires: true},
		{sig: "VGL-1052", name: "write an sshd_config.d file", action: "write-private", arg: "/etc/ssh/sshd_config.d/vigil.conf", privateMounts: true, fires: true},
		{sig: "VGL-1053", name: "delete a file in /var/log", action: "unlink-private", arg: "/var/log/vigil-live.log", privateMounts: true, fires: true},
		{sig: "VGL-1053", name: "truncate(2) a file in /var/log", action: "truncate-private", arg: "/var/log/vigil-live.log", privateMounts: true, fires: true},
		{sig: "VGL-1054", name: "link .zsh_history to /dev/null", action: "symlink-devnull", arg: filepath.Join(dir, "home", ".zsh_history"), fires: true},
		{sig: "VGL-1054", name: "a program writes .bash_history", action: "write", arg: filepath.Join(dir, "home", ".bash_history"), fires: true},
		{sig: "VGL-1054", name: "bash writes .bash_history", command: run("bash", "-c", "echo ls >> "+filepath.Join(dir, "home", ".bash_history")), seen: opened(filepath.Join(dir, "home", ".bash_history"))},
		{sig: "VGL-1055", name: "write /etc/passwd", action: "write-private", arg: "/etc/passwd", privateMounts: true, fires: true},
		{sig: "VGL-1055", name: "rename a file to /etc/shadow", action: "rename-private", arg: "/etc/shadow", privateMounts: true, fires: true},
		{sig: "VGL-1056", name: "run useradd", command: run("useradd", "--help"), fires: true},
		{sig: "VGL-1056", name: "run passwd", command: run("passwd", "-S", "root"), seen: event("sched_process_exec")},
		{sig: "VGL-1057", name: "write authorized_keys", action: "write", arg: filepath.Join(dir, "home", ".ssh", "authorized_keys"), fires: true},
		{sig: "VGL-1057", name: "read authorized_keys", action: "read", arg: emptyFile(t, filepath.Join(dir, "home", ".ssh", "authorized_keys2")), seen: opened(filepath.Join(dir, "home", ".ssh", "authorized_keys2"))},
		{sig: "VGL-1058", name: "chmod 4755", action: "chmod-setuid", arg: filepath.Join(dir, "setuid"), fires: true},
		{sig: "VGL-1058", name: "chmod 755", action: "chmod-755", arg: filepath.Join(dir, "plain"), seen: event("fchmodat")},
		{sig: "VGL-1059", name: "write a pam.d file", action: "write-private", arg: "/etc/pam.d/vigil", privateMounts: true, fires: true},
		{sig: "VGL-1060", name: "write a systemd unit", action: "write-private", arg: "/etc/systemd/system/vigil.service", privateMounts: true, fires: true},
		{sig: "VGL-1061", name: "write .bashrc", action: "write", arg: filepath.Join(dir, "home", ".bashrc"), fires: true},
		{sig: "VGL-1062", name: "write /etc/hosts", action: "write-private", arg: "/etc/hosts", privateMounts: true, fires: true},
		{sig: "VGL-1063", name: "write a modprobe.d file", action: "write-private", arg: "/etc/modprobe.d/vigil.conf", privateMounts: true, fires: true},
		{sig: "VGL-1064", name: "write an ld.so.conf.d file", action: "write-private", arg: "/etc/ld.so.conf.d/vigil.conf", privateMounts: true, fires: true},
		{sig: "VGL-1065", name: "setenforce 0", command: run(copyOf(t, "/bin/true", filepath.Join(dir, "setenforce")), "0"), fires: true},
		{sig: "VGL-1065", name: "setenforce 1", command: run(filepath.Join(dir, "setenforce"), "1"), seen: event("sched_process_exec")},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.sig] = covered[c.sig] || c.fires
	}
	checkLiveCoverage(t, covered)

	sink := startLiveCapture(t, func(cfg *kerneleventsreceiver.Config) { cfg.Capture.Env = true }, "default")
	for i, c := range cases {
		t.Run(c.sig+"/"+c.name, func(t *testing.T) {
			// Only this case's records are looked at.
			sink.Reset()
			var cmd *exec.Cmd
			containerID := strings.Repeat(fmt.Sprintf("%08x", 0x7e57c000+i), 8)
			switch {
			case c.container != "":
				cmd = runcContainer(t, rootfs, containerID, c.container)
			case c.action != "":
				cmd = privtest.Command(c.action, c.arg)
				cmd.Env = append(cmd.Env, liveMarkerEnv+"="+marker)
			default:
				cmd = c.command()
			}
			if c.privateMounts {
				// os/exec also makes / recursively private in the new
				// namespace, so no mount propagates to the host.
				cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
			}
			pid := int64(cmd.Process.Pid)
			if c.pidPrinted {
				if pid, err = strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err != nil {
					t.Fatalf("the child printed %q, not a pid", out)
				}
			}
			ours := func(r captured) bool {
				p, _ := r.attrs.Get(vigil.AttrProcessPID)
				return p.Int() == pid
			}
			if c.container != "" {
				ours = func(r captured) bool {
					id, _ := r.attrs.Get(vigil.AttrContainerID)
					return id.Str() == containerID
				}
			}
			if c.fires {
				waitLive(t, sink, ours, "record matching "+c.sig, func(r captured) bool {
					_, ok := matchesOf(r.lr)[c.sig]
					return ok
				})
				return
			}
			waitLive(t, sink, ours, "record the negative case waits for", c.seen)
			for _, r := range capturedRecords(sink) {
				if _, ok := matchesOf(r.lr)[c.sig]; ok && ours(r) {
					t.Errorf("%s matched %s of pid %d", c.sig, r.lr.EventName(), pid)
				}
			}
		})
	}
}

// waitLive polls the sink until one of our records satisfies cond, and
// fails listing ours if none does in time.
func waitLive(t *testing.T, sink *consumertest.LogsSink, ours func(captured) bool, what string, cond func(captured) bool) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, r := range capturedRecords(sink) {
			if ours(r) && cond(r) {
				return
			}
		}
	}
	var seen []string
	for _, r := range capturedRecords(sink) {
		if ours(r) {
			path, _ := r.attrs.Get(vigil.AttrArgPrefix + "pathname")
			seen = append(seen, fmt.Sprintf("%s %s %v", r.lr.EventName(), path.Str(), matchesOf(r.lr)))
		}
	}
	t.Fatalf("no %s within %v; the records of the case's process:\n%s", what, waitLimit, strings.Join(seen, "\n"))
}

// checkLiveCoverage fails unless every built-in signature either has a
// case that fires or is a documented exclusion, and not both.
func checkLiveCoverage(t *testing.T, fires map[string]bool) {
	t.Helper()
	for _, s := range loadBuiltins(t).Signatures {
		_, excluded := liveExclusions[s.ID]
		if fires[s.ID] == excluded {
			t.Errorf("%s: a case that fires %v, excluded %v; want exactly one", s.ID, fires[s.ID], excluded)
		}
	}
}
