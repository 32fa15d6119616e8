package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplace(t *testing.T) {
	doc := []byte("a\n<!-- BEGIN GENERATED x -->\nold\n<!-- END GENERATED x -->\nb\n")
	out, err := Replace(doc, "x", "new\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != "a\n<!-- BEGIN GENERATED x -->\nnew\n<!-- END GENERATED x -->\nb\n" {
		t.Fatalf("got %q", got)
	}
	indented := []byte("- item\n  <!-- BEGIN GENERATED x -->\n  old\n  <!-- END GENERATED x -->\n")
	if out, err := Replace(indented, "x", "  new\n"); err != nil || string(out) != "- item\n  <!-- BEGIN GENERATED x -->\n  new\n  <!-- END GENERATED x -->\n" {
		t.Fatalf("indented: got %q, %v", out, err)
	}
	if _, err := Replace([]byte("no markers"), "x", ""); err == nil || !strings.Contains(err.Error(), "markers") {
		t.Fatalf("missing markers must be an error, got %v", err)
	}
}

// TestWriteThenStale: a stale section is reported, Write fixes it, and then
// nothing is stale.
func TestWriteThenStale(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "R.md"), []byte("<!-- BEGIN GENERATED t -->\nold\n<!-- END GENERATED t -->\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sections := []Section{{File: "R.md", Name: "t", Render: func() (string, error) { return "new\n", nil }}}
	if errs := Stale(root, sections); len(errs) != 1 || !strings.Contains(errs[0].Error(), "stale") {
		t.Fatalf("Stale = %v, want one stale section", errs)
	}
	if err := Write(root, sections); err != nil {
		t.Fatal(err)
	}
	if errs := Stale(root, sections); len(errs) != 0 {
		t.Fatalf("after Write, Stale = %v", errs)
	}
}
