package signature

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

const sig = `package tracee.X_1

__rego_metadoc__ := {
	"id": "X-1", "version": "2", "name": "x", "eventName": "x", "description": "d", "tags": ["a", "b"],
	"properties": {"Severity": 2, "MITRE ATT&CK": "Defense Evasion: Masquerading"},
}

tracee_selected_events[s] {
	s := {"source": "tracee", "name": "openat", "origin": "container"}
}

tracee_match { true }
`

func load(t *testing.T, files map[string]string) (*Set, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return Load(context.Background(), []Source{{FS: fsys, Root: ".", Ruleset: "test", Field: "signatures.paths[0]"}}, time.Second)
}

func TestLoadMetadata(t *testing.T) {
	set, err := load(t, map[string]string{"x.rego": sig, "x_test.rego": "not rego at all"})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Signatures) != 1 {
		t.Fatalf("%d signatures", len(set.Signatures))
	}
	s := set.Signatures[0]
	got := []any{s.ID, s.Version, s.Name, s.EventName, s.Description, s.Tags, s.Severity, s.Tactic, s.Technique, s.Ruleset, s.File, s.MatchRef.String(), s.Selectors}
	want := []any{"X-1", "2", "x", "x", "d", []string{"a", "b"}, 2, "Defense Evasion", "Masquerading", "test", "x.rego",
		"data.tracee.X_1.tracee_match", []Selector{{Source: "tracee", Name: "openat", Origin: "container"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	if f := helperFile(set, "is_file_write"); f != "builtin/helpers.rego" {
		t.Errorf("is_file_write from %q, want the standard helpers", f)
	}
}

func TestParseVersions(t *testing.T) {
	v1 := strings.NewReplacer("tracee_selected_events[s] {\n\ts := ", "tracee_selected_events contains ", "\"container\"}\n}", "\"container\"}", "tracee_match { true }", "tracee_match if { true }").Replace(sig)
	for name, src := range map[string]string{"v0": sig, "v1": v1} {
		if _, err := Parse(name+".rego", src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := Parse("bad.rego", "package tracee.X\n\ntracee_match {\n")
	if err == nil || !strings.Contains(err.Error(), "bad.rego:4: rego_parse_error") {
		t.Errorf("Parse error = %v, want file and line", err)
	}
}

// TestUserHelpers: a user helpers file that defines a standard function
// (Tracee's own helpers.rego, copied with its signatures) takes over that
// function instead of conflicting with it; the other standard functions
// stay, and new functions are added.
func TestUserHelpers(t *testing.T) {
	helpers := "package tracee.helpers\n\nget_tracee_argument(n) = v {\n\ta := input.args[_]\n\ta.name == n\n\tv := a.value\n}\n\nmine(x) { x == 1 }\n"
	set, err := load(t, map[string]string{"x.rego": sig, "helpers.rego": helpers})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"get_tracee_argument": "helpers.rego",
		"mine":                "helpers.rego",
		"is_file_write":       "builtin/helpers.rego",
		"is_elf_file":         "builtin/helpers.rego",
	} {
		if got := helperFile(set, name); got != want {
			t.Errorf("%s from %q, want %q", name, got, want)
		}
	}
}

// helperFile returns the file defining a helpers function, or "".
func helperFile(set *Set, name string) string {
	rules := set.Compiler.GetRulesExact(HelpersRef("test").Append(ast.StringTerm(name)))
	if len(rules) == 0 {
		return ""
	}
	return rules[0].Location.File
}

func TestDuplicates(t *testing.T) {
	_, err := load(t, map[string]string{"a.rego": sig, "b.rego": strings.Replace(sig, "X_1", "X_2", 1)})
	if err == nil || !strings.Contains(err.Error(), `signature id "X-1" is also used by`) {
		t.Errorf("duplicate id: %v", err)
	}
}

func TestFilter(t *testing.T) {
	sigs := []*Signature{{ID: "A", Tags: []string{"linux"}}, {ID: "B", Tags: []string{"k8s"}}, {ID: "C"}}
	ids := func(ss []*Signature) (out []string) {
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	for _, tt := range []struct {
		include, exclude, want []string
	}{
		{nil, nil, []string{"A", "B", "C"}},
		{[]string{"linux", "C"}, nil, []string{"A", "C"}},
		{nil, []string{"k8s"}, []string{"A", "C"}},
		{[]string{"linux", "k8s"}, []string{"A"}, []string{"B"}},
	} {
		if got := ids(Filter(sigs, tt.include, tt.exclude)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Filter(%v, %v) = %v, want %v", tt.include, tt.exclude, got, tt.want)
		}
	}
}
