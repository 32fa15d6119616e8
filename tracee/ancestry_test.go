package tracee

import (
	"encoding/json"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil"
)

// TestAncestryIsLeftOutOfTraceeEvents: Tracee's events have no field for a
// record's ancestry, so the conversion to Tracee JSON leaves it out, and
// changes nothing else; the event decodes and converts back as any other.
func TestAncestryIsLeftOutOfTraceeEvents(t *testing.T) {
	lr := plog.NewLogRecord()
	lr.SetEventName(vigil.EventNamePrefix + "openat")
	withAncestry, without := plog.NewResourceLogs().Resource(), plog.NewResourceLogs().Resource()
	p := vigil.Process{PID: 100, ParentPID: 60, Name: "cat", ExecutablePath: "/usr/bin/cat"}
	vigil.WriteResource(without.Attributes(), "", &p, nil)
	p.Ancestry = &vigil.Ancestry{ParentExecutablePath: "/bin/bash", ParentArgs: []string{"bash"}, PIDs: []int64{60}, ExecutablePaths: []string{"/bin/bash"}}
	vigil.WriteResource(withAncestry.Attributes(), "", &p, nil)

	got, err := json.Marshal(EventFromRecord(lr, withAncestry))
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(EventFromRecord(lr, without))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("ancestry changed the Tracee event:\n got %s\nwant %s", got, want)
	}
	var back Event
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if pb := back.Process(); pb.Ancestry != nil || pb.ExecutablePath != "/usr/bin/cat" || pb.ParentPID != 60 {
		t.Errorf("decoded process %+v", pb)
	}
}
