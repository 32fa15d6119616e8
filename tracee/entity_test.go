package tracee

import (
	"testing"

	"github.com/vigil-sec/vigil"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestMurmur3 holds murmur3 to MurmurHash3 x86_32's published values.
func TestMurmur3(t *testing.T) {
	for _, c := range []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"", 1, 0x514e28b7},
		{"a", 0x9747b28c, 0x7fa09ea6},
		{"abc", 0, 0xb3dd93fa},
		{"abcd", 0x9747b28c, 0xf0478627},
		{"Hello, world!", 0x9747b28c, 0x24884cba},
		{"The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723},
	} {
		if got := murmur3([]byte(c.in), c.seed); got != c.want {
			t.Errorf("murmur3(%q, %#x) = %#x, want %#x", c.in, c.seed, got, c.want)
		}
	}
}

// TestTaskEntityID: start times within one USER_HZ tick give one id, as
// /proc cannot tell them apart; another tick or another task, another.
func TestTaskEntityID(t *testing.T) {
	const start = 1699999999995000000
	id := TaskEntityID(1100, start)
	if TaskEntityID(1100, start+4_999_999) != id {
		t.Error("same tick, different ids")
	}
	if TaskEntityID(1100, start+5_000_000) == id || TaskEntityID(1101, start) == id {
		t.Error("another tick or task has the same id")
	}
}

// TestDerivation: a record without entity id attributes derives the
// thread's from its id and start time, and the process's for the thread
// group leader only, from one reading of the task: the derivation keeps
// what it read (attributes changed after the first field do not change
// the second), so it hashes the task once for both.
func TestDerivation(t *testing.T) {
	const start = 1699999999995000000
	var thread, process *Field
	for i := range traceeFields {
		switch f := &traceeFields[i]; f.Key {
		case vigil.AttrThreadEntityID:
			thread = f
		case vigil.AttrProcessEntityID:
			process = f
		}
	}
	derive := func(tid, pid, startTime int64) (th, pr int64) {
		at := vigil.Attrs{Record: pcommon.NewMap(), Resource: pcommon.NewMap()}
		at.Record.PutInt(vigil.AttrThreadID, tid)
		at.Record.PutInt(vigil.AttrThreadStartTime, startTime)
		at.Resource.PutInt(vigil.AttrProcessPID, pid)
		d := new(Derivation)
		d.Reset(at)
		th, _ = thread.Derived(d)
		at.Record.PutInt(vigil.AttrThreadID, tid+1) // read already
		pr, _ = process.Derived(d)
		return th, pr
	}
	want := int64(TaskEntityID(1100, start))
	if th, pr := derive(1100, 1100, start); th != want || pr != want {
		t.Errorf("leader: thread %d, process %d; want both %d", th, pr, want)
	}
	if th, pr := derive(1100, 1000, start); th != want || pr != 0 {
		t.Errorf("other thread: thread %d, process %d; want %d, 0", th, pr, want)
	}
	if th, pr := derive(1100, 1100, 0); th != 0 || pr != 0 {
		t.Errorf("no start time: thread %d, process %d; want 0, 0", th, pr)
	}
	if _, ok := (&Field{}).Derived(nil); ok || (&Field{}).Derives() || !thread.Derives() {
		t.Error("Derives disagrees with Derived")
	}
}
