package guard_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/guard"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// header opens every test signature; its rules start on line 9.
const header = `package tracee.G_%d

import future.keywords.in
import data.tracee.helpers

__rego_metadoc__ := {"id": "G-%d", "name": "g"}
tracee_selected_events[{"source": "tracee", "name": "security_file_open"}]

`

// loadBudget bounds the evaluation of each signature's metadata while
// loading: generous, since under qemu on a busy machine code run for the
// first time is translated and waits for a core.
const loadBudget = 30 * time.Second

// load compiles one signature per rules text, with the standard helpers,
// and returns the guard extractor and the match rule of each.
func load(t *testing.T, rules []string) (*guard.Extractor, []*signature.Signature) {
	t.Helper()
	fsys := fstest.MapFS{}
	for i, r := range rules {
		fsys[fmt.Sprintf("g_%d.rego", i)] = &fstest.MapFile{Data: append(fmt.Appendf(nil, header, i, i), r...)}
	}
	set, err := signature.Load(context.Background(), []signature.Source{{FS: fsys, Root: "."}}, loadBudget)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*signature.Signature{}
	for _, s := range set.Signatures {
		byID[s.ID] = s
	}
	sigs := make([]*signature.Signature, len(rules))
	for i := range rules {
		if sigs[i] = byID[fmt.Sprintf("G-%d", i)]; sigs[i] == nil {
			t.Fatalf("G-%d not loaded", i)
		}
	}
	return guard.NewExtractor(set.Compiler), sigs
}

