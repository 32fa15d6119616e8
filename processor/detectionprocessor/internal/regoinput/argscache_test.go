package regoinput

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	vigil "github.com/vigil-sec/vigil"
)

// TestArgsCache: with the cache, an input is the same as without, for a
// record seen before and for one differing in a single argument, which
// gets an array of its own.
func TestArgsCache(t *testing.T) {
	cache := NewArgsCache()
	lr, res, _ := recordOf(t, fidelityEvent)
	withCache := func() (ast.Value, *ast.Term) {
		var r Record
		r.Reset(lr, res, cache)
		return r.Input(), r.Member(MemberOf("args"))
	}
	first, firstArgs := withCache()
	again, againArgs := withCache()
	if first.Compare(Build(lr, res)) != 0 || again.Compare(first) != 0 {
		t.Fatalf("input with the cache differs:\n%v\n%v\nwant %v", first, again, Build(lr, res))
	}
	if firstArgs != againArgs {
		t.Error("the same arguments built a second array")
	}
	for name, change := range map[string]func(){
		"pathname": func() { lr.Attributes().PutStr(vigil.AttrArgPrefix+"pathname", "/etc/passwd") },
		"inode":    func() { lr.Attributes().PutInt(vigil.AttrArgPrefix+"inode", 1) },
		"flags":    func() { lr.Attributes().PutStr(vigil.AttrArgPrefix+"flags", "O_RDWR") },
	} {
		change()
		in, args := withCache()
		if in.Compare(Build(lr, res)) != 0 {
			t.Errorf("%s changed: input with the cache %v, want %v", name, in, Build(lr, res))
		}
		if args == firstArgs || args.Equal(firstArgs) {
			t.Errorf("%s changed: the cached array was reused", name)
		}
	}
}
