package vigil

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestProcessAttrCount: AttrCount says how many attributes Put writes, with
// and without the optional strings, so callers can size a resource once.
func TestProcessAttrCount(t *testing.T) {
	events := decodeEvents(t, readEventLines(t))
	for _, p := range []Process{{}, {PID: 1, Name: "init"}, events[3].Process()} {
		m := pcommon.NewMap()
		p.Put(m)
		if m.Len() != p.AttrCount() {
			t.Errorf("%+v: Put wrote %d attributes, AttrCount says %d", p, m.Len(), p.AttrCount())
		}
	}
	if p := events[3].Process(); p.PodUID == "" || p.ContainerImage == "" {
		t.Fatalf("event 3 of %s should be the one from a pod, to count every optional attribute", eventsFile)
	}
}