// TestForms maps the Rego forms signature authors write to the guard the
// engine reads off them, or to why the signature is always evaluated.
// The README's "Which forms are pre-filtered" follows this table.
func TestForms(t *testing.T) {
	tests := []struct {
		name      string
		rules     string
		guard     string
		unguarded string
	}{
		// Guarded forms.
		{"argument equals a string", `tracee_match {
	helpers.get_tracee_argument("pathname") == "/etc/shadow"
}`, `args.pathname == "/etc/shadow"`, ""},
		{"argument equals an integer", `tracee_match {
	helpers.get_tracee_argument("request") == 16
}`, `args.request == 16`, ""},
		{"input field equals", `tracee_match {
	input.processName == "bash"
}`, `processName == "bash"`, ""},
		{"argument bound to a variable, a field of it", `tracee_match {
	addr := helpers.get_tracee_argument("remote_addr")
	addr.sa_family == "AF_UNIX"
	endswith(addr.sun_path, "/docker.sock")
}`, `args.remote_addr.sa_family == "AF_UNIX" && endswith(args.remote_addr.sun_path, "/docker.sock")`, ""},
		{"membership in a constant set", `shadow := {"/etc/shadow", "/etc/gshadow"}

tracee_match {
	shadow[helpers.get_tracee_argument("pathname")]
}`, `args.pathname in {"/etc/gshadow", "/etc/shadow"}`, ""},
		{"startswith an element of a constant array", `prefixes := ["/proc/", "/sys/"]

tracee_match {
	startswith(helpers.get_tracee_argument("pathname"), prefixes[_])
}`, `(startswith(args.pathname, "/proc/") || startswith(args.pathname, "/sys/"))`, ""},
		{"startswith, endswith, contains", `tracee_match {
	p := helpers.get_tracee_argument("pathname")
	startswith(p, "/proc/")
	endswith(p, "/mem")
	contains(input.executable.path, "/tmp/")
}`, `startswith(args.pathname, "/proc/") && endswith(args.pathname, "/mem") && contains(executable.path, "/tmp/")`, ""},
		{"regex.match with a constant pattern", `tracee_match {
	regex.match("^/etc/(passwd|shadow)$", helpers.get_tracee_argument("pathname"))
}`, `regex.match("^/etc/(passwd|shadow)$", args.pathname)`, ""},
		{"any element of an array argument", `tracee_match {
	startswith(helpers.get_tracee_argument("env")[_], "LD_PRELOAD=")
}`, `startswith(args.env[_], "LD_PRELOAD=")`, ""},
		{"helper inlined: is_file_write", `tracee_match {
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}`, `contains(lower(args.flags), "o_wronly") || contains(lower(args.flags), "o_rdwr")`, ""},
		{"helper inlined: is_elf_file", `tracee_match {
	helpers.is_elf_file(helpers.get_tracee_argument("bytes"))
}`, `startswith(base64.decode(args.bytes), "\x7fELF")`, ""},
		{"own function inlined, with a constant argument", `under(path, dir) {
	startswith(path, dir)
}

tracee_match {
	under(helpers.get_tracee_argument("pathname"), "/etc/cron.d/")
}`, `startswith(args.pathname, "/etc/cron.d/")`, ""},
		{"several bodies: a disjunction", `tracee_match {
	input.processName == "bash"
	helpers.get_tracee_argument("pathname") == "/etc/shadow"
}

tracee_match {
	input.processName == "sh"
}`, `(processName == "bash" && args.pathname == "/etc/shadow") || processName == "sh"`, ""},
		{"a false default is no alternative", `default tracee_match = false

tracee_match {
	input.processName == "sh"
}`, `processName == "sh"`, ""},
		{"eventName", `tracee_match {
	input.eventName == "security_file_open"
	helpers.get_tracee_argument("pathname") == "/etc/shadow"
}`, `eventName == "security_file_open" && args.pathname == "/etc/shadow"`, ""},
		{"unguardable conditions beside a guardable one", `tracee_match {
	not startswith(input.processName, "systemd")
	helpers.get_tracee_argument("pathname") == "/etc/shadow"
}`, `args.pathname == "/etc/shadow"`, ""},

		// Forms that leave the signature always evaluated.
		{"negation only", `tracee_match {
	not startswith(helpers.get_tracee_argument("pathname"), "/tmp/")
}`, "", "line 10: a negation (not ...)"},
		{"no condition on the record", `tracee_match {
	true
}`, "", "line 9: no condition on the record"},
		{"!=", `tracee_match {
	helpers.get_tracee_argument("pathname") != "/tmp/x"
}`, "", `line 10: "!=" is not a test the guards read`},
		{"the in keyword", `tracee_match {
	helpers.get_tracee_argument("pathname") in {"/etc/shadow", "/etc/gshadow"}
}`, "", `line 10: "in" is not a test the guards read`},
		{"equality with an element of an array", `paths := ["/etc/shadow", "/etc/gshadow"]

tracee_match {
	helpers.get_tracee_argument("pathname") == paths[_]
}`, "", "line 12: == with an element of a constant collection (a constant set, set[x], is read)"},
		{"own function with a non-constant argument", `under(path, dir) {
	startswith(path, dir)
}

tracee_match {
	under(helpers.get_tracee_argument("pathname"), input.executable.path)
}`, "", "line 14: calls under (g_21.rego): line 10: startswith with an argument that is not a constant"},
		{"regex.match with a pattern from the input", `tracee_match {
	regex.match(input.processName, helpers.get_tracee_argument("pathname"))
}`, "", "line 10: regex.match with a pattern that is not a constant string"},
		{"the value of an own function", `dir_of(path) = d {
	d := substring(path, 0, 5)
}

tracee_match {
	dir_of(helpers.get_tracee_argument("pathname")) == "/etc/"
}`, "", "line 14: uses the value dir_of returns (only functions used as conditions are followed)"},
		{"one body without a condition", `tracee_match {
	input.processName == "bash"
}

tracee_match {
	count(helpers.get_tracee_argument("argv")) > 10
}`, "", `line 14: ">" is not a test the guards read`},
		{"a default that is not false", `default tracee_match = true`, "", "line 9: a default tracee_match that is not false"},
		{"else", `tracee_match {
	input.processName == "bash"
} else = false {
	true
}`, "", "line 9: tracee_match has an else"},
		// Guarded, and last so that the file names above stay put.
		{"input field of an object", `tracee_match {
	startswith(input.container.image, "nginx:")
	input.kubernetes.podNamespace == "default"
}`, `startswith(container.image, "nginx:") && kubernetes.podNamespace == "default"`, ""},
	}
	rules := make([]string, len(tests))
	for i, tt := range tests {
		rules[i] = tt.rules
	}
	x, sigs := load(t, rules)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, why := x.Of(sigs[i].MatchRef)
			form := ""
			if g != nil {
				form = g.String()
			}
			if form != tt.guard || why != tt.unguarded {
				t.Errorf("guard %q, unguarded %q\nwant  %q, unguarded %q", form, why, tt.guard, tt.unguarded)
			}
		})
	}
}

