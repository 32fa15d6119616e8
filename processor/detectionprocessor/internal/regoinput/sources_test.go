package regoinput

import (
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
)

// perturb changes v to another value of its type.
func perturb(v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		v.SetStr(v.Str() + "~")
	case pcommon.ValueTypeInt:
		v.SetInt(v.Int() + 1)
	case pcommon.ValueTypeDouble:
		v.SetDouble(v.Double() + 1)
	case pcommon.ValueTypeBool:
		v.SetBool(!v.Bool())
	case pcommon.ValueTypeBytes:
		v.Bytes().Append('~')
	case pcommon.ValueTypeSlice:
		v.Slice().AppendEmpty().SetInt(1)
	case pcommon.ValueTypeMap:
		v.Map().PutStr("~", "~")
	default:
		v.SetStr("~")
	}
}

// TestSourcesAreComplete: changing any attribute of a golden record that
// is not among a member's sources leaves the member equal, and changing
// one that is changes at least one member somewhere, so that a key made of
// the sources is exact and the perturbation is seen.
func TestSourcesAreComplete(t *testing.T) {
	ld := golden(t)
	equalTerm := func(a, b *ast.Term) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.Equal(b)
	}
	// a record with ancestry, which the golden ones lack
	rl := ld.ResourceLogs().AppendEmpty()
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).CopyTo(rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
	vigil.WriteResource(rl.Resource().Attributes(), "", &vigil.Process{PID: 100, ParentPID: 60, Name: "cat", Ancestry: &vigil.Ancestry{
		ParentExecutablePath: "/bin/bash", ParentArgs: []string{"-bash"}, PIDs: []int64{60, 50}, ExecutablePaths: []string{"/bin/bash", ""},
	}}, nil)
	unchanged, changed := 0, 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
			var orig Record
			orig.Reset(lr, rl.Resource(), nil)
			for _, side := range []struct {
				name string
				m    pcommon.Map
			}{{"record", lr.Attributes()}, {"resource", rl.Resource().Attributes()}} {
				for key := range side.m.All() {
					cl, cres := plog.NewLogRecord(), pcommon.NewResource()
					lr.CopyTo(cl)
					rl.Resource().CopyTo(cres)
					m := cl.Attributes()
					if side.name == "resource" {
						m = cres.Attributes()
					}
					v, _ := m.Get(key)
					perturb(v)
					var r Record
					r.Reset(cl, cres, nil)
					for _, mk := range memberKeys {
						name := string(mk.Value.(ast.String))
						attrs, args, known := Sources(MemberOf(name))
						if !known {
							continue
						}
						read := slices.Contains(attrs, key) || (args && side.name == "record" && strings.HasPrefix(key, vigil.AttrArgPrefix))
						eq := equalTerm(orig.Member(MemberOf(name)), r.Member(MemberOf(name)))
						switch {
						case !read && !eq:
							t.Errorf("%s: changing %s attribute %s changes member %s, whose sources are %v (args: %v)", lr.EventName(), side.name, key, name, attrs, args)
						case !read:
							unchanged++
						case !eq:
							changed++
						}
					}
				}
			}
		}
	}
	if unchanged == 0 || changed == 0 {
		t.Fatalf("%d members unchanged by attributes not their sources, %d changed by their sources: the test saw nothing", unchanged, changed)
	}
	if _, _, known := Sources(MemberOf("timestamp")); known {
		t.Error("timestamp is not an attribute, but has sources")
	}
	if _, _, known := Sources(MemberOf("threadEntityId")); known {
		t.Error("threadEntityId may be derived from other attributes, but has sources")
	}
}
