package addrslot

import (
	"strings"
	"testing"
)

// TestOfStaysInTheTable: every slot is one of 1<<bits, for strings
// anywhere, and a string's slot is its address's, not its text's.
func TestOfStaysInTheTable(t *testing.T) {
	words := strings.Fields("the quick brown fox jumps over the lazy dog")
	for _, bits := range []uint{1, 5, 8, 16} {
		for _, w := range words {
			for _, s := range []string{w, strings.Clone(w), w[:1]} {
				if got := Of(s, bits); got >= 1<<bits {
					t.Fatalf("Of(%q, %d) = %d, past the table", s, bits, got)
				}
			}
			if Of(w, bits) != Of(w[:1], bits) {
				t.Fatalf("Of(%q, %d) differs from its prefix's, at the same address", w, bits)
			}
		}
	}
	seen := map[uint64]bool{}
	for i := range 64 {
		seen[Of(strings.Repeat("x", i+1), 8)] = true
	}
	if len(seen) < 16 {
		t.Fatalf("64 strings at different addresses took %d of 256 slots", len(seen))
	}
}

// TestSame: the same string, not an equal one elsewhere nor a prefix at
// the same address.
func TestSame(t *testing.T) {
	s := "/usr/bin/bash"
	for _, c := range []struct {
		held, s string
		want    bool
	}{{s, s, true}, {s, strings.Clone(s), false}, {s, s[:4], false}, {s[:4], s[:4], true}} {
		if got := Same(c.held, c.s); got != c.want {
			t.Errorf("Same(%q, %q) = %v, want %v", c.held, c.s, got, c.want)
		}
	}
}
