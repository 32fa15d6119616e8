package catalog

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// unistdHeader is the system's list of x86_64 syscall numbers.
const unistdHeader = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"

// readNumbers parses lines of a name and a number out of a file: "prefix"
// picks the lines and is cut off the name (a #define of unistd_64.h, or a
// line of a data file with an empty prefix); other lines are skipped.
func readNumbers(t *testing.T, path, prefix string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		out[fields[0]] = n
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no numbers in %s", path)
	}
	return out
}

// checkIDs checks the ids of the catalog's syscall events, or of its other
// events, against the numbers a source gives them by name.
func checkIDs(t *testing.T, syscalls bool, numbers map[string]int, source string) {
	t.Helper()
	checked := 0
	for _, d := range Events() {
		if d.Syscall != syscalls {
			continue
		}
		checked++
		n, ok := numbers[d.Name]
		if !ok {
			t.Errorf("%s: not in %s", d.Name, source)
			continue
		}
		if int(d.ID) != n {
			t.Errorf("%s: id %d, %s has %d", d.Name, d.ID, source, n)
		}
	}
	if checked == 0 {
		t.Fatalf("the catalog has no events to check against %s", source)
	}
}

// TestSyscallNumbers checks every syscall of the catalog against the
// system's own syscall table: the id of a syscall event is its number.
func TestSyscallNumbers(t *testing.T) {
	if _, err := os.Stat(unistdHeader); err != nil {
		t.Skipf("no %s (install the Linux UAPI headers, linux-libc-dev): %v", unistdHeader, err)
	}
	checkIDs(t, true, readNumbers(t, unistdHeader, "#define __NR_"), unistdHeader)
}

// TestTraceeEventIDs checks every other event of the catalog against Tracee
// v0.22.6's numbering.
func TestTraceeEventIDs(t *testing.T) {
	const ids = "../testdata/tracee/event_ids_v0.22.6.txt"
	checkIDs(t, false, readNumbers(t, ids, ""), ids)
}

func TestEventsInSet(t *testing.T) {
	all := EventsInSet(SetAll)
	if len(all) != len(Events()) {
		t.Errorf("set all has %d events, the catalog %d", len(all), len(Events()))
	}
	fs := EventsInSet("fs")
	if len(fs) == 0 || len(fs) >= len(all) {
		t.Errorf("set fs has %d of %d events", len(fs), len(all))
	}
	for _, name := range fs {
		if d, _ := LookupEvent(name); !slices.Contains(d.Sets, "fs") {
			t.Errorf("%s is in fs without the set", name)
		}
	}
	if got := EventsInSet("no_such_set"); len(got) != 0 {
		t.Errorf("unknown set: %v", got)
	}
}
