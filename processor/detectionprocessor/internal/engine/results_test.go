package engine

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/tracee"
)

// resultSig's guard reads the pathname; its result carries members no
// guard can read: another argument, the process name, the user, the
// container, the ancestry.
const resultSig = `package tracee.RESULT

import data.tracee.helpers

__rego_metadoc__ := {"id": "RESULT-1", "name": "result"}

tracee_selected_events[{"source": "tracee", "name": "security_file_open"}]

tracee_match = {"flags": helpers.get_tracee_argument("flags"), "comm": input.processName, "uid": input.userId,
	"container": input.container, "parent": input.vigil.parent, "ancestors": input.vigil.ancestors} {
	helpers.get_tracee_argument("pathname") == "/etc/shadow"
}
`

// TestResultsAreExact: a record differing from a remembered one in any
// attribute feeding a member the signature reads, but in none its guard
// reads, gets Rego's result, not the remembered one (whose data would
// carry the old value); one differing in what no member is made of takes
// the remembered result.
func TestResultsAreExact(t *testing.T) {
	set := loadSigs(t, map[string]string{"result.rego": resultSig})
	p := newPair(t, set)
	if g := p.eng.Candidates("security_file_open", vigil.OriginHost); g == nil || !g.results {
		t.Fatal("RESULT-1's results are not remembered: the test needs them to be")
	}
	base := func() (plog.LogRecord, pcommon.Resource) {
		ev := tracee.Event{Timestamp: 1, HostProcessID: 7, HostThreadID: 7, ProcessName: "cat", UserID: 1000, EventName: "security_file_open",
			Args: []tracee.Arg{{Name: "pathname", Type: "const char*", Value: "/etc/shadow"}, {Name: "flags", Type: "string", Value: "O_RDONLY"}}}
		lr, res := recordOf(&ev)
		vigil.WriteResource(res.Attributes(), "", &vigil.Process{PID: 7, ParentPID: 6, Name: "cat", Ancestry: &vigil.Ancestry{
			ParentExecutablePath: "/bin/bash", ParentArgs: []string{"-bash"}, PIDs: []int64{6, 1}, ExecutablePaths: []string{"/bin/bash", "/sbin/init"},
		}}, nil)
		return lr, res
	}
	for _, c := range []struct {
		name   string
		change func(lr plog.LogRecord, res pcommon.Resource)
		hit    bool
	}{
		{"timestamp and thread", func(lr plog.LogRecord, res pcommon.Resource) {
			lr.SetTimestamp(2)
			lr.Attributes().PutInt(vigil.AttrThreadID, 8)
		}, true},
		{"flags, read through args", func(lr plog.LogRecord, _ pcommon.Resource) {
			lr.Attributes().PutStr(vigil.AttrArgPrefix+"flags", "O_RDWR")
		}, false},
		{"an argument no signature names", func(lr plog.LogRecord, _ pcommon.Resource) { lr.Attributes().PutStr(vigil.AttrArgPrefix+"extra", "x") }, false},
		{"comm", func(_ plog.LogRecord, res pcommon.Resource) {
			res.Attributes().PutStr(vigil.AttrExecutableName, "less")
		}, false},
		{"user", func(_ plog.LogRecord, res pcommon.Resource) { res.Attributes().PutInt(vigil.AttrUserID, 4242) }, false},
		{"container", func(_ plog.LogRecord, res pcommon.Resource) { res.Attributes().PutStr(vigil.AttrContainerID, "c1") }, false},
		{"parent's path", func(_ plog.LogRecord, res pcommon.Resource) {
			res.Attributes().PutStr(vigil.AttrParentExecutablePath, "/bin/sh")
		}, false},
		{"parent's args", func(_ plog.LogRecord, res pcommon.Resource) {
			res.Attributes().PutEmptySlice(vigil.AttrParentCommandArgs).AppendEmpty().SetStr("-sh")
		}, false},
		{"ancestors' paths", func(_ plog.LogRecord, res pcommon.Resource) {
			s := res.Attributes().PutEmptySlice(vigil.AttrAncestorExecutables)
			s.AppendEmpty().SetStr("/bin/bash")
			s.AppendEmpty().SetStr("/usr/lib/systemd/systemd")
		}, false},
	} {
		// the base record, remembered; then the changed one, whose
		// result must be Rego's
		lr, res := base()
		p.check(t, lr, res)
		if !p.check(t, lr, res) {
			t.Fatal("the base record does not match")
		}
		c.change(lr, res)
		before := p.guarded.memoHits
		p.check(t, lr, res)
		if hit := p.guarded.memoHits > before; hit != c.hit {
			t.Errorf("%s changed: result remembered %v, want %v", c.name, hit, c.hit)
		}
	}
}

// TestResultKeyBounded: a record whose values encode longer than
// maxResultKey gets Rego's answer and takes no slot of the results.
func TestResultKeyBounded(t *testing.T) {
	set := loadSigs(t, map[string]string{"result.rego": resultSig})
	p := newPair(t, set)
	ev := tracee.Event{Timestamp: 1, HostProcessID: 7, HostThreadID: 7, ProcessName: "cat", EventName: "security_file_open",
		Args: []tracee.Arg{{Name: "pathname", Type: "const char*", Value: "/etc/shadow"}, {Name: "flags", Type: "string", Value: strings.Repeat("x", maxResultKey)}}}
	lr, res := recordOf(&ev)
	vigil.WriteResource(res.Attributes(), "", &vigil.Process{PID: 7, Name: "cat", Ancestry: &vigil.Ancestry{PIDs: []int64{1}}}, nil)
	for range 2 {
		if !p.check(t, lr, res) {
			t.Fatal("the long record did not match")
		}
	}
	for i := range p.guarded.verdicts.results.slots {
		if s := &p.guarded.verdicts.results.slots[i]; s.group != nil {
			t.Fatalf("results remembered under a key of %d bytes, over maxResultKey", len(s.key))
		}
	}
}
