//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The child process of an action learns what to do from these variables.
const (
	actionEnv    = "VIGIL_E2E_ACTION"
	actionArgEnv = "VIGIL_E2E_ARG"
)

// actions are run in a child process (see runAction); each either returns
// or replaces the process with exec, keeping the pid the test expects.
var actions = map[string]func(arg string) error{
	"ptrace-traceme":   ptraceTraceme,
	"ptrace-burst":     ptraceBurst,
	"drop-elf":         dropAndRunELF,
	"write-elf-burst":  writeELFBurst,
	"memfd-exec":       execFromMemfd,
	"write-ld-preload": writeLDPreload,
	"read-shadow":      readShadow,
	"read-file":        readFile,
	"benign":           benign,
}

func runAction(name, arg string) int {
	act, ok := actions[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown action %q\n", name)
		return 2
	}
	if err := act(arg); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// runActionProcess runs action name in a child process and returns its pid
// once it has exited successfully. attr adds namespace flags where an action
// needs them; extraArgs lengthen the child's command line (TestMain has
// chosen the action before flags are parsed, so they change nothing else).
func runActionProcess(name, arg string, attr *syscall.SysProcAttr, extraArgs ...string) (int, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := actionCommand(self, name, arg)
	cmd.Args = append(cmd.Args, extraArgs...)
	cmd.SysProcAttr = attr
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("action %s: %v: %s", name, err, out)
	}
	return cmd.Process.Pid, nil
}

// actionCommand runs action name of the test binary bin.
func actionCommand(bin, name, arg string) *exec.Cmd {
	cmd := exec.Command(bin, "-test.run=^$")
	// asyncpreemptoff: no SIGURG between the runtime's threads, so a child
	// that asked to be traced never stops on a signal its tracer (this
	// process) would have to handle.
	cmd.Env = append(os.Environ(), actionEnv+"="+name, actionArgEnv+"="+arg, "GODEBUG=asyncpreemptoff=1")
	return cmd
}

// nobody is the user (and group) id of the unprivileged user, nobody.
const nobody = 65534

// nobodyCommand prepares action name to run as user nobody. go test runs its
// binary from a directory only root may enter, so nobody runs a copy in one
// everybody may; the test removes it at the end.
func nobodyCommand(t *testing.T, name, arg string) (*exec.Cmd, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	binDir, err := os.MkdirTemp("", "vigil-e2e-bin-")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	bin := filepath.Join(binDir, "e2e.test")
	if err := copyFile(self, bin, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chmod(binDir, 0o755); err != nil {
		return nil, err
	}
	cmd := actionCommand(bin, name, arg)
	cmd.Dir = binDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, NoSetGroups: true}}
	return cmd, nil
}

// runAsNobody runs action name as user nobody and returns its error output
// when it fails.
func runAsNobody(t *testing.T, name, arg string) error {
	t.Helper()
	cmd, err := nobodyCommand(t, name, arg)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// runBurst runs the ptrace-burst action with n calls as user nobody, runs
// during between its two halves, and returns the burst's pid once it exited.
func runBurst(t *testing.T, n int, during func()) (int, error) {
	t.Helper()
	cmd, err := nobodyCommand(t, "ptrace-burst", strconv.Itoa(n))
	if err != nil {
		return 0, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	line, readErr := bufio.NewReader(stdout).ReadString('\n')
	if readErr == nil && line == burstHalfway+"\n" {
		during()
	}
	stdin.Close()
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("ptrace-burst as nobody: %v: %s", err, stderr.String())
	}
	if readErr != nil || line != burstHalfway+"\n" {
		return 0, fmt.Errorf("ptrace-burst never reached its halfway mark (%q, %v)", line, readErr)
	}
	return cmd.Process.Pid, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, mode)
}

// ptraceTraceme asks to be traced by the parent, the anti-debugging trick.
func ptraceTraceme(string) error {
	runtime.LockOSThread()
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0); errno != 0 {
		return fmt.Errorf("ptrace(PTRACE_TRACEME): %v", errno)
	}
	return nil
}

