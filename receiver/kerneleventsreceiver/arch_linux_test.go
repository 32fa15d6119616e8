//go:build linux

package kerneleventsreceiver

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vigil-sec/vigil/catalog"
)

// TestSetMembersThisArchitectureLacks plays arm64, which has no open: a
// set's open is left out with a log line naming it, and the rest of the
// set kept; open named on its own is kept, for start-up to report
// (TestEventThisKernelLacks shows how an event the kernel cannot provide
// fails it, or is left out with on_unavailable: warn).
func TestSetMembersThisArchitectureLacks(t *testing.T) {
	real := archLacks
	t.Cleanup(func() { archLacks = real })
	open, openat := catalog.EventID(2), catalog.EventID(257)
	archLacks = func(id uint32) string {
		if id == uint32(open) {
			return "arm64 has no open syscall"
		}
		return ""
	}
	source := func(events ...string) (*ebpfSource, *observer.ObservedLogs) {
		t.Helper()
		cfg := createDefaultConfig().(*Config)
		cfg.Events = events
		defs, err := resolveEvents(events)
		if err != nil {
			t.Fatal(err)
		}
		core, logs := observer.New(zap.InfoLevel)
		return newEBPFSource(cfg, defs, nil, zap.New(core)).(*ebpfSource), logs
	}

	s, logs := source("fs")
	if s.selected[open] || !s.selected[openat] {
		t.Errorf("fs on arm64: open selected %v, openat %v; want openat only", s.selected[open], s.selected[openat])
	}
	left := logs.FilterMessageSnippet("no syscall for").All()
	if len(left) != 1 || !containsString(left[0].ContextMap()["events"], "open") {
		t.Fatalf("log lines %v, want one naming open", logs.All())
	}

	s, logs = source("fs", "open")
	if !s.selected[open] || logs.FilterMessageSnippet("no syscall for").Len() != 0 {
		t.Errorf("open named on arm64: selected %v, logs %v; want it kept for start-up to report", s.selected[open], logs.All())
	}
}

func containsString(list any, want string) bool {
	items, _ := list.([]any)
	for _, it := range items {
		if it == want {
			return true
		}
	}
	return false
}