// TestSpecialize: once routing fixes the event name, eventName tests are
// decided: a body for another event drops out, and a guard that only tested
// the event name no longer needs testing.
func TestSpecialize(t *testing.T) {
	x, sigs := load(t, []string{`tracee_match {
	input.eventName == "security_file_open"
	helpers.get_tracee_argument("pathname") == "/etc/shadow"
}

tracee_match {
	input.eventName == "security_inode_rename"
	helpers.get_tracee_argument("new_path") == "/etc/shadow"
}

tracee_match {
	input.eventName == "init_module"
}`})
	g, why := x.Of(sigs[0].MatchRef)
	if g == nil {
		t.Fatalf("no guard: %s", why)
	}
	for _, tt := range []struct {
		event string
		want  string // the specialised guard, or "always" or "never"
	}{
		{"security_file_open", `args.pathname == "/etc/shadow"`},
		{"security_inode_rename", `args.new_path == "/etc/shadow"`},
		{"init_module", "always"},
		{"unlink", "never"},
	} {
		s, holds := guard.Specialize(g, tt.event)
		got := "never"
		switch {
		case s != nil:
			got = s.String()
		case holds:
			got = "always"
		}
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.event, got, tt.want)
		}
	}
}

// TestREADMEExamples: the examples of the README's "Which forms are
// pre-filtered" give the guards it says (reasons without their lines).
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Which forms are pre-filtered\n")
	section, _, _ = strings.Cut(section, "\n## ")
	if !ok {
		t.Fatal(`no "Which forms are pre-filtered" section in README.md`)
	}
	rules := regexp.MustCompile("(?s)```rego\n(.*?)```").FindAllStringSubmatch(section, -1)
	wants := regexp.MustCompile("```text\n(guard|unguarded): (.*)\n```").FindAllStringSubmatch(section, -1)
	if len(rules) < 3 || len(rules) != len(wants) {
		t.Fatalf("%d rego blocks, %d results: want one result after each of 3 or more examples", len(rules), len(wants))
	}
	texts := make([]string, len(rules))
	for i, r := range rules {
		texts[i] = r[1]
	}
	x, sigs := load(t, texts)
	lines := regexp.MustCompile(`line \d+: `)
	for i, want := range wants {
		g, why := x.Of(sigs[i].MatchRef)
		got := "unguarded: " + lines.ReplaceAllString(why, "")
		if g != nil {
			got = "guard: " + g.String()
		}
		if got != want[1]+": "+want[2] {
			t.Errorf("example %d:\n%s\ngives %s\nREADME %s: %s", i+1, texts[i], got, want[1], want[2])
		}
	}
}

