package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTable checks the committed table loads.
func TestTable(t *testing.T) {
	tab, err := loadTable("events.yaml", "syscalls.yaml", "sets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := find(tab, "read"); !ok || !slices.Equal(r.Sets, []string{"syscalls", "fs", "fs_read_write"}) {
		t.Errorf("read, a row of syscalls.yaml, has sets %+v", r)
	}
	fo, ok := find(tab, "security_file_open")
	if !ok || len(fo.sources) != 4 || fo.sources[0].Name != "open" {
		t.Errorf("security_file_open sources: %+v", fo)
	}
}

func find(t *table, name string) (*event, bool) {
	for _, e := range t.Events {
		if e.Name == name {
			return e, true
		}
	}
	return nil, false
}

// writeTable writes a table for loadTable and returns its path.
func writeTable(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// noKernel returns the path of an empty syscalls.yaml.
func noKernel(t *testing.T) string {
	return writeTable(t, "syscalls: []\n")
}

// TestTableErrors checks that a broken row fails naming what is wrong.
func TestTableErrors(t *testing.T) {
	const consts = "constants:\n  - {doc: d, type: uint32, values: [{c: EMIT_A, go: emitA, value: 1}]}\nevents:\n"
	for _, c := range []struct{ rows, want string }{
		{"  - {name: a, id: 1, ia32: []}\n  - {name: b, id: 1, ia32: []}\n", "id 1 is also a's"},
		{"  - {name: a, id: 1, ia32: []}\n  - {name: a, id: 2, ia32: []}\n", "name used twice"},
		{"  - {name: a, id: 1, ia32: [], tracepoint: x}\n", "exactly one of"},
		{"  - {name: a, id: 1}\n", "exactly one of"},
		{"  - {name: a, id: 600, ia32: []}\n", "not below 512"},
		{"  - {name: a, id: 7, tracepoint: x}\n", "in the syscall range"},
		{"  - {name: a, id: 700, derived_from: [nope]}\n", "nope, which is not a syscall"},
		{"  - {name: s, id: 1, ia32: []}\n  - {name: a, id: 700, derived_from: [s, s]}\n",
			"a: derived from s twice"},
		{"  - {name: a, id: 1, ia32: [5]}\n  - {name: b, id: 2, ia32: [5]}\n", "ia32 number 5 is also a's"},
		{"  - {name: a, id: 2000, from_records: [nope]}\n", "a: from records of nope, which is not an event captured in the kernel"},
		{"  - {name: a, id: 2000, from_records: [b]}\n  - {name: b, id: 2001, from_records: [a]}\n", "from records of b"},
		{"  - {name: a, id: 1, ia32: [], args: [\"fd int\"]}\n", `argument "fd int" is not`},
		{"  - {name: a, id: 1, ia32: [], args: [\"a: int\", \"b: int\", \"c: int\", \"d: int\", \"e: int\", \"f: int\", \"g: int\"]}\n",
			"more than the 6 registers"},
		{"  - {name: a, id: 700, tracepoint: x, emit: EMIT_B}\n", "emit EMIT_B is not a constant"},
		{"  - {name: a, id: 1, ia32: [], sest: []}\n", "field sest not found"},
	} {
		_, err := loadTable(writeTable(t, consts+c.rows), noKernel(t), writeTable(t, "{}\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("rows\n%s: error %v, want one containing %q", c.rows, err, c.want)
		}
	}
}

// TestSetsOfUnknownSyscalls checks that sets.yaml cannot name a syscall
// the kernel's table lacks.
func TestSetsOfUnknownSyscalls(t *testing.T) {
	_, err := loadTable(writeTable(t, "events: []\n"), writeTable(t, "syscalls: [{name: read, id: 0, ia32: [], args: []}]\n"),
		writeTable(t, "read: [fs]\nreed: [fs]\n"))
	if err == nil || !strings.Contains(err.Error(), "sets for reed, which are not syscalls") {
		t.Errorf("a set of an unknown syscall: %v", err)
	}
}

// TestDerivedBits checks that the derivation bits run out at 32, the width
// of struct vigil_syscall.derived, with a clear error.
func TestDerivedBits(t *testing.T) {
	var syscalls, derived strings.Builder
	for i := range maxDerived + 1 {
		fmt.Fprintf(&syscalls, "  - {name: s%d, id: %d, ia32: []}\n", i, i)
		fmt.Fprintf(&derived, "  - {name: d%d, id: %d, derived_from: [s%d]}\n", i, 700+i, i)
	}
	_, err := loadTable(writeTable(t, "events:\n"+syscalls.String()+derived.String()), noKernel(t), writeTable(t, "{}\n"))
	if err == nil || !strings.Contains(err.Error(), "d32: more than 32 derived events") {
		t.Errorf("33 derived events: %v", err)
	}
}
