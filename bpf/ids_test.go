package bpf

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil"
)

// wireDefines returns the #define NAME NUMBER lines of c/wire.h.
func wireDefines(t *testing.T) map[string]int {
	t.Helper()
	f, err := os.Open("c/wire.h")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^#define\s+(VIGIL_\w+)\s+(\d+)\b`)
	defs := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			n, _ := strconv.Atoi(m[2])
			defs[m[1]] = n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return defs
}

// TestWireEventIDs checks the event ids and argument positions the C side
// names against the catalog.
func TestWireEventIDs(t *testing.T) {
	var events, args int
	for name, n := range wireDefines(t) {
		switch {
		case strings.HasPrefix(name, "VIGIL_EVENT_"):
			events++
			ev := strings.TrimPrefix(name, "VIGIL_EVENT_")
			d, ok := vigil.LookupEventID(vigil.EventID(n))
			if !ok || d.Name != ev {
				t.Errorf("%s = %d: the catalog has %v for that id", name, n, d)
			}
		case strings.HasPrefix(name, "VIGIL_ARG_"):
			args++
			ev, arg, ok := strings.Cut(strings.TrimPrefix(name, "VIGIL_ARG_"), "__")
			if !ok {
				t.Errorf("%s: not VIGIL_ARG_<event>__<arg>", name)
				continue
			}
			d, found := vigil.LookupEvent(ev)
			if !found {
				t.Errorf("%s: no event %q in the catalog", name, ev)
				continue
			}
			if i := d.ArgIndex(arg); i != n || n >= len(d.Args) {
				t.Errorf("%s = %d: %s has %s at %d of %d", name, n, ev, arg, i, len(d.Args))
			}
		}
	}
	if events == 0 || args == 0 {
		t.Fatalf("found %d event ids and %d argument positions in c/wire.h", events, args)
	}
}

// TestWireConstants checks the Go copies of the wire.h constants.
func TestWireConstants(t *testing.T) {
	defs := wireDefines(t)
	want := map[string]int{
		"VIGIL_KIND_INT": int(ArgInt), "VIGIL_KIND_UINT": int(ArgUint), "VIGIL_KIND_STR": int(ArgString),
		"VIGIL_KIND_STRS": int(ArgStrings), "VIGIL_KIND_BYTES": int(ArgBytes),
		"VIGIL_SPEC_SKIP": int(specSkip), "VIGIL_SPEC_INT32": int(specInt32), "VIGIL_SPEC_INT64": int(specInt64),
		"VIGIL_SPEC_UINT32": int(specUint32), "VIGIL_SPEC_UINT64": int(specUint64), "VIGIL_SPEC_STR": int(specStr),
		"VIGIL_SPEC_STRS": int(specStrs), "VIGIL_SPEC_SOCKADDR": int(specSockaddr),
		"VIGIL_SPEC_SOCKADDR_LENP":              int(specSockaddrLenP),
		"VIGIL_EVENT_sched_process_fork":        int(eventSchedProcessFork),
		"VIGIL_EVENT_sched_process_exec":        int(eventSchedProcessExec),
		"VIGIL_EVENT_sched_process_exit":        int(eventSchedProcessExit),
		"VIGIL_EVENT_cgroup_mkdir":              int(eventCgroupMkdir),
		"VIGIL_EVENT_security_file_open":        int(eventSecurityFileOpen),
		"VIGIL_EVENT_security_bprm_check":       int(eventSecurityBprmCheck),
		"VIGIL_DERIVED_FILE_OPEN":               int(derivedFileOpen),
		"VIGIL_EVENT_security_socket_connect":   int(eventSecuritySocketConn),
		"VIGIL_DERIVED_SOCKET_CONNECT":          int(derivedSocketConnect),
		"VIGIL_EVENT_security_sb_mount":         int(eventSecuritySbMount),
		"VIGIL_DERIVED_SB_MOUNT":                int(derivedSbMount),
		"VIGIL_EVENT_security_kernel_read_file": int(eventSecurityKernelRead),
		"VIGIL_DERIVED_KERNEL_READ":             int(derivedKernelRead),
		"VIGIL_EVENT_security_inode_rename":     int(eventSecurityRename),
		"VIGIL_DERIVED_RENAME":                  int(derivedRename),
		"VIGIL_EVENT_magic_write":               int(eventMagicWrite),
		"VIGIL_DERIVED_MAGIC_WRITE":             int(derivedMagicWrite),
		"VIGIL_EVENT_mem_prot_alert":            int(eventMemProtAlert),
		"VIGIL_DERIVED_MEM_PROT":                int(derivedMemProt),
		"VIGIL_EVENT_socket_dup":                int(eventSocketDup),
		"VIGIL_DERIVED_SOCKET_DUP":              int(derivedSocketDup),
	}
	for name, v := range want {
		if got, ok := defs[name]; !ok || got != v {
			t.Errorf("%s: wire.h has %d (defined: %v), Go has %d", name, got, ok, v)
		}
	}
	// the flags are shifts in wire.h
	if FlagCompat != 1<<0 || FlagContainer != 1<<1 {
		t.Error("flag values differ from VIGIL_FLAG_*")
	}
}

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
		d, ok := vigil.LookupEventID(vigil.EventID(id))
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
// each with its own bit, and that no syscall feeds two.
func TestSyscallDerived(t *testing.T) {
	bits := map[uint8]uint32{}
	feeds := map[uint32]uint32{} // syscall -> derived event
	for id, src := range syscallDerived {
		if d, ok := vigil.LookupEventID(vigil.EventID(id)); !ok || d.Syscall {
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
			// emit_derived in c/security.h runs one handler per exit
			if other, dup := feeds[nr]; dup {
				t.Errorf("syscall %d feeds both %d and %d", nr, other, id)
			}
			feeds[nr] = id
			if d, ok := vigil.LookupEventID(vigil.EventID(nr)); (ok && !d.Syscall) || nr >= maxSyscall {
				t.Errorf("derived event %d from %d, which is not a syscall number", id, nr)
			}
		}
	}
}

func TestSyscallSpec(t *testing.T) {
	spec := func(name string, argv, env bool) [6]uint8 {
		d, _ := vigil.LookupEvent(name)
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
	if _, err := specOfType(vigil.TypeSockaddr, vigil.TypeStr); err == nil {
		t.Error("a sockaddr without a length was accepted")
	}
	if _, err := specOfType("struct whatever*", ""); err == nil {
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
