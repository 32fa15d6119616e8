package engine

import (
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/regoinput"
)

// memoSlots is the most results a worker remembers: a power of two. Each
// slot holds references into one record's input (the members its
// signature reads), so a worker's memo is bounded by memoSlots inputs.
// 1,024 slots thrashed on a stream of the 256 built-in cases repeated
// (each record has several candidate signatures, and slots are mapped
// directly): 4,096 halved its cost (BenchmarkHostile/builtin-cases). The
// memo starts smaller and grows to it as it thrashes (slots.go).
const memoSlots = 4096

// A memo remembers signatures' results on the inputs they were evaluated
// on. A flood repeats itself: the same process opening the same file
// differs from one record to the next only in members no signature reads
// (timestamp, thread start time, cpu), so its records find their results
// here instead of in Rego.
//
// It is exact: a slot is found by a hash of the signature and the members
// it reads, and used only when those members are equal to the remembered
// ones, so a record differing in any member its signature reads is
// evaluated afresh. Slots are overwritten; the table grows when they
// are overwritten often (slots.go).
type memo struct {
	table slotTable[memoSlot]
}

func newMemo() *memo { return &memo{table: newSlotTable[memoSlot](memoSlots)} }

type memoSlot struct {
	sig     *state
	hash    uint64
	members []*ast.Term // the input's members the signature reads, in its reads' order
	result  ast.Value   // nil: no match
}

// key is what one evaluation is remembered under.
type key struct {
	sig     *state
	hash    uint64
	members []*ast.Term
}

// keyOf returns the key of c's evaluation on input, or false when c's
// result is not remembered (it may read any member of the input).
func keyOf(c *compiled, input *regoinput.Record, buf []*ast.Term) (key, bool) {
	if c.readsAll {
		return key{}, false
	}
	h := (14695981039346656037 ^ uint64(c.state.id)) * 1099511628211
	for _, m := range c.reads {
		t := input.Member(m)
		buf = append(buf, t)
		var th uint64
		if t != nil {
			th = uint64(t.Hash())
		}
		h = (h ^ th) * 1099511628211
	}
	return key{sig: c.state, hash: h, members: buf}, true
}

// get returns the remembered result of k, and whether there is one.
func (m *memo) get(k *key) (ast.Value, bool) {
	s := m.table.slot(k.hash)
	if s.sig != k.sig || s.hash != k.hash || len(s.members) != len(k.members) {
		return nil, false
	}
	for i, t := range k.members {
		if !equalTerms(t, s.members[i]) {
			return nil, false
		}
	}
	return s.result, true
}

// put remembers the result of k, which keeps k's members.
func (m *memo) put(k *key, result ast.Value) {
	s := m.table.slot(k.hash)
	if s.sig != nil && (s.sig != k.sig || s.hash != k.hash) {
		s = m.table.evict(k.hash)
	}
	s.sig, s.hash, s.result = k.sig, k.hash, result
	s.members = append(s.members[:0], k.members...)
}

func equalTerms(a, b *ast.Term) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}
