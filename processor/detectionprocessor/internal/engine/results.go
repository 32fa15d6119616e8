package engine

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	vigil "github.com/vigil-sec/vigil"
)

// resultSlots is the most records' results a worker remembers: a power
// of two. The memo's size (memo.go), for the same stream of the 256
// built-in cases repeated; the results start smaller and grow to it as
// they thrash (slots.go).
const resultSlots = 4096

// maxResultKey bounds the encoded values results are remembered under; a
// record whose values encode longer goes to the memo every time. With
// resultSlots it bounds a worker's results' keys to 4 MiB.
const maxResultKey = 1024

// A resultSlot remembers the results of a group's candidates on a record,
// keyed on the values their guards read and those feeding every member of
// the input they read (Group.resultReads): a repeated record is answered
// here in one look-up, without building a member of its input, which the
// memo needs for its key.
//
// It is exact as the verdicts are: found by a hash of the group and the
// encoded values, used only when the encodings are equal byte for byte.
// Exceptions and disabled signatures are decided before, per record.
type resultSlot struct {
	group *Group
	hash  uint64
	key   []byte
	// by index in group.sigs; a candidate not evaluated on the records
	// seen so far (its guard failed, it was excepted) has none
	results []remembered
}

type remembered struct {
	value ast.Value // nil: no match
	known bool
}

// resultsOf returns the slot of the record's results on group g, emptied
// when it held another record's, or nil when the record's values are too
// long to remember. The key encoder holds the verdict key slot made for
// this record and group.
func (v *verdicts) resultsOf(g *Group, attrs vigil.Attrs, eventName string) *resultSlot {
	k := &v.key
	if !g.readsName {
		k.string(eventName)
	}
	for _, key := range g.resultReads {
		k.attr(attrs, key)
	}
	if g.resultArgs { // each name and value, in the record's order
		for name, val := range attrs.Record.All() {
			if strings.HasPrefix(name, vigil.AttrArgPrefix) {
				k.string(name)
				k.value(val)
			}
		}
	}
	if k.over || len(k.b) > maxResultKey {
		return nil
	}
	h := v.hash(g)
	s := v.results.slot(h)
	if s.group != g || s.hash != h || string(s.key) != string(k.b) {
		if s.group != nil {
			s = v.results.evict(h)
		}
		s.group, s.hash, s.key, s.results = g, h, append(s.key[:0], k.b...), s.results[:0]
	}
	return s
}

// result returns the remembered result of the candidate g.sigs[i] and
// whether there is one; s may be nil.
func (s *resultSlot) result(i int) (ast.Value, bool) {
	if s == nil || i >= len(s.results) {
		return nil, false
	}
	r := s.results[i]
	return r.value, r.known
}

// remember remembers v as the result of g.sigs[i], of n candidates; s may
// be nil.
func (s *resultSlot) remember(i, n int, v ast.Value) {
	if s == nil {
		return
	}
	if len(s.results) < n {
		s.results = append(s.results, make([]remembered, n-len(s.results))...)
	}
	s.results[i] = remembered{v, true}
}
