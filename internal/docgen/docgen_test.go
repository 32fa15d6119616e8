package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEsAreCurrent fails when a generated README section no longer
// matches the code; `go generate ./internal/docgen` fixes it.
func TestREADMEsAreCurrent(t *testing.T) {
	for _, s := range sections {
		doc, err := os.ReadFile("../../" + s.file)
		if err != nil {
			t.Fatal(err)
		}
		want, err := replaceSection(doc, s.name, s.render())
		if err != nil {
			t.Fatal(err)
		}
		if string(want) != string(doc) {
			t.Errorf("%s: generated section %q is stale; run go generate ./internal/docgen", s.file, s.name)
		}
	}
}

func TestReplaceSection(t *testing.T) {
	doc := []byte("a\n<!-- BEGIN GENERATED x -->\nold\n<!-- END GENERATED x -->\nb\n")
	out, err := replaceSection(doc, "x", "new\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != "a\n<!-- BEGIN GENERATED x -->\nnew\n<!-- END GENERATED x -->\nb\n" {
		t.Fatalf("got %q", got)
	}
	if _, err := replaceSection([]byte("no markers"), "x", ""); err == nil || !strings.Contains(err.Error(), "markers") {
		t.Fatalf("missing markers must be an error, got %v", err)
	}
}
