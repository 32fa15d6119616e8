package detectionprocessor

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
)

// under_nginx.rego matches execs with nginx among their ancestors.
const underNginx = `package tracee.UNDER_NGINX

__rego_metadoc__ := {
	"id": "TEST-ANC",
	"version": "1.0.0",
	"name": "exec under nginx",
	"eventName": "under_nginx",
	"description": "A process started under nginx.",
	"tags": ["linux"],
	"properties": {"Severity": 2, "MITRE ATT&CK": "Execution: Command and Scripting Interpreter"},
}

tracee_selected_events[eventSelector] {
	eventSelector := {"source": "tracee", "name": "sched_process_exec", "origin": "*"}
}

tracee_match = {"parent": input.vigil.parent.executablePath} {
	endswith(input.vigil.ancestors[_].executablePath, "/nginx")
}
`

// TestSignatureReadsAncestry: a signature testing input.vigil.ancestors
// matches the exec whose chain has nginx, and not the one whose chain lacks
// it, nor one without ancestry.
func TestSignatureReadsAncestry(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "under_nginx.rego"), []byte(underNginx), 0o644); err != nil {
		t.Fatal(err)
	}
	p, sink := startProcessor(t, pathsConfig(dir))

	ld := plog.NewLogs()
	for i, a := range []*vigil.Ancestry{
		{ParentExecutablePath: "/bin/sh", PIDs: []int64{20, 10}, ExecutablePaths: []string{"/bin/sh", "/usr/sbin/nginx"}},
		{ParentExecutablePath: "/bin/sh", PIDs: []int64{20, 10}, ExecutablePaths: []string{"/bin/sh", "/usr/sbin/sshd"}},
		nil,
	} {
		rl := ld.ResourceLogs().AppendEmpty()
		proc := vigil.Process{PID: int64(30 + i), ParentPID: 20, Name: "id", Ancestry: a}
		vigil.WriteResource(rl.Resource().Attributes(), "", &proc, nil)
		rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().SetEventName(vigil.EventNamePrefix + "sched_process_exec")
	}
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	rls := sink.AllLogs()[0].ResourceLogs()
	for i, want := range []bool{true, false, false} {
		lr := rls.At(i).ScopeLogs().At(0).LogRecords().At(0)
		uuid, tagged := lr.Attributes().Get(vigil.AttrRuleUUID)
		if tagged != want || (want && uuid.Str() != "TEST-ANC") {
			t.Errorf("record %d: tagged %v (%q), want %v", i, tagged, uuid.Str(), want)
		}
		if want {
			if parent, _ := lr.Attributes().Get(vigil.AttrDataPrefix + "parent"); parent.Str() != "/bin/sh" {
				t.Errorf("detection.data.parent %q, want /bin/sh", parent.Str())
			}
		}
	}
}
