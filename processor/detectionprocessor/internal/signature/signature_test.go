package signature

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
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

// loadBudget bounds the evaluation of each signature's metadata while
// loading: generous, since under qemu on a busy machine code run for the
// first time is translated and waits for a core.
const loadBudget = 30 * time.Second

func load(t *testing.T, files map[string]string) (*Set, error) {
	t.Helper()
	return loadWithin(t, files, loadBudget)
}

// loadWithin loads files with a budget of their own.
func loadWithin(t *testing.T, files map[string]string, budget time.Duration) (*Set, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return Load(context.Background(), []Source{{FS: fsys, Root: ".", Ruleset: "test", Field: "signatures.paths[0]"}}, budget)
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
	rules := set.Compiler.GetRulesExact(rulesetPackage("test", helpersRef).Append(ast.StringTerm(name)))
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

// TestRulesetHelpers: each ruleset's helpers are its own; a ruleset that
// redefines get_tracee_argument changes it for itself only.
func TestRulesetHelpers(t *testing.T) {
	mine := "package tracee.helpers\n\nget_tracee_argument(n) = \"x\" { true }\n"
	user := strings.NewReplacer("X_1", "U_1", `"X-1"`, `"U-1"`).Replace(sig)
	set, err := Load(context.Background(), []Source{
		{FS: fstest.MapFS{"x.rego": {Data: []byte(sig)}}, Root: ".", Ruleset: "one", Field: "signatures.builtin"},
		{FS: fstest.MapFS{"u.rego": {Data: []byte(user)}, "helpers.rego": {Data: []byte(mine)}}, Root: ".", Ruleset: "two", Field: "signatures.paths[0]"},
	}, loadBudget)
	if err != nil {
		t.Fatal(err)
	}
	file := func(ruleset string) string {
		rules := set.Compiler.GetRulesExact(rulesetPackage(ruleset, helpersRef).Append(ast.StringTerm("get_tracee_argument")))
		if len(rules) != 1 {
			t.Fatalf("ruleset %s: %d get_tracee_argument rules", ruleset, len(rules))
		}
		return rules[0].Location.File
	}
	if got := file("one"); got != "builtin/helpers.rego" {
		t.Errorf("ruleset one's get_tracee_argument from %s, want the standard helpers", got)
	}
	if got := file("two"); got != "helpers.rego" {
		t.Errorf("ruleset two's get_tracee_argument from %s, want its own helpers.rego", got)
	}
	if n := len(set.Compiler.GetRulesExact(ast.MustParseRef("data.tracee.helpers.get_tracee_argument"))); n != 0 {
		t.Errorf("%d rules left at data.tracee.helpers, shared by every ruleset", n)
	}
}

// TestSourceErrors: problems of a source are named by its field.
func TestSourceErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"nothing", map[string]string{"README": "x"}, "signatures.paths[0]: . holds no signature"},
		{"only helpers and tests", map[string]string{"helpers.rego": "package tracee.helpers\n\nf(x) { x }\n", "x_test.rego": sig}, "signatures.paths[0]: . holds no signature"},
		{"reserved package", map[string]string{"x.rego": sig, "helpers.rego": "package __vigil__.x.tracee.helpers\n\nf(x) { x }\n"}, "signatures.paths[0]: helpers.rego:1: package __vigil__.x.tracee.helpers is reserved"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestUnmatched(t *testing.T) {
	sigs := []*Signature{{ID: "A", Tags: []string{"linux"}}, {ID: "B"}}
	if got, want := Unmatched(sigs, []string{"A", "nope", "linux", "b"}), []int{1, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unmatched = %v, want %v", got, want)
	}
}

// TestIsElfFileDefault: is_elf_file is false, not undefined, for bytes that
// are not an ELF header, as Tracee's helper has `default ... = false`, so
// `helpers.is_elf_file(b) == false` holds for them.
func TestIsElfFileDefault(t *testing.T) {
	set, err := load(t, map[string]string{"x.rego": sig})
	if err != nil {
		t.Fatal(err)
	}
	fn := rulesetPackage("test", helpersRef).Append(ast.StringTerm("is_elf_file"))
	for b64, want := range map[string]string{"f0VMRgIBAQ==": "true", "bm90IGFuIGVsZg==": "false"} {
		q := fmt.Sprintf("x := %s(%q)", fn, b64)
		rs, err := rego.New(rego.Compiler(set.Compiler), rego.Query(q)).Eval(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || fmt.Sprint(rs[0].Bindings["x"]) != want {
			t.Errorf("is_elf_file(%q) = %v, want %s", b64, rs, want)
		}
	}
}
