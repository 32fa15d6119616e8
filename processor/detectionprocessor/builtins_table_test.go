package detectionprocessor

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// TestREADMEBuiltinTables: the README lists the allowed built-ins and the
// refused ones as the code has them.
func TestREADMEBuiltinTables(t *testing.T) {
	code := func(names []string) string {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = "`" + n + "`"
		}
		return strings.Join(quoted, ", ")
	}
	allowed := signature.AllowedBuiltins()
	var b strings.Builder
	b.WriteString("  | category | allowed built-ins |\n  |---|---|\n")
	for _, cat := range slices.Sorted(maps.Keys(allowed)) {
		fmt.Fprintf(&b, "  | %s | %s |\n", cat, code(slices.Sorted(slices.Values(allowed[cat]))))
	}
	checkREADMESection(t, `(?s)  \| category \| allowed built-ins \|\n.*?\n\n`, b.String()+"\n", "READMEBuiltinTables")

	denied := signature.DeniedBuiltins()
	b.Reset()
	b.WriteString("  | built-in | why |\n  |---|---|\n")
	for _, name := range slices.Sorted(maps.Keys(denied)) {
		fmt.Fprintf(&b, "  | `%s` | %s |\n", name, denied[name])
	}
	var others []string
	for _, bi := range ast.Builtins {
		name := bi.Name
		if _, ok := denied[name]; !ok && !slices.ContainsFunc(slices.Collect(maps.Values(allowed)), func(l []string) bool { return slices.Contains(l, name) }) {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	fmt.Fprintf(&b, "  | %s | not on the allow-list |\n", code(others))
	checkREADMESection(t, `(?s)  \| built-in \| why \|\n.*?\n\n`, b.String()+"\n", "READMEBuiltinTables")
}
