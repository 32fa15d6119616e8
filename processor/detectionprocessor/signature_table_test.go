package detectionprocessor

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/signature"
)

// updateDocsEnv makes the README tests rewrite their table instead of
// failing: VIGIL_UPDATE_DOCS=1 go test -run README .
const updateDocsEnv = "VIGIL_UPDATE_DOCS"

// signatureTable renders the built-in signatures as the README lists them,
// from the signatures themselves, so the list cannot drift from the code.
func signatureTable(t *testing.T) string {
	t.Helper()
	srcs, err := signatureSources(&Config{Signatures: SignaturesConfig{Builtin: true}})
	if err != nil {
		t.Fatal(err)
	}
	set, err := signature.Load(context.Background(), srcs, defaultEvaluationTimeout)
	if err != nil {
		t.Fatal(err)
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
	return b.String()
}

func TestREADMESignatureTable(t *testing.T) {
	checkREADMESection(t, `(?s)\| id \| name \| events \| sev \| MITRE ATT&CK \|\n.*?\n\n`, signatureTable(t)+"\n", "READMESignatureTable")
}

// checkREADMESection compares the README's text matching pattern with want,
// or rewrites it with VIGIL_UPDATE_DOCS set.
func checkREADMESection(t *testing.T, pattern, want, test string) {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	loc := regexp.MustCompile(pattern).FindIndex(readme)
	if loc == nil {
		t.Fatalf("README.md has nothing matching %q", pattern)
	}
	if string(readme[loc[0]:loc[1]]) == want {
		return
	}
	if os.Getenv(updateDocsEnv) != "" {
		out := append(append(append([]byte{}, readme[:loc[0]]...), want...), readme[loc[1]:]...)
		if err := os.WriteFile("README.md", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("a table in README.md is stale; run %s=1 go test -run %s . and commit", updateDocsEnv, test)
}
