package detectionprocessor

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
)

type compatCase struct {
	Name           string          `json:"name"`
	Event          json.RawMessage `json:"event"`
	Tags           map[string]any  `json:"tags"` // every security_rule.* and detection.* attribute
	SeverityNumber int32           `json:"severityNumber"`
}

// detectionTags returns the detection attributes of a record.
func detectionTags(lr plog.LogRecord) map[string]any {
	out := map[string]any{}
	for k, v := range lr.Attributes().All() {
		if strings.HasPrefix(k, "security_rule.") || strings.HasPrefix(k, "detection.") {
			out[k] = v.AsRaw()
		}
	}
	return out
}

// TestTraceeCompatibility loads the Tracee-format signatures of
// testdata/compat (bool and object matches, standard and user helpers,
// origin and "*" selectors, a multi-body rule, a Rego v1 file, a skipped
// *_test.rego) and checks the exact tags on records made from Tracee JSON
// events.
func TestTraceeCompatibility(t *testing.T) {
	b, err := os.ReadFile("testdata/compat/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []compatCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		cfg := pathsConfig("testdata/compat")
		cfg.Workers = workers
		// A checkout's modes follow the umask (002 makes the files group
		// writable); TestSignaturePermissions tests the check.
		cfg.Signatures.AllowInsecurePermissions = true
		p, sink := startProcessor(t, cfg)
		for _, c := range cases {
			t.Run(c.Name, func(t *testing.T) {
				sink.Reset()
				if err := p.ConsumeLogs(context.Background(), logsOf(decodeEvent(t, c.Event))); err != nil {
					t.Fatal(err)
				}
				lr := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
				if got, want := detectionTags(lr), normalize(c.Tags); !reflect.DeepEqual(got, want) {
					gb, _ := json.MarshalIndent(got, "", " ")
					t.Errorf("tags:\n%s\nwant:\n%v", gb, want)
				}
				if got := int32(lr.SeverityNumber()); got != c.SeverityNumber {
					t.Errorf("severity number %d, want %d", got, c.SeverityNumber)
				}
			})
		}
	}
}
