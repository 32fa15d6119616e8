package detectionprocessor

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

type builtinCase struct {
	Signature string          `json:"signature"` // the signature under test
	Name      string          `json:"name"`
	Event     json.RawMessage `json:"event"`   // a Tracee v0.22.6 JSON event
	Matches   map[string]any  `json:"matches"` // every expected match: id -> data, or true
}

func readBuiltinCases(t testing.TB) []builtinCase {
	t.Helper()
	// one file per group of signatures, so that groups grow independently
	files, err := filepath.Glob("testdata/builtin_cases*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/builtin_cases*.json: %v", err)
	}
	var cases []builtinCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var some []builtinCase
		if err := json.Unmarshal(b, &some); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, some...)
	}
	return cases
}

// TestBuiltinSignatures runs every case through the processor with all the
// built-in signatures and compares the complete set of matches.
func TestBuiltinSignatures(t *testing.T) {
	p, sink := startProcessor(t, createDefaultConfig().(*Config))
	for _, c := range readBuiltinCases(t) {
		t.Run(c.Signature+"/"+c.Name, func(t *testing.T) {
			sink.Reset()
			if err := p.ConsumeLogs(context.Background(), logsOf(decodeEvent(t, c.Event))); err != nil {
				t.Fatal(err)
			}
			got := matchesOf(sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0))
			want := normalize(c.Matches)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("matches = %v, want %v", got, want)
			}
		})
	}
}

// loadBuiltins loads the built-in signatures.
func loadBuiltins(t *testing.T) *signature.Set {
	t.Helper()
	srcs, err := signatureSources(createDefaultConfig().(*Config))
	if err != nil {
		t.Fatal(err)
	}
	set, err := signature.Load(context.Background(), srcs, loadTimeout(defaultEvaluationTimeout))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestBuiltinSignaturesCovered: every built-in signature has a positive and
// a negative case, and every case names a built-in.
func TestBuiltinSignaturesCovered(t *testing.T) {
	set := loadBuiltins(t)
	positive, negative := map[string]bool{}, map[string]bool{}
	for _, c := range readBuiltinCases(t) {
		if _, ok := c.Matches[c.Signature]; ok {
			positive[c.Signature] = true
		} else {
			negative[c.Signature] = true
		}
	}
	ids := map[string]bool{}
	for _, s := range set.Signatures {
		ids[s.ID] = true
		if !positive[s.ID] || !negative[s.ID] {
			t.Errorf("%s (%s): positive case %v, negative case %v; want both", s.ID, s.File, positive[s.ID], negative[s.ID])
		}
	}
	for id := range positive {
		if !ids[id] {
			t.Errorf("cases name %s, which is not a built-in signature", id)
		}
	}
	if len(set.Signatures) != 65 {
		t.Errorf("%d built-in signatures, want 65", len(set.Signatures))
	}
}