// burstHalfway is the line ptraceBurst writes halfway through its calls.
const burstHalfway = "halfway"

// ptraceBurst calls ptrace(PTRACE_TRACEME) arg times: one detection each.
// Only the first call succeeds (a task is traced once); the rest fail with
// EPERM, but each is still a syscall the node reports and the rule matches.
// It gives the node-to-backend path a burst to lose records in, if it would.
// Halfway it says so on stdout and waits for stdin to close (at once when
// stdin is /dev/null), so the test can place another action inside the burst.
func ptraceBurst(arg string) error {
	n, err := strconv.Atoi(arg)
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	for i := 0; i < n; i++ {
		if i == n/2 {
			fmt.Println(burstHalfway)
			_, _ = io.Copy(io.Discard, os.Stdin)
		}
		_, _, errno := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0)
		if errno != 0 && (i == 0 || errno != syscall.EPERM) {
			return fmt.Errorf("ptrace(PTRACE_TRACEME) call %d: %v", i, errno)
		}
	}
	return nil
}

// trueELF is the content of a small ELF executable that exits 0.
func trueELF() ([]byte, error) {
	path, err := exec.LookPath("true")
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// dropAndRunELF writes an ELF executable to path in one write, the way a
// downloaded second stage lands, and runs it.
func dropAndRunELF(path string) error {
	elf, err := trueELF()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, elf, 0o755); err != nil {
		return err
	}
	return syscall.Exec(path, []string{filepath.Base(path)}, os.Environ())
}

// writeELFBurst writes an ELF header to a file n times, truncating it each
// time; arg is "n path". Each write is a magic_write event and a detection.
func writeELFBurst(arg string) error {
	count, path, ok := strings.Cut(arg, " ")
	n, err := strconv.Atoi(count)
	if !ok || err != nil {
		return fmt.Errorf("want \"n path\", got %q", arg)
	}
	elf, err := trueELF()
	if err != nil {
		return err
	}
	for range n {
		if err := os.WriteFile(path, elf[:64], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// memfdName is the name the memfd shows in /proc and in exec paths.
const memfdName = "vigil-e2e"

// execFromMemfd runs an executable that exists only in memory.
func execFromMemfd(string) error {
	elf, err := trueELF()
	if err != nil {
		return err
	}
	// No MFD_CLOEXEC: the descriptor must still be open when exec opens
	// /proc/self/fd/N.
	fd, err := unix.MemfdCreate(memfdName, 0)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	if _, err := unix.Write(fd, elf); err != nil {
		return fmt.Errorf("write memfd: %w", err)
	}
	return syscall.Exec(fmt.Sprintf("/proc/self/fd/%d", fd), []string{memfdName}, os.Environ())
}

// ldPreloadPath is the file whose lines the dynamic loader preloads into
// every program.
const ldPreloadPath = "/etc/ld.so.preload"

// writeLDPreload opens /etc/ld.so.preload for writing without touching the
// machine's: the child runs in its own mount namespace (the caller sets
// CLONE_NEWNS; Go makes / private there), where a tmpfs covers /etc.
func writeLDPreload(string) error {
	if err := syscall.Mount("vigil-e2e", "/etc", "tmpfs", 0, "size=64k,mode=0755"); err != nil {
		return fmt.Errorf("mount tmpfs on /etc in the scratch namespace: %w", err)
	}
	f, err := os.OpenFile(ldPreloadPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

func readShadow(string) error {
	_, err := os.ReadFile("/etc/shadow")
	return err
}

// readFile reads path: run as nobody, it tells whether others can.
func readFile(path string) error {
	_, err := os.ReadFile(path)
	return err
}

// benign does what ordinary programs do: read a config file, write a text
// file, run a system binary.
func benign(dir string) error {
	if _, err := os.ReadFile("/etc/hostname"); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("nothing to see\n"), 0o644); err != nil {
		return err
	}
	path, err := exec.LookPath("true")
	if err != nil {
		return err
	}
	return syscall.Exec(path, []string{"true"}, os.Environ())
}
