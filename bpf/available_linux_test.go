//go:build linux && (amd64 || arm64)

package bpf

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/catalog"
)

// TestUnavailable: an event is unavailable exactly when a tracepoint its
// programs need is missing, and the reason names that tracepoint.
func TestUnavailable(t *testing.T) {
	rename, openat := uint32(catalog.IDTaskRename), uint32(257)
	got, err := unavailable([]uint32{rename, openat}, func(tp string) bool { return tp != "task_rename" })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[rename], "no task_rename tracepoint") {
		t.Fatalf("unavailable = %v, want task_rename only, naming its tracepoint", got)
	}
	if got, err := unavailable([]uint32{rename, openat}, func(string) bool { return true }); err != nil || len(got) != 0 {
		t.Fatalf("with every tracepoint: %v, %v", got, err)
	}
}

// TestEverythingAvailableHere: this kernel has every tracepoint the
// catalog's capturable events of this architecture need.
func TestEverythingAvailableHere(t *testing.T) {
	got, err := Unavailable(supportedHere())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("unavailable on this kernel: %v", got)
	}
}
