// Package guard reads necessary conditions of a signature's match off its
// compiled tracee_match rules (extract.go) and tests them in Go on a
// record's attributes (this file), so that the engine runs Rego only for
// the signatures whose guards hold.
//
// A tracee_match body is a conjunction, so each expression of the forms
// below that it contains must hold for it to succeed:
//
//	startswith(x, "c")  endswith(x, "c")  contains(x, "c")  regex.match("re", x)
//	x == "c"  x == 3  const_set[x]  startswith(x, const_list[_])  f(x) (inlined)
//
// where x is an argument (get_tracee_argument("name"), when that helper is
// the plain lookup Tracee's and the standard helpers define; a field or an
// element of it; lower() or base64.decode() of it) or a string field of the
// input (processName, executable.path, eventName, ...). A signature's guard
// is the disjunction over its bodies; a body with no such expression, a
// default rule that is not false, or an else leave the signature unguarded:
// it is always evaluated. Whenever a value's Rego form is not certain
// (doubles, bytes, negative ints that may be uint64), a guard holds, so it
// can only skip evaluations that could not match. The engine's tests check
// the guarded and unguarded engines agree.
package guard

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/tracee"
)

// A Guard is a necessary condition of a signature's match.
type Guard interface {
	// Holds reports whether the record may match; false means it cannot.
	Holds(r *Record) bool
	// String gives the condition in a Rego-like form, for people.
	String() string
}

type anyOf []Guard

func (g anyOf) Holds(r *Record) bool {
	for _, e := range g {
		if e.Holds(r) {
			return true
		}
	}
	return false
}

type allOf []Guard

func (g allOf) Holds(r *Record) bool {
	for _, e := range g {
		if !e.Holds(r) {
			return false
		}
	}
	return true
}

// operands returns the conjunction or disjunction gs, or its one operand
// when it has one: that prints the same and saves a call per test.
func operands[G interface {
	~[]Guard
	Guard
}](gs G) Guard {
	if len(gs) == 1 {
		return gs[0]
	}
	return gs
}

// Record is what guards read of one record. It remembers the attributes
// looked up, since many guards read the same few arguments and a lookup
// scans the record's attributes (and its resource's), and the result of
// each predicate tested, since signatures share predicates (see
// Extractor.share). Reset it for each record; reusing one keeps its memory.
type Record struct {
	attrs     vigil.Attrs
	eventName string
	memo      []lookup
	// results[id] is epoch<<1 | result of predicate id when tested on this
	// record: a new epoch per record forgets every result without
	// clearing them.
	results []uint32
	epoch   uint32
}

// Reset makes r the view of a record with attributes attrs and event name
// eventName (without the "kernel." prefix).
func (r *Record) Reset(attrs vigil.Attrs, eventName string) {
	r.attrs, r.eventName, r.memo = attrs, eventName, r.memo[:0]
	r.epoch++
	if r.epoch == 1<<31 { // epoch<<1 would overflow: start again from cleared results
		clear(r.results)
		r.epoch = 1
	}
}

type lookup struct {
	key   string
	value pcommon.Value
	found bool
	text  string // the value's string as the input carries it, once computed
	valid bool   // text is computed
	lower string // lower(text), once computed
	lowOK bool   // lower is computed
	// The strings of the value's elements as the input carries them, and
	// lowered, once computed, when the value is a slice of strings only
	// (argv): every signature reading its elements tests the same strings.
	elems, lowElems     []string
	elemsOK, lowElemsOK bool
	stringsOnly         bool // elems is meaningful: every element is a string
}

func (r *Record) get(key string) *lookup {
	for i := range r.memo {
		if r.memo[i].key == key {
			return &r.memo[i]
		}
	}
	v, ok := r.attrs.Get(key)
	if len(r.memo) < cap(r.memo) {
		// Reuse the slot's element buffers.
		r.memo = r.memo[:len(r.memo)+1]
		l := &r.memo[len(r.memo)-1]
		*l = lookup{key: key, value: v, found: ok, elems: l.elems[:0], lowElems: l.lowElems[:0]}
		return l
	}
	r.memo = append(r.memo, lookup{key: key, value: v, found: ok})
	return &r.memo[len(r.memo)-1]
}

