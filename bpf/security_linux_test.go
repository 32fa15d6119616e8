//go:build linux && (amd64 || arm64)

package bpf

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/catalog"
)

// TestDerivedEventsBothModes checks derived events in both attach modes: the
// raw_tracepoint programs read the exit registers with probe reads, the
// tp_btf ones with plain loads, and each feeds the derived events from
// saved arguments (syscall selected too) or from those registers (derived
// event alone).
func TestDerivedEventsBothModes(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	realTrue, err := filepath.EvalSymlinks(truePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{modeTPBTF, modeRawTP} {
		for _, withSyscalls := range []bool{false, true} {
			name := mode + "/derived_only"
			events := []uint32{uint32(catalog.IDSecurityFileOpen), uint32(catalog.IDSecurityBprmCheck)}
			if withSyscalls {
				name = mode + "/with_openat_and_exec"
				events = append(events, 257, uint32(catalog.IDSchedProcessExec))
			}
			t.Run(name, func(t *testing.T) {
				// the comms keep a busy machine's opens out of the test's way
				c := startCapture(t, Options{Events: events, ExcludeTGIDs: []uint32{self()}, Comms: []string{"bpf.test", "true"}}, mode)
				pid := runHelperCmd(t, "openat", link)
				ev := c.await(t, "security_file_open", func(e *Event) bool {
					return from(pid, uint32(catalog.IDSecurityFileOpen))(e) && argStr(t, e, 5) == link
				})
				if got := argStr(t, ev, 0); got != file {
					t.Errorf("pathname %q, want %q", got, file)
				}
				if ev.Syscall != 257 {
					t.Errorf("syscall %d, want openat (257)", ev.Syscall)
				}
				// the openat record comes exactly when selected, before the
				// derived one
				sawOpenat := false
				for _, e := range c.before(ev) {
					sawOpenat = sawOpenat || from(pid, 257)(&e)
				}
				if sawOpenat != withSyscalls {
					t.Errorf("openat record seen: %v, selected: %v", sawOpenat, withSyscalls)
				}
				cmd := exec.Command(truePath)
				if err := cmd.Run(); err != nil {
					t.Fatal(err)
				}
				bprm := c.await(t, "security_bprm_check", from(uint32(cmd.Process.Pid), uint32(catalog.IDSecurityBprmCheck)))
				if got, want := argStr(t, bprm, 0), realTrue; got != want {
					t.Errorf("bprm pathname %q, want %q", got, want)
				}
				if withSyscalls {
					c.await(t, "sched_process_exec", from(uint32(cmd.Process.Pid), uint32(catalog.IDSchedProcessExec)))
				}
			})
		}
	}
}

// TestBprmCheckCaller checks that security_bprm_check describes the caller,
// as Tracee's hook does: a program that execs /bin/sh is reported with its
// own comm, while sched_process_exec, after the exec, has the shell's, and
// its stdin.
func TestBprmCheckCaller(t *testing.T) {
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	events := []uint32{uint32(catalog.IDSecurityBprmCheck), uint32(catalog.IDSchedProcessExec)}
	for _, mode := range []string{modeTPBTF, modeRawTP} {
		t.Run(mode, func(t *testing.T) {
			c := startCapture(t, Options{Events: events, ExcludeTGIDs: []uint32{self()}}, mode)
			pid := runHelperCmd(t, "exec-sh", "")
			// the helper's own start is an exec too, of the test binary
			ofShell := func(id catalog.EventID, pathArg int) func(*Event) bool {
				return func(e *Event) bool { return from(pid, uint32(id))(e) && argStr(t, e, pathArg) == sh }
			}
			bprm := c.await(t, "security_bprm_check of sh", ofShell(catalog.IDSecurityBprmCheck, 0))
			if bprm.Comm != "bpf.test" {
				t.Errorf("security_bprm_check comm %q, want the caller's, bpf.test", bprm.Comm)
			}
			exec := c.await(t, "sched_process_exec of sh", ofShell(catalog.IDSchedProcessExec, 1))
			if exec.Comm != "sh" {
				t.Errorf("sched_process_exec comm %q, want sh", exec.Comm)
			}
			// the helper's stdin: exec.Cmd opens /dev/null for a nil Stdin
			if typ, path := argInt(t, exec, 12), argStr(t, exec, 13); typ != unix.S_IFCHR || path != os.DevNull {
				t.Errorf("sched_process_exec stdin %#o %q, want a character device, %s", typ, path, os.DevNull)
			}
		})
	}
}
