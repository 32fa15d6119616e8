package tracee

import (
	"bytes"
	"encoding/json"
	"github.com/vigil-sec/vigil"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// FuzzTraceeConversion feeds arbitrary Tracee JSON through
// event -> record -> event. The first trip may normalise (a guessed arg type,
// containerId taken from container.id); after it the conversion must be a
// fixed point, and it must never panic.
func FuzzTraceeConversion(f *testing.F) {
	for _, l := range readEventLines(f) {
		f.Add(l)
	}
	f.Add([]byte(`{"eventName":"x","args":[{"name":"a","type":"u64","value":18446744073709551615},{"name":"b","value":[1,"s",{"k":null}]}]}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var ev Event
		if json.Unmarshal(line, &ev) != nil {
			return
		}
		once := roundTrip(t, &ev)
		twice := roundTrip(t, &once)
		a, _ := json.Marshal(&once)
		b, _ := json.Marshal(&twice)
		if !bytes.Equal(a, b) {
			t.Fatalf("not a fixed point:\n %s\n %s", a, b)
		}
	})
}

func roundTrip(t *testing.T, ev *Event) Event {
	t.Helper()
	res := pcommon.NewResource()
	p := ev.Process()
	vigil.WriteResource(res.Attributes(), ev.HostName, &p, nil)
	lr := plog.NewLogRecord()
	RecordFromEvent(ev, lr)
	back := EventFromRecord(lr, res)
	// Decode what we encode, as a consumer of the JSON would.
	b, err := json.Marshal(&back)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out Event
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal own output %s: %v", b, err)
	}
	return out
}
