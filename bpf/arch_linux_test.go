//go:build linux && (amd64 || arm64)

package bpf

import (
	"maps"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/catalog"
)

// withArch plays the loader on another architecture for one test.
func withArch(t *testing.T, a string) {
	t.Helper()
	old := arch
	arch = a
	t.Cleanup(func() { arch = old })
}

// Event ids (x86_64 numbers) and their arm64 numbers used below.
const (
	idOpen, idOpenat, idOpenat2, idExecve = 2, 257, 437, 59
	arm64Openat, arm64Execve              = 56, 221
)

// TestArm64Unavailable: on arm64 a syscall event of a legacy call it lacks
// is unavailable, naming the architecture and the syscall, so start-up
// fails on it (or leaves it out with on_unavailable: warn); its *at
// successor is available.
func TestArm64Unavailable(t *testing.T) {
	withArch(t, "arm64")
	got, err := unavailable([]uint32{idOpen, idOpenat}, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[idOpen] != "arm64 has no open syscall" {
		t.Fatalf("unavailable = %v, want open only, as arm64 has no open syscall", got)
	}
	if _, err := planFor(&Options{Events: []uint32{idOpen}}); err == nil || !strings.Contains(err.Error(), "arm64 has no open syscall") {
		t.Errorf("planFor(open) on arm64: %v, want an error naming the missing syscall", err)
	}
}

// TestArm64Entries: on arm64 the syscalls map is keyed by the generic
// table's numbers, each entry names the event it reports, a derived event
// leaves out the sources arm64 lacks, and no ia32 twin is selected.
func TestArm64Entries(t *testing.T) {
	withArch(t, "arm64")
	pl, err := planFor(&Options{Events: []uint32{idOpenat, idExecve, uint32(catalog.IDSecurityFileOpen)}})
	if err != nil {
		t.Fatal(err)
	}
	bit := syscallDerived[uint32(catalog.IDSecurityFileOpen)].bit
	if want := map[uint32]uint32{idOpenat: bit, idOpenat2: bit}; !maps.Equal(pl.derived, want) {
		t.Errorf("security_file_open on arm64: derived %v, want %v (no open, no creat)", pl.derived, want)
	}
	entries, err := syscallEntries(pl)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint32]vigilVigilSyscall{
		arm64Openat: {Selected: selectedNative, Derived: bit, Native: idOpenat, Args: pl.syscalls[idOpenat]},
		arm64Execve: {Selected: selectedNative, Native: idExecve, Args: pl.syscalls[idExecve]},
		idOpenat2:   {Derived: bit, Native: idOpenat2}, // 437 on both
	}
	checkEntries(t, entries, want)
}

// TestAmd64Entries: on x86_64 the key is the event id, and the ia32 twin
// of a selected syscall is selected as such, pointing at it.
func TestAmd64Entries(t *testing.T) {
	withArch(t, "amd64")
	pl, err := planFor(&Options{Events: []uint32{idOpenat}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := syscallEntries(pl)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint32]vigilVigilSyscall{idOpenat: {Selected: selectedNative, Args: pl.syscalls[idOpenat]}}
	for _, twin := range ia32Syscalls[idOpenat] {
		want[twin] = vigilVigilSyscall{Selected: selectedCompat, Native: idOpenat}
	}
	if len(want) < 2 {
		t.Fatal("openat has no ia32 twin in the table")
	}
	checkEntries(t, entries, want)
}

func checkEntries(t *testing.T, got map[uint32]*vigilVigilSyscall, want map[uint32]vigilVigilSyscall) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d entries, want %d", len(got), len(want))
	}
	for nr, w := range want {
		if g := got[nr]; g == nil || *g != w {
			t.Errorf("entry %d = %+v, want %+v", nr, g, w)
		}
	}
}
