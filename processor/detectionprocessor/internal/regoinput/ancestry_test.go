package regoinput

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
)

// TestInputVigilCarriesAncestry: the ancestry of a record's resource is in
// input.vigil, and the rest of the input is the Tracee event's, as without
// it; a record without ancestry has no input.vigil.
func TestInputVigilCarriesAncestry(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName(vigil.EventNamePrefix + "openat")
	p := vigil.Process{PID: 100, ParentPID: 60, Name: "cat"}
	vigil.WriteResource(rl.Resource().Attributes(), "", &p, nil)
	plain := Build(lr, rl.Resource())
	if plain.(ast.Object).Get(kVigil) != nil {
		t.Fatalf("input.vigil without ancestry: %v", plain)
	}
	n := checkSameAsJSON(t, ld)

	p.Ancestry = &vigil.Ancestry{
		ParentExecutablePath: "/bin/bash", ParentArgs: []string{"-bash"},
		PIDs: []int64{60, 50}, ExecutablePaths: []string{"/bin/bash", ""},
	}
	rl.Resource().Attributes().Clear()
	vigil.WriteResource(rl.Resource().Attributes(), "", &p, nil)
	got := Build(lr, rl.Resource())
	want := ast.MustParseTerm(`{"parent": {"pid": 60, "executablePath": "/bin/bash", "args": ["-bash"]},
		"ancestors": [{"pid": 60, "executablePath": "/bin/bash"}, {"pid": 50, "executablePath": ""}]}`)
	if v := got.(ast.Object).Get(kVigil); v == nil || v.Value.Compare(want.Value) != 0 {
		t.Fatalf("input.vigil = %v, want %v", v, want)
	}
	if withoutVigil(got).Compare(plain) != 0 {
		t.Errorf("ancestry changed Tracee's fields:\n got %v\nwant %v", withoutVigil(got), plain)
	}
	if checkSameAsJSON(t, ld) != n {
		t.Error("the record with ancestry was not compared")
	}

	// without the paths attribute, every ancestor's path is empty
	rl.Resource().Attributes().Remove(vigil.AttrAncestorExecutables)
	want = ast.MustParseTerm(`{"parent": {"pid": 60, "executablePath": "/bin/bash", "args": ["-bash"]},
		"ancestors": [{"pid": 60, "executablePath": ""}, {"pid": 50, "executablePath": ""}]}`)
	if v := Build(lr, rl.Resource()).(ast.Object).Get(kVigil); v == nil || v.Value.Compare(want.Value) != 0 {
		t.Fatalf("input.vigil without ancestor paths = %v, want %v", v, want)
	}
}