// TestSharedPredicates: signatures testing the same value the same way
// share one predicate, tested once per record; the view remembers its result
// for one record only, and argv's elements are tested as strings.
func TestSharedPredicates(t *testing.T) {
	x, sigs := load(t, []string{`tracee_match {
	startswith(helpers.get_tracee_argument("pathname"), "/etc/")
	input.processName == "cat"
}`, `tracee_match {
	startswith(helpers.get_tracee_argument("pathname"), "/etc/")
	contains(lower(helpers.get_tracee_argument("flags")), "o_wronly")
}`, `tracee_match {
	startswith(helpers.get_tracee_argument("pathname"), "/etc")
	endswith(helpers.get_tracee_argument("argv")[_], "-I")
}`})
	guards := guardsOf(t, x, sigs)
	p0, p1, p2 := guard.Predicates(guards[0]), guard.Predicates(guards[1]), guard.Predicates(guards[2])
	if p0[0] != p1[0] {
		t.Errorf("%s and %s are not one predicate", p0[0], p1[0])
	}
	if p2[0] == p0[0] {
		t.Errorf("%s and %s are one predicate", p2[0], p0[0])
	}

	var r guard.Record
	for _, tt := range []struct {
		pathname, processName, flags string
		argv                         []any
		want                         [3]bool
	}{
		{"/etc/passwd", "cat", "O_RDONLY", []any{"ls", "-I"}, [3]bool{true, false, true}},
		{"/etc/passwd", "vi", "O_WRONLY|O_CREAT", []any{"ls"}, [3]bool{false, true, false}},
		{"/tmp/x", "cat", "O_WRONLY", []any{"ls", "-I"}, [3]bool{false, false, false}},
		{"/etcetera", "cat", "O_WRONLY", []any{"ls", "x-I"}, [3]bool{false, false, true}},
		{"/etcetera", "cat", "O_WRONLY", []any{"ls", 3}, [3]bool{false, false, false}},
	} {
		reset(t, &r, map[string]any{"pathname": tt.pathname, "flags": tt.flags, "argv": tt.argv}, tt.processName)
		for i, g := range guards {
			if got := g.Holds(&r); got != tt.want[i] {
				t.Errorf("%s on %+v: %v, want %v", g, tt, got, tt.want[i])
			}
		}
	}
}

// reset makes r the view of a security_file_open record with arguments args
// and process name processName.
func reset(t *testing.T, r *guard.Record, args map[string]any, processName string) {
	t.Helper()
	attrs := vigil.Attrs{Record: pcommon.NewMap(), Resource: pcommon.NewMap()}
	for k, v := range args {
		if err := attrs.Record.PutEmpty(vigil.AttrArgPrefix + k).FromRaw(v); err != nil {
			t.Fatal(err)
		}
	}
	attrs.Resource.PutStr(vigil.AttrExecutableName, processName)
	r.Reset(attrs, "security_file_open")
}

// TestEqualities: the equalities and set memberships on one value, decided
// together by looking the value up, give what testing each would; a value
// that is not a string is tested by each.
func TestEqualities(t *testing.T) {
	x, sigs := load(t, []string{`tracee_match {
	helpers.get_tracee_argument("pathname") == "/etc/shadow"
}`, `files := {"/etc/shadow", "/etc/gshadow"}

tracee_match {
	files[helpers.get_tracee_argument("pathname")]
}`, `tracee_match {
	lower(helpers.get_tracee_argument("pathname")) == "/etc/shadow"
}`, `tracee_match {
	helpers.get_tracee_argument("pathname") == 3
}`})
	guards := guardsOf(t, x, sigs)
	var r guard.Record
	for _, tt := range []struct {
		args map[string]any
		want [4]bool
	}{
		{map[string]any{"pathname": "/etc/shadow"}, [4]bool{true, true, true, false}},
		{map[string]any{"pathname": "/etc/gshadow"}, [4]bool{false, true, false, false}},
		{map[string]any{"pathname": "/ETC/SHADOW"}, [4]bool{false, false, true, false}},
		{map[string]any{"pathname": 3}, [4]bool{false, false, false, true}},
		{map[string]any{}, [4]bool{false, false, false, false}},
	} {
		// In both orders: the first predicate tested decides the others.
		for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}} {
			reset(t, &r, tt.args, "cat")
			for _, i := range order {
				if got := guards[i].Holds(&r); got != tt.want[i] {
					t.Errorf("%s on %v: %v, want %v", guards[i], tt.args, got, tt.want[i])
				}
			}
		}
	}
}

// guardsOf returns the guard of each signature, failing for one without.
func guardsOf(t *testing.T, x *guard.Extractor, sigs []*signature.Signature) []guard.Guard {
	t.Helper()
	var guards []guard.Guard
	for _, s := range sigs {
		g, why := x.Of(s.MatchRef)
		if g == nil {
			t.Fatalf("%s: no guard: %s", s.ID, why)
		}
		guards = append(guards, g)
	}
	return guards
}
