package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/tracee"
)

// verdictSig's guard reads a resource attribute (processName) and an
// element of a slice argument (argv).
const verdictSig = `package tracee.VERDICT

import data.tracee.helpers

__rego_metadoc__ := {"id": "VERDICT-1", "name": "verdict"}

tracee_selected_events[{"source": "tracee", "name": "sched_process_exec"}]

tracee_match {
	input.processName == "cat"
	argv := helpers.get_tracee_argument("argv")
	argv[_] == "--evil"
}
`

// TestVerdictsAreExact: a record differing from the previous one only in
// attributes no guard reads takes its guards' verdict from the worker's
// verdicts; one differing in any value a guard reads (a resource
// attribute, one element of argv) is tested afresh. In each sequence, on a
// fresh worker, a matching record follows one differing from it in that
// value alone and whose guard failed: a key missing the value would carry
// the failure over and lose the match.
func TestVerdictsAreExact(t *testing.T) {
	set := loadSigs(t, map[string]string{"verdict.rego": verdictSig})
	if form, why := newPair(t, set).eng.Guard("VERDICT-1"); !strings.Contains(form, "processName") || !strings.Contains(form, "argv") {
		t.Fatalf("VERDICT-1's guard is %q (%s); the test needs one reading processName and argv", form, why)
	}
	base := tracee.Event{Timestamp: 1, HostProcessID: 7, HostThreadID: 7, ProcessName: "cat", EventName: "sched_process_exec",
		Args: []tracee.Arg{{Name: "argv", Type: "const char**", Value: []string{"cat", "--evil"}}}}
	variant := func(f func(*tracee.Event)) *tracee.Event {
		ev := base
		ev.Args = []tracee.Arg{{Name: "argv", Type: "const char**", Value: slices.Clone(base.Args[0].Value.([]string))}}
		f(&ev)
		return &ev
	}
	type step struct {
		name  string
		ev    *tracee.Event
		match bool
		hit   bool // the verdict is remembered
	}
	evil := step{"argv with --evil", variant(func(*tracee.Event) {}), true, false}
	again := step{"same, other timestamp and thread", variant(func(e *tracee.Event) { e.Timestamp, e.HostThreadID = 2, 8 }), true, true}
	for _, seq := range [][]step{
		{{"argv without --evil", variant(func(e *tracee.Event) { e.Args[0].Value.([]string)[1] = "--good" }), false, false}, evil, again},
		{{"comm less", variant(func(e *tracee.Event) { e.ProcessName = "less" }), false, false}, evil, again},
	} {
		p := newPair(t, set)
		for _, c := range seq {
			before := p.guarded.verdictHits
			lr, res := recordOf(c.ev)
			if got := p.check(t, lr, res); got != c.match {
				t.Errorf("%s: matched %v, want %v", c.name, got, c.match)
			}
			if hit := p.guarded.verdictHits > before; hit != c.hit {
				t.Errorf("%s after %s: verdict remembered %v, want %v", c.name, seq[0].name, hit, c.hit)
			}
		}
	}
}

// TestVerdictKeyBounded: a record whose guarded values encode longer than
// maxVerdictKey is tested every time, and still gets Rego's answer.
func TestVerdictKeyBounded(t *testing.T) {
	set := loadSigs(t, map[string]string{"verdict.rego": verdictSig})
	p := newPair(t, set)
	ev := tracee.Event{Timestamp: 1, HostProcessID: 7, HostThreadID: 7, ProcessName: "cat", EventName: "sched_process_exec",
		Args: []tracee.Arg{{Name: "argv", Type: "const char**", Value: []string{strings.Repeat("x", maxVerdictKey), "--evil"}}}}
	for range 2 {
		lr, res := recordOf(&ev)
		if !p.check(t, lr, res) {
			t.Error("the long record did not match")
		}
	}
	if p.guarded.verdictHits != 0 {
		t.Errorf("%d verdicts remembered for a key longer than maxVerdictKey", p.guarded.verdictHits)
	}
}

