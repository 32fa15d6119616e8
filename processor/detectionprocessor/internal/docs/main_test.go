package main

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/docgen"
)

// TestREADMEIsCurrent fails when the README's signature or built-in tables
// no longer match the code; make generate fixes it.
func TestREADMEIsCurrent(t *testing.T) {
	root = "../../../.."
	for _, err := range docgen.Stale(root, sections) {
		t.Error(err)
	}
}