// str returns the looked-up string value with invalid UTF-8 replaced, as
// regoinput does.
func (l *lookup) str() string {
	if !l.valid {
		l.text, l.valid = vigil.ValidUTF8(l.value.Str()), true
	}
	return l.text
}

// lowered returns lower() of str(): is_file_write and is_file_read lower
// the same flags for every signature.
func (l *lookup) lowered() string {
	if !l.lowOK {
		l.lower, l.lowOK = strings.ToLower(l.str()), true
	}
	return l.lower
}

// strings returns the elements of the looked-up slice as the input carries
// them, lowered or not, or false when an element is not a string.
func (l *lookup) strings(lower bool) ([]string, bool) {
	if !l.elemsOK {
		l.elemsOK, l.stringsOnly = true, true
		for _, e := range l.value.Slice().All() {
			if e.Type() != pcommon.ValueTypeStr {
				l.stringsOnly = false
				break
			}
			l.elems = append(l.elems, vigil.ValidUTF8(e.Str()))
		}
	}
	if !l.stringsOnly || !lower {
		return l.elems, l.stringsOnly
	}
	if !l.lowElemsOK {
		l.lowElemsOK = true
		for _, e := range l.elems {
			l.lowElems = append(l.lowElems, strings.ToLower(e))
		}
	}
	return l.lowElems, true
}

type sourceKind uint8

const (
	srcArg       sourceKind = iota // an argument attribute
	srcContext                     // a string field of the input, from an attribute
	srcEventName                   // input.eventName
)

// source says where a guarded value comes from.
type source struct {
	kind   sourceKind
	key    string   // attribute key
	fields []string // map fields below the argument (sockaddr.sun_path)
	elem   bool     // any element of the value
	lower  bool     // lower() of the value
	base64 bool     // base64.decode() of the value
}

// identity distinguishes sources that read different values.
func (s *source) identity() string {
	return fmt.Sprintf("%d\x00%s\x00%q\x00%t%t%t", s.kind, s.key, s.fields, s.elem, s.lower, s.base64)
}

// plain reports whether no transformation applies yet.
func (s *source) plain() bool { return !s.elem && !s.lower && !s.base64 }

// contextFields are the string fields of the input a guard can read, by
// their path in the input, with the attributes regoinput builds them from:
// the string fields of tracee.Fields.
var contextFields = stringFields()

func stringFields() map[string]string {
	m := map[string]string{}
	for _, f := range tracee.Fields() {
		if f.Kind == tracee.FieldStr {
			m[f.Path()] = f.Key
		}
	}
	return m
}

// indexable reports whether the source is a string read straight off an
// attribute, which equalities can look up.
func (s *source) indexable() bool {
	return s.kind != srcEventName && len(s.fields) == 0 && !s.elem && !s.base64
}

// equalities are the predicates comparing one source with string constants
// (== and set membership): one map lookup of the record's value decides
// them all, where testing each in turn would compare it with every constant
// (a file open's path is compared with a dozen by the built-ins).
type equalities struct {
	key     string
	lower   bool
	members []int            // the predicates' ids
	holding map[string][]int // by value: the ids of the predicates it satisfies
}

// decide records the result of every member on r and returns true, or
// returns false when the value is not a string: each member is then tested
// on its own.
func (g *equalities) decide(r *Record) bool {
	l := r.get(g.key)
	if !l.found || l.value.Type() != pcommon.ValueTypeStr {
		return false
	}
	s := l.str()
	if g.lower {
		s = l.lowered()
	}
	for _, id := range g.members {
		r.set(id, false)
	}
	for _, id := range g.holding[s] {
		r.set(id, true)
	}
	return true
}

