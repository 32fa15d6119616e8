//go:build e2e

package e2e

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	vigil "github.com/vigil-sec/vigil"
)

// TestReplayExample runs examples/replay.yaml, unprivileged as it promises,
// over the repository's recorded Tracee events and checks that detections,
// and only detections, come out.
func TestReplayExample(t *testing.T) {
	bin := vigilcol(t)
	root := repoRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "detections.jsonl")
	c := startCollector(t, "replay", bin, dir, []string{
		"VIGIL_REPLAY_FILE=" + filepath.Join(root, "testdata", "tracee", "events.jsonl"),
		"VIGIL_DETECTIONS_FILE=" + out,
	}, filepath.Join(root, "examples", "replay.yaml"), writeFile(t, dir, "override.yaml", `
service:
  telemetry:
    logs:
      encoding: json
`))
	c.waitReady(t, time.Minute)

	// The recording holds a PTRACE_TRACEME call and an ELF written to disk.
	want := []string{"VGL-1001", "VGL-1010"}
	var rules []string
	for deadline := time.Now().Add(detectionWait); ; {
		recs, err := logRecords(out)
		if err != nil {
			t.Fatal(err)
		}
		rules = rules[:0]
		for _, r := range recs {
			uuid, _ := r.Attrs[vigil.AttrRuleUUID].(string)
			if uuid == "" {
				t.Fatalf("replay.yaml wrote a record no signature matched: %s %v", r.EventName, r.Attrs)
			}
			rules = append(rules, uuid)
		}
		if containsAll(rules, want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.stop(t, time.Minute)
	if !containsAll(rules, want) {
		t.Errorf("replay detections %v, want at least %v", rules, want)
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
