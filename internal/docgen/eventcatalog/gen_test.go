package main

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/docgen"
)

// TestREADMEsAreCurrent fails when the committed catalog no longer matches
// the code; make generate fixes it.
func TestREADMEsAreCurrent(t *testing.T) {
	for _, err := range docgen.Stale("../../..", sections) {
		t.Error(err)
	}
}
