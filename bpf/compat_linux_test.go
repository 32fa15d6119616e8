//go:build linux && amd64

package bpf

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// i386Program returns a static 32-bit x86 ELF executable that calls
// memfd_create(name, MFD_CLOEXEC) and unlink(name) through int 0x80, then
// exits 0. It is assembled here: the test needs a 32-bit process and the
// machine has no 32-bit toolchain.
func i386Program(name string) []byte {
	const (
		base     = 0x08048000
		ehsize   = 52
		phsize   = 32
		entry    = base + ehsize + phsize
		codeSize = 5 + 5 + 5 + 2 + 5 + 5 + 2 + 5 + 2 + 2
	)
	nameAddr := uint32(entry + codeSize)
	le := binary.LittleEndian
	var code []byte
	movEAX := func(v uint32) { code = le.AppendUint32(append(code, 0xb8), v) }
	movEBX := func(v uint32) { code = le.AppendUint32(append(code, 0xbb), v) }
	movECX := func(v uint32) { code = le.AppendUint32(append(code, 0xb9), v) }
	int80 := func() { code = append(code, 0xcd, 0x80) }
	movEAX(356) // memfd_create
	movEBX(nameAddr)
	movECX(1) // MFD_CLOEXEC
	int80()
	movEAX(10) // unlink: x86_64's mprotect number
	movEBX(nameAddr)
	int80()
	movEAX(1)                       // exit
	code = append(code, 0x31, 0xdb) // xor ebx, ebx
	int80()
	if len(code) != codeSize {
		panic("i386Program: code size changed")
	}
	body := append(code, append([]byte(name), 0)...)
	size := uint32(ehsize + phsize + len(body))

	h := []byte{0x7f, 'E', 'L', 'F', 1 /* 32-bit */, 1 /* LE */, 1 /* version */, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	h = le.AppendUint16(h, 2) // ET_EXEC
	h = le.AppendUint16(h, 3) // EM_386
	h = le.AppendUint32(h, 1)
	h = le.AppendUint32(h, entry)
	h = le.AppendUint32(h, ehsize) // program headers
	h = le.AppendUint32(h, 0)      // no section headers
	h = le.AppendUint32(h, 0)
	h = le.AppendUint16(h, ehsize)
	h = le.AppendUint16(h, phsize)
	h = le.AppendUint16(h, 1)
	h = le.AppendUint16(h, 0)
	h = le.AppendUint16(h, 0)
	h = le.AppendUint16(h, 0)
	// one PT_LOAD of the whole file, readable and executable
	for _, v := range []uint32{1, 0, base, base, size, size, 5, 0x1000} {
		h = le.AppendUint32(h, v)
	}
	return append(h, body...)
}

// TestCaptureCompat runs a 32-bit program: its memfd_create is reported
// under the x86_64 number with FlagCompat, and its unlink, whose ia32 number
// is x86_64's mprotect, is not taken for a selected mprotect.
func TestCaptureCompat(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "ia32")
	if err := os.WriteFile(prog, i386Program("vigil-ia32"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := startCapture(t, Options{Events: []uint32{319, 10, 87, 715}, ExcludeTGIDs: []uint32{self()}})
	cmd := exec.Command(prog)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("this kernel runs no 32-bit programs (IA32 emulation off, or a PVM guest): %v %s", err, out)
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
	exit := c.await(t, "exit", from(pid, 715))
	for _, e := range c.before(exit) {
		if e.HostPID == pid && e.EventID == 10 {
			t.Errorf("32-bit unlink reported as mprotect: %+v", e)
		}
	}
}
