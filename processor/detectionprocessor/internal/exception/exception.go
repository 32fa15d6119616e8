// Package exception decides whether a record is excepted from a signature:
// the configured "this signature, but not for these programs" entries,
// tested in Go on the record's attributes before any Rego runs.
package exception

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// Entry is one configured exception: the signatures it applies to (ids or
// tags) and the attribute values that except a record. Every attribute named
// must hold (equal one of its values, or start with one of its prefixes);
// one entry's attributes are ANDed, separate entries are ORed.
type Entry struct {
	Signatures []string
	Equals     map[string][]string
	StartsWith map[string][]string
}

// condition tests one attribute of the record.
type condition struct {
	key        string
	equals     []string
	startsWith []string
}

func (c *condition) holds(a vigil.Attrs) bool {
	v, ok := a.Get(c.key)
	if !ok {
		return false
	}
	var s string
	if v.Type() == pcommon.ValueTypeStr {
		s = v.Str()
	} else {
		s = v.AsString() // a uid and the like: compared in its text form
	}
	for _, e := range c.equals {
		if s == e {
			return true
		}
	}
	for _, p := range c.startsWith {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// rule is one entry's conditions, all of which must hold.
type rule []condition

// Rules are the exceptions of one signature: a record is excepted when one
// rule's conditions all hold.
type Rules []rule

// Excepts reports whether the record with attributes a is excepted.
func (r Rules) Excepts(a vigil.Attrs) bool {
	for _, conds := range r {
		all := true
		for i := range conds {
			if !conds[i].holds(a) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// Build returns the rules of each signature of sigs some entry names (by id
// or tag), keyed by signature id.
func Build(entries []Entry, sigs []*signature.Signature) map[string]Rules {
	out := map[string]Rules{}
	for _, e := range entries {
		conds := rule{}
		for key, vals := range e.Equals {
			conds = append(conds, condition{key: key, equals: vals, startsWith: e.StartsWith[key]})
		}
		for key, prefixes := range e.StartsWith {
			if _, both := e.Equals[key]; !both {
				conds = append(conds, condition{key: key, startsWith: prefixes})
			}
		}
		for _, s := range signature.Filter(sigs, e.Signatures, nil) {
			out[s.ID] = append(out[s.ID], conds)
		}
	}
	return out
}
