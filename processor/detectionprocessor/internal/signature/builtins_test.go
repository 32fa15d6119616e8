package signature

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// withMatch is the signature of sig_test.go with another tracee_match.
func withMatch(body string) string {
	return strings.Replace(sig, "tracee_match { true }", "tracee_match {\n"+body+"\n}", 1)
}

// matchRow is the line of the first line of withMatch's body.
var matchRow = strings.Count(sig[:strings.Index(sig, "tracee_match { true }")], "\n") + 2

// TestBuiltinAllowList: signatures compile with allowed built-ins and fail
// to load, naming the file, the line, the built-in and why, with any other.
func TestBuiltinAllowList(t *testing.T) {
	for _, tt := range []struct {
		body string
		want string // "" when allowed
	}{
		{`regex.match("^/etc/", input.args[0].value)`, ""},
		{`startswith(base64.decode(input.args[0].value), "\u007fELF")`, ""},
		{`json.unmarshal("{}") == {}`, ""},
		{`net.cidr_contains("10.0.0.0/8", "10.1.2.3")`, ""},
		{`count([x | x := numbers.range(1, 10)[_]]) == 10`, ""},
		{`sprintf("%d", [1]) == "1"`, ""},
		{`glob.match("/etc/*", ["/"], input.args[0].value)`, ""},
		{`http.send({"method": "get", "url": "http://x"})`, "http.send is not allowed in signatures (network access)"},
		{`net.lookup_ip_addr("example.com")`, "net.lookup_ip_addr is not allowed in signatures (network access)"},
		{`time.now_ns() > 0`, "time.now_ns is not allowed in signatures (reads the clock)"},
		{`rand.intn("x", 10) > 0`, "rand.intn is not allowed in signatures (random)"},
		{`uuid.rfc4122("x")`, "uuid.rfc4122 is not allowed in signatures (random)"},
		{`opa.runtime().env`, "opa.runtime is not allowed in signatures (reads the environment"},
		{`time.clock([0, "Europe/Paris"])`, "time.clock is not allowed in signatures (reads the time zone database"},
		{`rego.parse_module("x", "package x")`, "rego.parse_module is not allowed in signatures"},
		{`json.match_schema({}, {"$ref": "http://x"})`, "json.match_schema is not allowed in signatures"},
		{`trace("x")`, "trace is not allowed in signatures (output"},
		{`print("x")`, "print is not allowed in signatures (output"},
		{`io.jwt.decode("x")`, "io.jwt.decode is not allowed in signatures (not on the allow-list)"},
		{`count([1]) == 1 with count as http.send`, "http.send is not allowed in signatures (network access)"},
	} {
		t.Run(tt.body, func(t *testing.T) {
			_, err := load(t, map[string]string{"x.rego": withMatch(tt.body)})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("allowed built-in refused: %v", err)
				}
				return
			}
			want := "signatures.paths[0]: x.rego:" + strconv.Itoa(matchRow) + ": " + tt.want
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "allowed built-ins are listed in the processor README") {
				t.Fatalf("Load() = %v\nwant an error containing %q", err, want)
			}
		})
	}
}

// TestAllowListNames: every name in the allow-list and the reasons is an
// OPA built-in, none is both, and nothing OPA marks non-deterministic is
// allowed.
func TestAllowListNames(t *testing.T) {
	for name := range allowed {
		b, ok := ast.BuiltinMap[name]
		if !ok {
			t.Errorf("allowed %q is not an OPA built-in", name)
			continue
		}
		if b.Nondeterministic {
			t.Errorf("allowed %q is non-deterministic", name)
		}
		if _, denied := deniedBuiltins[name]; denied {
			t.Errorf("%q is both allowed and denied", name)
		}
	}
	for name := range deniedBuiltins {
		if _, ok := ast.BuiltinMap[name]; !ok {
			t.Errorf("denied %q is not an OPA built-in", name)
		}
	}
	for _, b := range Capabilities().Builtins {
		if !allowed[b.Name] {
			t.Errorf("capabilities offer %q", b.Name)
		}
	}
}

// TestCompiledRulesChecked: the check of compiled rules finds a refused
// built-in that a compiler with every built-in let through.
func TestCompiledRulesChecked(t *testing.T) {
	mod := ast.MustParseModuleWithOpts("package p\n\nx := http.send({})\n", ast.ParserOptions{RegoVersion: ast.RegoV1})
	c := ast.NewCompiler()
	if c.Compile(map[string]*ast.Module{"p.rego": mod}); c.Failed() {
		t.Fatal(c.Errors)
	}
	err := checkCompiled(c)
	if err == nil || !strings.Contains(err.Error(), "http.send is not allowed in signatures (network access)") {
		t.Errorf("checkCompiled() = %v", err)
	}
}

// TestLoadBudget: a metadoc that would run for minutes fails loading,
// naming the file and the rule, once the budget is spent.
func TestLoadBudget(t *testing.T) {
	slow := strings.Replace(sig, `"name": "x",`, `"name": sprintf("%d", [count([x | x := numbers.range(1, 1000000000)[_]; x % 7 == 0])]),`, 1)
	start := time.Now()
	_, err := loadWithin(t, map[string]string{"x.rego": slow}, time.Second)
	if err == nil || !strings.Contains(err.Error(), "x.rego:3: evaluating __rego_metadoc__: did not finish within the evaluation budget (1s)") {
		t.Fatalf("Load() = %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Load took %s with a budget of 1s", d)
	}
}
