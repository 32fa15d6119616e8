// Command docs writes the processor README's tables that are derived from
// code: the built-in signatures (read from signatures/*.rego, the files the
// processor embeds) and the OPA built-ins a signature may and may not call.
// `go generate ./...` runs it; its test fails when the README is stale.
package main

//go:generate go run . ../../../..

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/vigil-sec/vigil/internal/docgen"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

const readme = "processor/detectionprocessor/README.md"

// root is the repository root, set from the command line or by the test.
var root = "."

var sections = []docgen.Section{
	{File: readme, Name: "built-in signatures", Render: signatureTable},
	{File: readme, Name: "allowed built-ins", Render: allowedBuiltins},
	{File: readme, Name: "refused built-ins", Render: refusedBuiltins},
}

func main() {
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	docgen.Main(sections)
}

// signatureTable lists the built-in signatures from their files.
func signatureTable() (string, error) {
	dir := filepath.Join(root, "processor/detectionprocessor/signatures")
	set, err := signature.Load(context.Background(), []signature.Source{{FS: os.DirFS(dir), Root: ".", Ruleset: "builtin", Prefix: dir, Field: "signatures"}}, 5*time.Second)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| id | name | events | sev | MITRE ATT&CK |\n|---|---|---|---|---|\n")
	for _, s := range set.Signatures {
		var events []string
		origins := map[string]bool{}
		for _, sel := range s.Selectors {
			events = append(events, sel.Name)
			origins[sel.Origin] = true
		}
		ev := strings.Join(events, ", ")
		if len(origins) == 1 && !origins["*"] && !origins[""] {
			for o := range origins {
				ev += " (" + o + ")"
			}
		}
		name := strings.NewReplacer("<", `\<`, ">", `\>`).Replace(s.Name)
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s, %s |\n", s.ID, name, ev, s.Severity, s.Tactic, s.Technique)
	}
	return b.String(), nil
}

// allowedBuiltins lists the allow-list by category.
func allowedBuiltins() (string, error) {
	allowed := signature.AllowedBuiltins()
	var b strings.Builder
	b.WriteString("  | category | allowed built-ins |\n  |---|---|\n")
	for _, cat := range slices.Sorted(maps.Keys(allowed)) {
		fmt.Fprintf(&b, "  | %s | %s |\n", cat, code(slices.Sorted(slices.Values(allowed[cat]))))
	}
	return b.String(), nil
}

// refusedBuiltins lists the built-ins refused with a reason, then every
// other OPA built-in, which is refused for not being on the allow-list.
func refusedBuiltins() (string, error) {
	allowed, denied := signature.AllowedBuiltins(), signature.DeniedBuiltins()
	var b strings.Builder
	b.WriteString("  | built-in | why |\n  |---|---|\n")
	for _, name := range slices.Sorted(maps.Keys(denied)) {
		fmt.Fprintf(&b, "  | `%s` | %s |\n", name, denied[name])
	}
	listed := map[string]bool{}
	for _, names := range allowed {
		for _, n := range names {
			listed[n] = true
		}
	}
	var others []string
	for _, bi := range ast.Builtins {
		if _, ok := denied[bi.Name]; !ok && !listed[bi.Name] {
			others = append(others, bi.Name)
		}
	}
	slices.Sort(others)
	fmt.Fprintf(&b, "  | %s | not on the allow-list |\n", code(others))
	return b.String(), nil
}

func code(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	return strings.Join(quoted, ", ")
}
