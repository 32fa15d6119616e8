package catalog

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// genericUnistd is the kernel's generic syscall table, which arm64 uses; the
// x86_64 UAPI headers (linux-libc-dev) carry it too.
const genericUnistd = "/usr/include/asm-generic/unistd.h"

// genericNumbers reads the generic table: "#define __NR_name 63", and
// "#define __NR_name __NR3264_name" for the calls whose 64-bit name differs
// (lseek, newfstatat, mmap, ...).
func genericNumbers(t *testing.T) map[string]uint32 {
	t.Helper()
	src, err := os.ReadFile(genericUnistd)
	if err != nil {
		t.Skipf("no %s (install the Linux UAPI headers, linux-libc-dev): %v", genericUnistd, err)
	}
	nums := readNumbers(t, genericUnistd, "#define __NR")
	out := map[string]uint32{}
	for name, n := range nums {
		if name, ok := strings.CutPrefix(name, "_"); ok {
			out[name] = uint32(n)
		}
	}
	alias := regexp.MustCompile(`(?m)^#define __NR_(\w+) __NR3264_(\w+)$`)
	for _, m := range alias.FindAllStringSubmatch(string(src), -1) {
		if n, ok := nums["3264_"+m[2]]; ok {
			if _, seen := out[m[1]]; !seen {
				out[m[1]] = uint32(n)
			}
		}
	}
	return out
}

// TestArm64Numbers checks the generated arm64 numbers (from
// golang.org/x/sys) against the kernel's generic table as the system's
// headers give it, and that the legacy calls arm64 lacks are left out.
func TestArm64Numbers(t *testing.T) {
	generic := genericNumbers(t)
	checked := 0
	for _, d := range Events() {
		nr, ok := SyscallNumber("arm64", d.ID)
		if !ok {
			continue
		}
		checked++
		if want, ok := generic[d.Name]; !ok || want != nr {
			t.Errorf("%s: arm64 number %d, %s has %d (present: %v)", d.Name, nr, genericUnistd, want, ok)
		}
	}
	if checked < 250 {
		t.Errorf("only %d syscall events have an arm64 number", checked)
	}
	for name, want := range map[string]struct {
		nr uint32
		ok bool
	}{"openat": {56, true}, "execve": {221, true}, "newfstatat": {79, true}, "open": {}, "stat": {}, "fork": {}} {
		d, found := LookupEvent(name)
		if !found {
			t.Fatalf("no %s in the catalog", name)
		}
		if nr, ok := SyscallNumber("arm64", d.ID); nr != want.nr || ok != want.ok {
			t.Errorf("SyscallNumber(arm64, %s) = %d, %v; want %d, %v", name, nr, ok, want.nr, want.ok)
		}
	}
}

// TestSyscallNumberAmd64 checks that on x86_64 the number is the id, and
// that events that are no syscalls and unknown architectures have none.
func TestSyscallNumberAmd64(t *testing.T) {
	d, _ := LookupEvent("openat")
	if nr, ok := SyscallNumber("amd64", d.ID); !ok || nr != uint32(d.ID) {
		t.Errorf("SyscallNumber(amd64, openat) = %d, %v; want %d", nr, ok, d.ID)
	}
	if _, ok := SyscallNumber("amd64", IDSchedProcessExec); ok {
		t.Error("sched_process_exec has a syscall number")
	}
	if _, ok := SyscallNumber("riscv64", d.ID); ok {
		t.Error("riscv64 has a number, but the catalog has no riscv64 table")
	}
}
