package regoinput

import (
	"github.com/open-policy-agent/opa/v1/ast"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/tracee"
)

// Sources tells what the input's member m is built from, besides the
// record's event name (which every member may depend on): the attributes
// it reads (looked up with vigil.Attrs.Get), and whether it reads every
// kernel.args.* attribute of the record, in the record's order. known is
// false when the member is built from anything else (timestamp: the
// record's time; a field derived from other attributes) or is not one of
// the input's: a key made of these sources alone would not be exact.
//
// Two records with the same event name and the same values of a member's
// sources get equal members; the engine keys remembered results on them.
func Sources(m Member) (attrs []string, args, known bool) {
	if m == NoMember {
		return nil, false, false
	}
	i := int(m)
	if i >= fixedMembers {
		it := &items[i-fixedMembers]
		if it.field != nil {
			return fieldSources(it.field)
		}
		for _, of := range it.fields {
			a, _, ok := fieldSources(of.field)
			if !ok {
				return nil, false, false
			}
			attrs = append(attrs, a...)
		}
		return attrs, false, true
	}
	switch memberKeys[i].Value.(ast.String) {
	case "eventId":
		return []string{vigil.AttrEventID}, false, true
	case "eventName":
		return nil, false, true
	case "argsNum", "args":
		return nil, true, true
	case "vigil":
		return []string{vigil.AttrAncestorPIDs, vigil.AttrAncestorExecutables,
			vigil.AttrParentExecutablePath, vigil.AttrParentCommandArgs}, false, true
	}
	return nil, false, false // timestamp
}

// fieldSources is Sources of a field: its attribute, unless its value may
// be derived from others.
func fieldSources(f *tracee.Field) ([]string, bool, bool) {
	if f.Derives() {
		return nil, false, false
	}
	return []string{f.Key}, false, true
}
