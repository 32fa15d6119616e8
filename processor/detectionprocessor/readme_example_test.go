package detectionprocessor

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/tracee"
)

// TestREADMESignatureExample loads the signature shown in the top-level
// README under "Writing a signature" and checks it does what the README says,
// so the example users copy keeps working.
func TestREADMESignatureExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```rego\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("no rego block in README.md")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "my_shadow_read.rego"), m[1], 0o644); err != nil {
		t.Fatal(err)
	}
	p, sink := startProcessor(t, pathsConfig(dir))

	open := func(comm string) *tracee.Event {
		return decodeEvent(t, []byte(`{"processName":"`+comm+`","hostProcessId":7,"eventName":"security_file_open",`+
			`"args":[{"name":"pathname","type":"const char*","value":"/etc/shadow"},{"name":"flags","type":"string","value":"O_RDONLY"}]}`))
	}
	if err := p.ConsumeLogs(context.Background(), logsOf(open("bash"), open("sshd"))); err != nil {
		t.Fatal(err)
	}
	logs := sink.AllLogs()[0]
	bash := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	sshd := logs.ResourceLogs().At(1).ScopeLogs().At(0).LogRecords().At(0)

	if uuid, _ := bash.Attributes().Get(vigil.AttrRuleUUID); uuid.Str() != "MY-0001" {
		t.Errorf("bash reading /etc/shadow: security_rule.uuid %q, want MY-0001", uuid.Str())
	}
	if path, _ := bash.Attributes().Get(vigil.AttrDataPrefix + "path"); path.Str() != "/etc/shadow" {
		t.Errorf("detection.data.path %q, want /etc/shadow", path.Str())
	}
	if sev, _ := bash.Attributes().Get(vigil.AttrSeverity); sev.Int() != 3 {
		t.Errorf("detection.severity %d, want 3", sev.Int())
	}
	if _, tagged := sshd.Attributes().Get(vigil.AttrRuleUUID); tagged {
		t.Error("sshd is not a shell: it must not match")
	}
}
