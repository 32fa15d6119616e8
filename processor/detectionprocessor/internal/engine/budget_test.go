package engine

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"
	"time"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
	"github.com/vigil-sec/vigil/tracee"
)

// budgetSig is a signature on openat whose tracee_match is body.
func budgetSig(id, body string) []byte {
	return fmt.Appendf(nil, `package tracee.%s

__rego_metadoc__ := {"id": %q, "name": "t"}

tracee_selected_events[s] {
	s := {"source": "tracee", "name": "openat"}
}

tracee_match {
	%s
}
`, "P_"+id, id, body)
}

// TestBudget: an evaluation past the budget is cancelled and reported as an
// overrun; MaxOverruns in a row disable the signature; the other signature,
// evaluated after it on the same worker, matches every time.
func TestBudget(t *testing.T) {
	set, err := signature.Load(context.Background(), []signature.Source{{FS: fstest.MapFS{
		"a_slow.rego": {Data: budgetSig("A", `count([x | x := numbers.range(1, 1000000000)[_]; x % 7 == 0]) > 0`)},
		"b_fast.rego": {Data: budgetSig("B", `input.processName == "cat"`)},
	}, Root: "."}}, loadBudget)
	if err != nil {
		t.Fatal(err)
	}
	// The budget is counted in the thread's CPU time, as the processor
	// counts it: in wall time, B's first evaluation overran too under
	// qemu on a busy machine (its code run for the first time, then
	// translated), and it was cancelled. B uses well under a budget of
	// CPU time even so.
	const budget = 200 * time.Millisecond
	e, err := New(set, set.Signatures, Options{Budget: budget, MaxOverruns: 2})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.NewWorker(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	defer w.Bind()()
	lr, res := recordOf(&tracee.Event{EventName: "openat", ProcessName: "cat"})
	g := e.Candidates("openat", vigil.OriginHost)
	for i, want := range []struct{ overrun, disabled bool }{{true, false}, {true, true}, {false, false}, {false, false}} {
		start := time.Now()
		matches, errs := w.Eval(context.Background(), g, lr, res, nil)
		took := time.Since(start)
		if len(matches) != 1 || matches[0].Signature.ID != "B" {
			t.Errorf("evaluation %d: matches %v, want B", i, matches)
		}
		overrun := len(errs) == 1 && errs[0].Overrun && errs[0].Signature.ID == "A"
		if overrun != want.overrun || len(errs) > 1 || (len(errs) == 1 && !errs[0].Overrun) {
			t.Fatalf("evaluation %d: errors %+v, want an overrun of A: %v", i, errs, want.overrun)
		}
		if overrun && errs[0].Disabled != want.disabled {
			t.Errorf("evaluation %d: disabled %v, want %v", i, errs[0].Disabled, want.disabled)
		}
		if overrun && took < budget {
			t.Errorf("evaluation %d cancelled after %s, before the budget of %s", i, took, budget)
		}
	}
}

// TestWatchCancelsOnlyTheLongEvaluation: the watchdog cancels an
// evaluation it saw running for a whole budget, and the next evaluation
// starts uncancelled.
func TestWatchCancelsOnlyTheLongEvaluation(t *testing.T) {
	w := newWatch(8 * time.Millisecond)
	defer w.close()
	w.begin()
	deadline := time.Now().Add(30 * time.Second)
	for !w.Cancelled() {
		if time.Now().After(deadline) {
			t.Fatal("a running evaluation was not cancelled within 30s")
		}
		time.Sleep(time.Millisecond)
	}
	w.end()
	w.begin()
	if w.Cancelled() {
		t.Error("the next evaluation starts cancelled")
	}
	w.end()
}

// TestBudgetIsCPUTimeWhenBound: a bound evaluation that waits (as one does
// when the machine is busy and its thread gets no CPU) is not cancelled
// however long it waits; one that burns CPU is, after about a budget.
func TestBudgetIsCPUTimeWhenBound(t *testing.T) {
	const budget = 20 * time.Millisecond
	w := newWatch(budget)
	defer w.close()
	unbind := w.bind()
	defer unbind()

	w.begin()
	time.Sleep(5 * budget) // the waiting under test, not a synchronisation
	if w.Cancelled() {
		t.Fatal("an evaluation that used no CPU was cancelled")
	}
	// the wall time a budget of CPU takes depends on the machine's load:
	// the deadline is generous
	start := time.Now()
	for !w.Cancelled() {
		if time.Since(start) > 30*time.Second {
			t.Fatal("an evaluation burning CPU was not cancelled within 30s")
		}
	}
	w.end()
	w.begin()
	if w.Cancelled() {
		t.Fatal("the next evaluation starts cancelled")
	}
	w.end()
}

// TestWatchParksWhenIdle: with no evaluation between two ticks the
// watchdog parks, and the next evaluation wakes it, so that one is still
// cancelled after its budget. Repeated, so that begins race with parks.
func TestWatchParksWhenIdle(t *testing.T) {
	w := newWatch(4 * time.Millisecond)
	defer w.close()
	for i := range 50 {
		deadline := time.Now().Add(30 * time.Second)
		for !w.parked.Load() {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the idle watchdog did not park", i)
			}
			time.Sleep(100 * time.Microsecond)
		}
		for range i % 5 { // short evaluations, some racing with the park
			w.begin()
			w.end()
		}
		w.begin()
		for !w.Cancelled() {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: a long evaluation after a park was not cancelled", i)
			}
			time.Sleep(100 * time.Microsecond)
		}
		w.end()
	}
}