// pred tests one value.
type pred struct {
	id     int         // its index in the record's results, shared by the signatures testing it
	group  *equalities // nil: not an equality of an indexable source
	equals []string    // the string constants an equality accepts
	src    source
	str    func(string) bool // nil: no string satisfies it
	num    func(int64) bool  // nil: no number satisfies it
	form   func(subject string) string
}

func (p *pred) Holds(r *Record) bool {
	if p.id < len(r.results) {
		if known := r.results[p.id]; known>>1 == r.epoch {
			return known&1 == 1
		}
	}
	if p.group != nil && len(p.group.members) > 1 && p.group.decide(r) {
		return r.results[p.id]&1 == 1
	}
	holds := p.test(r)
	r.set(p.id, holds)
	return holds
}

// set records the result of predicate id on the record.
func (r *Record) set(id int, holds bool) {
	if id >= len(r.results) {
		r.results = append(r.results, make([]uint32, id+1-len(r.results))...)
	}
	r.results[id] = r.epoch << 1
	if holds {
		r.results[id] |= 1
	}
}

// test tests the record, without its remembered results.
func (p *pred) test(r *Record) bool {
	switch p.src.kind {
	case srcEventName:
		return p.testString(r.eventName)
	case srcContext:
		l := r.get(p.src.key)
		switch {
		case !l.found:
			return p.testString("")
		case l.value.Type() == pcommon.ValueTypeStr:
			return p.testLookup(l)
		}
		return p.testString(l.value.AsString())
	}
	l := r.get(p.src.key)
	if !l.found {
		return false // get_tracee_argument is undefined
	}
	plain := len(p.src.fields) == 0 && !p.src.base64
	switch {
	case plain && !p.src.elem && l.value.Type() == pcommon.ValueTypeStr:
		return p.testLookup(l)
	case plain && p.src.elem && l.value.Type() == pcommon.ValueTypeSlice && p.str != nil:
		if elems, ok := l.strings(p.src.lower); ok {
			for _, e := range elems {
				if p.str(e) {
					return true
				}
			}
			return false
		}
	}
	v, ok := l.value, true
	for _, f := range p.src.fields {
		if v.Type() != pcommon.ValueTypeMap {
			return false
		}
		if v, ok = v.Map().Get(f); !ok {
			return false
		}
	}
	if !p.src.elem {
		return p.testValue(v)
	}
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		for _, e := range v.Slice().All() {
			if p.testValue(e) {
				return true
			}
		}
		return false
	case pcommon.ValueTypeMap:
		return true // iterating an object: not worth guarding
	}
	return false
}

// testLookup tests a looked-up string value, validated (and lowered) once
// per record for all the predicates reading it.
func (p *pred) testLookup(l *lookup) bool {
	switch {
	case p.str == nil:
		return false
	case p.src.lower:
		return p.str(l.lowered())
	}
	return p.str(l.str())
}

func (p *pred) testValue(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if p.src.base64 {
			return true // whatever the text decodes to
		}
		return p.testString(v.Str())
	case pcommon.ValueTypeInt:
		i := v.Int()
		switch {
		case p.num == nil || p.src.lower || p.src.base64:
			return false
		case i < 0:
			return true // may be a uint64 in the input
		}
		return p.num(i)
	case pcommon.ValueTypeBytes:
		if p.src.base64 && p.str != nil {
			return p.str(string(v.Bytes().AsRaw())) // base64.decode gives back the raw bytes
		}
		return true // base64 text in the input: be conservative
	case pcommon.ValueTypeDouble:
		return true
	}
	return false // null, bool, array, object: none of the tests accepts them
}

func (p *pred) testString(s string) bool {
	if p.str == nil {
		return false
	}
	s = vigil.ValidUTF8(s)
	if p.src.lower {
		s = strings.ToLower(s)
	}
	return p.str(s)
}
