package engine

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
	"github.com/vigil-sec/vigil/tracee"
)

const memoSig = `package tracee.MEMO

import data.tracee.helpers

__rego_metadoc__ := {"id": "MEMO-1", "name": "memo"}

tracee_selected_events[{"source": "tracee", "name": "security_file_open"}]

tracee_match = {"comm": input.processName} {
	helpers.get_tracee_argument("pathname") == "/etc/shadow"
}
`

// everything reads the whole input: it is never memoised.
const everythingSig = `package tracee.ALL

__rego_metadoc__ := {"id": "ALL-1", "name": "all"}

tracee_selected_events[{"source": "tracee", "name": "security_file_open"}]

tracee_match = {"n": count(input)} { input.eventName == "security_file_open" }
`

func loadSigs(t *testing.T, files map[string]string) *signature.Set {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	set, err := signature.Load(context.Background(), []signature.Source{{FS: fsys, Root: ".", Ruleset: "test"}}, loadBudget)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestInputReads: the members a signature reads are found through the
// helpers it calls; a signature reading the whole input reads all.
func TestInputReads(t *testing.T) {
	set := loadSigs(t, map[string]string{"memo.rego": memoSig, "all.rego": everythingSig})
	keys, all := inputReads(set.Compiler, set.Signatures[1].MatchRef) // MEMO-1
	if all || !reflect.DeepEqual(keys, []string{"args", "processName"}) {
		t.Errorf("MEMO-1 reads %v (all: %v), want [args processName]", keys, all)
	}
	if _, all := inputReads(set.Compiler, set.Signatures[0].MatchRef); !all { // ALL-1
		t.Error("ALL-1 reads count(input), but not all of it")
	}
	// Every built-in is memoised, on at most its event name, args and
	// process and container fields: never on what changes per record.
	builtins := loadSet(t)
	for _, s := range builtins.Signatures {
		keys, all := inputReads(builtins.Compiler, s.MatchRef)
		if all || slices.Contains(keys, "timestamp") || slices.Contains(keys, "threadStartTime") {
			t.Errorf("%s reads %v (all: %v)", s.ID, keys, all)
		}
	}
}

// TestMemoIsExact: a record differing only in members its signature does
// not read takes the remembered result; one differing in any member it
// reads is evaluated afresh, and every result is the one Rego gives.
func TestMemoIsExact(t *testing.T) {
	set := loadSigs(t, map[string]string{"memo.rego": memoSig, "all.rego": everythingSig})
	p := newPair(t, set)
	base := tracee.Event{Timestamp: 1, HostProcessID: 7, HostThreadID: 7, ProcessName: "cat", EventName: "security_file_open",
		Args: []tracee.Arg{{Name: "pathname", Type: "const char*", Value: "/etc/shadow"}, {Name: "flags", Type: "string", Value: "O_RDONLY"}}}
	variant := func(f func(*tracee.Event)) *tracee.Event {
		ev := base
		ev.Args = slices.Clone(base.Args)
		f(&ev)
		return &ev
	}
	for _, c := range []struct {
		name string
		ev   *tracee.Event
		hits int // of MEMO-1; ALL-1 never hits
	}{
		{"first", variant(func(*tracee.Event) {}), 0},
		{"same", variant(func(*tracee.Event) {}), 1},
		{"other timestamp and thread", variant(func(e *tracee.Event) { e.Timestamp, e.HostThreadID = 2, 8 }), 1},
		{"other comm", variant(func(e *tracee.Event) { e.ProcessName = "less" }), 0},
		{"other path", variant(func(e *tracee.Event) { e.Args[0].Value = "/etc/passwd" }), 0},
		{"other flags (read through args)", variant(func(e *tracee.Event) { e.Args[1].Value = "O_RDWR" }), 0},
		{"first again", variant(func(*tracee.Event) {}), 1},
	} {
		before := p.guarded.memoHits
		lr, res := recordOf(c.ev)
		p.check(t, lr, res)
		if got := p.guarded.memoHits - before; got != c.hits {
			t.Errorf("%s: %d results from the memo, want %d", c.name, got, c.hits)
		}
	}
}
