package engine

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/tracee"
)

type testSlot struct {
	hash uint64
	used bool
}

// remember puts hash in its slot as the memo and the results do.
func remember(tab *slotTable[testSlot], hash uint64) {
	s := tab.slot(hash)
	if s.used && s.hash != hash {
		s = tab.evict(hash)
	}
	*s = testSlot{hash: hash, used: true}
}

func spread(i uint64) uint64 { return i * 0x9e3779b97f4a7c15 }

// TestSlotTableGrowsWithWhatItHolds: a table fed one key (a flood) stays
// at minSlots; fed ever more keys it doubles up to its maximum and no
// further; what was just remembered is found.
func TestSlotTableGrowsWithWhatItHolds(t *testing.T) {
	tab := newSlotTable[testSlot](4096)
	for range 100_000 {
		remember(&tab, spread(1))
	}
	if len(tab.slots) != minSlots {
		t.Errorf("one key repeated: %d slots, want %d", len(tab.slots), minSlots)
	}

	// A few more keys than slots: some evict each other, not enough to grow.
	for i := range uint64(minSlots / 4) {
		remember(&tab, spread(i))
	}
	if len(tab.slots) != minSlots {
		t.Errorf("%d keys: %d slots, want %d", minSlots/4, len(tab.slots), minSlots)
	}

	sizes := []int{len(tab.slots)}
	for i := range uint64(100_000) {
		remember(&tab, spread(i))
		if s := tab.slot(spread(i)); !s.used || s.hash != spread(i) {
			t.Fatalf("key %d not found right after it was remembered", i)
		}
		if n := len(tab.slots); n != sizes[len(sizes)-1] {
			sizes = append(sizes, n)
		}
	}
	want := []int{256, 512, 1024, 2048, 4096}
	if len(sizes) != len(want) {
		t.Fatalf("sizes %v, want %v", sizes, want)
	}
	for i := range want {
		if sizes[i] != want[i] {
			t.Fatalf("sizes %v, want %v", sizes, want)
		}
	}
}

// TestFloodKeepsCachesSmall: a worker evaluating one record over and
// over holds its memo and results at their smallest.
func TestFloodKeepsCachesSmall(t *testing.T) {
	set := loadSigs(t, map[string]string{"memo.rego": memoSig, "result.rego": resultSig})
	p := newPair(t, set)
	for i := range int64(2000) {
		lr, res := shadowRead(i)
		if !p.check(t, lr, res) {
			t.Fatal("the read of /etc/shadow did not match")
		}
	}
	if p.guarded.memoHits == 0 {
		t.Fatal("the flood was never answered from the memo or the results")
	}
	if n := len(p.guarded.memo.table.slots); n != minSlots {
		t.Errorf("memo: %d slots, want %d", n, minSlots)
	}
	if n := len(p.guarded.verdicts.results.slots); n != minSlots {
		t.Errorf("results: %d slots, want %d", n, minSlots)
	}
}

// shadowRead is cat reading /etc/shadow at time ts: a flood's records
// differ in time only.
func shadowRead(ts int64) (plog.LogRecord, pcommon.Resource) {
	ev := tracee.Event{Timestamp: ts, HostProcessID: 7, HostThreadID: 7, ProcessName: "cat", EventName: "security_file_open",
		Args: []tracee.Arg{{Name: "pathname", Type: "const char*", Value: "/etc/shadow"}, {Name: "flags", Type: "string", Value: "O_RDONLY"}}}
	lr, res := recordOf(&ev)
	vigil.WriteResource(res.Attributes(), "", &vigil.Process{PID: 7, Name: "cat", Ancestry: &vigil.Ancestry{PIDs: []int64{1}}}, nil)
	return lr, res
}
