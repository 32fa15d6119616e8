package vigil

import "testing"

// TestOriginOf holds OriginOf to Tracee's trace.Event.Origin: a started
// container is "container" even when its id is not known.
func TestOriginOf(t *testing.T) {
	for _, c := range []struct {
		id      string
		started bool
		want    string
	}{
		{"", false, OriginHost},
		{"c0ffee", false, OriginContainerInit},
		{"c0ffee", true, OriginContainer},
		{"", true, OriginContainer},
	} {
		if got := OriginOf(c.id, c.started); got != c.want {
			t.Errorf("OriginOf(%q, %v) = %q, want %q", c.id, c.started, got, c.want)
		}
	}
}