// TestVerdictsGrow: records of more distinct guarded values than minSlots,
// seen in turn again and again (an offline replay, a busy host), grow the
// worker's verdicts until most are found: with a fixed table of minSlots,
// each would evict another before it came round again. Every result is
// still Rego's (check).
func TestVerdictsGrow(t *testing.T) {
	set := loadSigs(t, map[string]string{"verdict.rego": verdictSig})
	p := newPair(t, set)
	// the table doubles after as many overwrites as it has slots, and a
	// growth empties it; when it comes depends on the hash seed. A round
	// is judged once neither it nor the round before grew the table:
	// every key it looks for was remembered in the table it looks in.
	const distinct, maxRounds = 4 * minSlots, 30
	var hits int // in the judged round
	slots, steady := len(p.guarded.verdicts.slots.slots), 0
	for round := 0; steady < 2; round++ {
		if round == maxRounds {
			t.Fatalf("the table (%d slots) still grew in one of the last two of %d rounds", slots, round)
		}
		before := p.guarded.verdictHits
		for i := range distinct {
			ev := tracee.Event{Timestamp: int64(round*distinct + i), HostProcessID: 7, HostThreadID: 7, ProcessName: "cat", EventName: "sched_process_exec",
				Args: []tracee.Arg{{Name: "argv", Type: "const char**", Value: []string{"cat", fmt.Sprint("--file-", i)}}}}
			lr, res := recordOf(&ev)
			p.check(t, lr, res)
		}
		hits = p.guarded.verdictHits - before
		if n := len(p.guarded.verdicts.slots.slots); n != slots {
			slots, steady = n, 0
		} else {
			steady++
		}
	}
	if n := len(p.guarded.verdicts.slots.slots); n <= distinct {
		t.Errorf("the verdicts have %d slots after %d distinct records seen round after round, want more than %d", n, distinct, distinct)
	}
	// direct-mapped, a key is found when no other key shares its slot:
	// about 60-80% of them at 2-4 slots a key; a fixed minSlots (4 keys a
	// slot) would find about 2%
	if hits < distinct/2 {
		t.Errorf("a round without growth: %d of %d verdicts found, want at least half", hits, distinct)
	}
}

// TestVerdictKeysWithinBudget: distinct records with guarded values of
// kilobytes (an exec storm of distinct environments) grow the table but
// not its keys past verdictKeyBytes, which account for what the slots
// hold; every result is still Rego's (check).
func TestVerdictKeysWithinBudget(t *testing.T) {
	set := loadSigs(t, map[string]string{"verdict.rego": verdictSig})
	p := newPair(t, set)
	long := strings.Repeat("x", 3000) // under maxVerdictKey: each is remembered if the budget allows
	v := p.guarded.verdicts
	// A growth empties the table, and when it comes depends on the hash
	// seed: the budget is judged after a run of records without one, long
	// enough to fill it (about 340 keys of 3 KiB) whatever the table's
	// size. The run ends once the table has 1,024 slots at the latest: it
	// then needs more overwrites to grow than the run has records.
	const run = 1000
	slots, sinceGrowth := len(v.slots.slots), 0
	for i := 0; sinceGrowth < run; i++ {
		if i == 20*run {
			t.Fatalf("%d records and the table (%d slots) still grows every %d", i, len(v.slots.slots), run)
		}
		ev := tracee.Event{Timestamp: int64(i), HostProcessID: 7, HostThreadID: 7, ProcessName: "cat", EventName: "sched_process_exec",
			Args: []tracee.Arg{{Name: "argv", Type: "const char**", Value: []string{fmt.Sprint(long, i), "--evil"}}}}
		lr, res := recordOf(&ev)
		if !p.check(t, lr, res) {
			t.Fatalf("record %d did not match", i)
		}
		if n := len(v.slots.slots); n != slots {
			slots, sinceGrowth = n, 0
		} else {
			sinceGrowth++
		}
	}
	held, remembered := 0, 0
	for _, s := range v.slots.slots {
		held += cap(s.key)
		if s.group != nil {
			remembered++
		}
	}
	if held != v.keyBytes {
		t.Errorf("the slots' keys hold %d bytes, counted %d", held, v.keyBytes)
	}
	if held > verdictKeyBytes {
		t.Errorf("the keys hold %d bytes, more than verdictKeyBytes (%d)", held, verdictKeyBytes)
	}
	if want := verdictKeyBytes / 4096 / 2; remembered < want {
		t.Errorf("%d verdicts remembered, want at least %d: the budget should be used", remembered, want)
	}
}
