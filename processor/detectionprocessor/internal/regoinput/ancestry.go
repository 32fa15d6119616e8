package regoinput

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
)

// input.vigil holds what Vigil's records carry and Tracee's events have no
// field for, out of the way of Tracee's own: a signature written for Tracee
// sees the input it expects, and one written for Vigil can test the parent
// and the ancestors.
var (
	kVigil          = ast.StringTerm("vigil")
	kParent         = ast.StringTerm("parent")
	kAncestors      = ast.StringTerm("ancestors")
	kPID            = ast.StringTerm("pid")
	kExecutablePath = ast.StringTerm("executablePath")
)

// vigilTerm returns input.vigil of a record, nil when it carries nothing
// for it (a replayed Tracee event):
//
//	{"parent": {"pid": 60, "executablePath": "/bin/bash", "args": ["-bash"]},
//	 "ancestors": [{"pid": 60, "executablePath": "/bin/bash"}, ...]}
//
// ancestors starts with the parent; an ancestor the receiver did not know
// has an empty path.
func vigilTerm(r *reader) *ast.Term {
	pids, ok := sliceAttr(r, vigil.AttrAncestorPIDs)
	if !ok || pids.Len() == 0 {
		return nil
	}
	// The paths are read in place, not copied out first: the record's
	// attributes are read-only while its input is built and evaluated (the
	// engine never writes a record), pcommon.Slice is a handle that the
	// reader's next look-up does not disturb, and the terms keep the
	// paths' strings, which are immutable, not the slice.
	paths, ok := sliceAttr(r, vigil.AttrAncestorExecutables)
	known := 0 // paths given
	if ok {
		known = paths.Len()
	}
	ancestors := make([]*ast.Term, pids.Len())
	for i := range ancestors {
		path := emptyString
		if i < known {
			path = stringTerm(paths.At(i).AsString())
		}
		ancestors[i] = ast.ObjectTerm([2]*ast.Term{kPID, ast.IntNumberTerm(int(pids.At(i).Int()))}, [2]*ast.Term{kExecutablePath, path})
	}
	parentPath := emptyString
	if v, ok := r.get(vigil.AttrParentExecutablePath); ok {
		parentPath = stringTerm(v.AsString())
	}
	parentArgs := ast.ArrayTerm()
	if v, ok := r.get(vigil.AttrParentCommandArgs); ok && v.Type() == pcommon.ValueTypeSlice {
		parentArgs = Value(v, "")
	}
	parent := ast.ObjectTerm(
		[2]*ast.Term{kPID, ast.IntNumberTerm(int(pids.At(0).Int()))},
		[2]*ast.Term{kExecutablePath, parentPath},
		[2]*ast.Term{kArgs, parentArgs})
	return ast.ObjectTerm([2]*ast.Term{kParent, parent}, [2]*ast.Term{kAncestors, ast.ArrayTerm(ancestors...)})
}

// sliceAttr returns the slice attribute key, false when it is missing or
// not a slice.
func sliceAttr(r *reader, key string) (pcommon.Slice, bool) {
	v, ok := r.get(key)
	if !ok || v.Type() != pcommon.ValueTypeSlice {
		return pcommon.Slice{}, false
	}
	return v.Slice(), true
}
