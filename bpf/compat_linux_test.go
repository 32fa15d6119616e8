//go:build linux && amd64

package bpf

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// The 32-bit (ia32) syscall path is tested with static x86_64 programs
// assembled here that call int 0x80, the ia32 entry: the machine has no
// 32-bit toolchain, and their data sits below 4 GiB, where 32-bit pointers
// reach it.

// elfBody is where staticELF loads the bytes after its headers.
const elfBody = 0x400000 + 64 + 56

// staticELF wraps body (code, then data) in a static x86_64 executable
// loaded at 0x400000 that starts at the first byte of body.
func staticELF(body []byte) []byte {
	le := binary.LittleEndian
	size := uint64(64 + 56 + len(body))
	h := []byte{0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LE */, 1 /* version */, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	h = le.AppendUint16(h, 2)  // ET_EXEC
	h = le.AppendUint16(h, 62) // EM_X86_64
	h = le.AppendUint32(h, 1)
	h = le.AppendUint64(h, elfBody) // entry
	h = le.AppendUint64(h, 64)      // program headers
	h = le.AppendUint64(h, 0)       // no section headers
	h = le.AppendUint32(h, 0)
	for _, v := range []uint16{64, 56, 1, 0, 0, 0} {
		h = le.AppendUint16(h, v)
	}
	// one PT_LOAD of the whole file, readable and executable
	h = le.AppendUint32(h, 1)
	h = le.AppendUint32(h, 5)
	for _, v := range []uint64{0, 0x400000, 0x400000, size, size, 0x1000} {
		h = le.AppendUint64(h, v)
	}
	return append(h, body...)
}

// asm32 assembles the few instructions the programs need.
type asm32 []byte

func (a asm32) mov(op byte, v uint32) asm32 {
	return binary.LittleEndian.AppendUint32(append(a, op), v)
}
func (a asm32) eax(v uint32) asm32 { return a.mov(0xb8, v) }
func (a asm32) ebx(v uint32) asm32 { return a.mov(0xbb, v) }
func (a asm32) ecx(v uint32) asm32 { return a.mov(0xb9, v) }
func (a asm32) edi(v uint32) asm32 { return a.mov(0xbf, v) }
func (a asm32) edxZero() asm32     { return append(a, 0x31, 0xd2) }
func (a asm32) int80() asm32       { return append(a, 0xcd, 0x80) }
func (a asm32) syscall() asm32     { return append(a, 0x0f, 0x05) }

// int80Exit7 exits 7 through the ia32 exit(2): it tells whether this kernel
// takes ia32 syscalls at all.
func int80Exit7() []byte {
	return staticELF(asm32{}.eax(1).ebx(7).int80())
}

// int80Program calls memfd_create(name, MFD_CLOEXEC), unlink(name) and
// execve(prog, {prog, arg, NULL}, NULL) through int 0x80, and exits 4 when
// the execve fails.
func int80Program(name, prog, arg string) []byte {
	const codeSize = 60
	var data []byte
	str := func(s string) uint32 {
		addr := uint32(elfBody + codeSize + len(data))
		data = append(append(data, s...), 0)
		return addr
	}
	nameAddr, progAddr, argAddr := str(name), str(prog), str(arg)
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	argv := uint32(elfBody + codeSize + len(data))
	le := binary.LittleEndian
	data = le.AppendUint32(le.AppendUint32(le.AppendUint32(data, progAddr), argAddr), 0)

	code := asm32{}.
		eax(356).ebx(nameAddr).ecx(1).int80().             // memfd_create
		eax(10).ebx(nameAddr).int80().                     // unlink: x86_64's mprotect number
		eax(11).ebx(progAddr).ecx(argv).edxZero().int80(). // execve
		eax(60).edi(4).syscall()                           // x86_64 exit(4)
	if len(code) != codeSize {
		panic("int80Program: code size changed")
	}
	return staticELF(append(code, data...))
}

// runProgram writes a program to a file and runs it.
func runProgram(t *testing.T, prog []byte) (*exec.Cmd, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prog")
	if err := os.WriteFile(path, prog, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path)
	return cmd, cmd.Run()
}

// TestCaptureCompat checks 32-bit syscalls: they are reported under their
// x86_64 number with FlagCompat and their arguments read from the ia32
// registers with 4-byte pointers, and a 32-bit unlink, whose number is
// x86_64's mprotect, is not taken for a selected mprotect.
func TestCaptureCompat(t *testing.T) {
	var exit *exec.ExitError
	if _, err := runProgram(t, int80Exit7()); !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Skipf("this kernel takes no ia32 syscalls (IA32 emulation off, or a PVM guest): %v", err)
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	c := startCapture(t, Options{Events: []uint32{10, 59, 87, 319}, ExcludeTGIDs: []uint32{self()}, CaptureArgv: true})
	cmd, err := runProgram(t, int80Program("vigil-ia32", truePath, "compat-argv"))
	if err != nil {
		t.Fatalf("int 0x80 program: %v", err)
	}
	pid := uint32(cmd.Process.Pid)

	ev := c.await(t, "32-bit memfd_create", from(pid, 319))
	if ev.Flags&FlagCompat == 0 || ev.Syscall != 319 || ev.ReturnValue < 0 ||
		argStr(t, ev, 0) != "vigil-ia32" || argInt(t, ev, 1) != 1 {
		t.Errorf("memfd_create: %+v", ev)
	}
	ev = c.await(t, "32-bit unlink", from(pid, 87))
	if ev.Flags&FlagCompat == 0 || argStr(t, ev, 0) != "vigil-ia32" || ev.ReturnValue != -2 {
		t.Errorf("unlink: %+v", ev)
	}
	// The test's own fork execs prog under the same pid first (a 64-bit
	// execve); the 32-bit one is the one flagged compat.
	ev = c.await(t, "32-bit execve", func(e *Event) bool { return from(pid, 59)(e) && e.Flags&FlagCompat != 0 })
	if ev.ReturnValue != 0 || argStr(t, ev, 0) != truePath ||
		!slices.Equal(argStrs(t, ev, 1), []string{truePath, "compat-argv"}) {
		t.Errorf("execve: %+v", ev)
	}
	// After the execve the task runs the 64-bit true, whose mprotects are
	// real: only the 32-bit part before it must have none.
	for _, e := range c.before(ev) {
		if e.HostPID == pid && e.EventID == 10 {
			t.Errorf("32-bit unlink reported as mprotect: %+v", e)
		}
	}
}

// TestStaticELF checks the test's program builder where ia32 cannot be
// tested: an x86_64 exit(5) built the same way runs.
func TestStaticELF(t *testing.T) {
	var exit *exec.ExitError
	if _, err := runProgram(t, staticELF(asm32{}.eax(60).edi(5).syscall())); !errors.As(err, &exit) || exit.ExitCode() != 5 {
		t.Fatalf("exit(5) program: %v", err)
	}
}
