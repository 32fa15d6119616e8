package bpf

import (
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/catalog"
)

// TestSupportedEvents checks that every event of the capture issue can be
// selected and that each syscall's spec fits its catalog entry.
func TestSupportedEvents(t *testing.T) {
	want := []uint32{2, 9, 10, 33, 41, 42, 43, 49, 50, 59, 62, 82, 85, 87, 90, 101, 105, 106, 113, 114,
		117, 119, 165, 166, 175, 257, 263, 264, 268, 288, 292, 310, 311, 313, 316, 319, 321, 322, 437, 714, 715, 716,
		724, 727, 729, 731, 732, 736, 740, 743, 749, 768}
	got := SupportedEvents()
	for _, id := range want {
		if !slices.Contains(got, id) {
			t.Errorf("event %d is not supported", id)
		}
	}
	for _, id := range got {
		d, ok := catalog.LookupEventID(catalog.EventID(id))
		if !ok {
			t.Fatalf("supported event %d is not in the catalog", id)
		}
		if !d.Syscall {
			continue
		}
		spec, err := syscallSpec(d, true, true)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range spec {
			if s != specSkip && i >= len(d.Args) {
				t.Errorf("%s: register %d captured, but the catalog has %d arguments", d.Name, i, len(d.Args))
			}
			if s == specSkip && i < len(d.Args) {
				t.Errorf("%s: argument %s not captured", d.Name, d.Args[i].Name)
			}
		}
	}
}

// TestSyscallDerived checks that each derived event comes from syscalls,
// each with its own bit. A syscall may feed several (mmap, mprotect, bpf):
// emit_derived in c/security.h groups their handlers under the syscall.
func TestSyscallDerived(t *testing.T) {
	bits := map[uint32]uint32{}
	for id, src := range syscallDerived {
		if d, ok := catalog.LookupEventID(catalog.EventID(id)); !ok || d.Syscall {
			t.Errorf("derived event %d: catalog entry %v", id, d)
		}
		if src.bit == 0 || src.bit&(src.bit-1) != 0 {
			t.Errorf("derived event %d: bit %#x is not one bit", id, src.bit)
		}
		if other, dup := bits[src.bit]; dup {
			t.Errorf("derived events %d and %d share bit %#x", id, other, src.bit)
		}
		bits[src.bit] = id
		// the catalog lists only the syscalls that can be selected (not
		// write, which feeds magic_write), but a number it has must be one
		for _, nr := range src.syscalls {
			if d, ok := catalog.LookupEventID(catalog.EventID(nr)); (ok && !d.Syscall) || nr >= maxSyscall {
				t.Errorf("derived event %d from %d, which is not a syscall number", id, nr)
			}
		}
	}
}

func TestSyscallSpec(t *testing.T) {
	spec := func(name string, argv, env bool) [6]uint8 {
		d, _ := catalog.LookupEvent(name)
		s, err := syscallSpec(d, argv, env)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name      string
		argv, env bool
		want      [6]uint8
	}{
		{"openat", true, false, [6]uint8{specInt32, specStr, specInt32, specUint32}},
		{"execve", true, false, [6]uint8{specStr, specStrs, specSkip}},
		{"execve", false, true, [6]uint8{specStr, specSkip, specStrs}},
		{"connect", false, false, [6]uint8{specInt32, specSockaddr, specInt32}},
		{"accept4", false, false, [6]uint8{specInt32, specSockaddrLenP, specUint64, specInt32}},
		{"ptrace", false, false, [6]uint8{specInt64, specInt32, specUint64, specUint64}},
		{"mmap", false, false, [6]uint8{specUint64, specUint64, specInt32, specInt32, specInt32, specInt64}},
	}
	for _, tt := range tests {
		if got := spec(tt.name, tt.argv, tt.env); got != tt.want {
			t.Errorf("%s argv=%v env=%v: spec %v, want %v", tt.name, tt.argv, tt.env, got, tt.want)
		}
	}
	if _, err := specOfType(catalog.TypeSockaddr, catalog.TypeStr); err == nil {
		t.Error("a sockaddr without a length was accepted")
	}
	if _, err := specOfType("struct whatever", ""); err == nil {
		t.Error("an unknown type was accepted")
	}
}

func TestIA32Syscalls(t *testing.T) {
	seen := map[uint32]uint32{}
	for native, compat := range ia32Syscalls {
		d, ok := supported(native)
		if !ok || !d.Syscall {
			t.Errorf("ia32 twin of %d, which is not a supported syscall", native)
		}
		for _, nr := range compat {
			if nr >= maxSyscall {
				t.Errorf("ia32 number %d of %d is out of the table", nr, native)
			}
			if other, dup := seen[nr]; dup {
				t.Errorf("ia32 number %d maps to both %d and %d", nr, other, native)
			}
			seen[nr] = native
		}
	}
}
