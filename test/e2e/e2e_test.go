//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/privtest"
)

// expectation is what one action must produce at the backend: a detection
// by rule for the process pid, naming path (when the rule reports one).
type expectation struct {
	pid        int
	path       string
	pathPrefix bool // path is a prefix: the kernel may add to it (a memfd's " (deleted)")
}

// scenario is one suspicious action and the detection it must cause.
type scenario struct {
	name string
	rule string // security_rule.uuid of the built-in signature
	// needs are the kernel events the rule selects that this action causes;
	// a failure names those the node said it cannot capture yet.
	needs []string
	act   func(work string) (expectation, error)
}

var scenarios = []scenario{
	{
		name:  "ptrace TRACEME",
		rule:  "VGL-1001",
		needs: []string{"ptrace"},
		act: func(string) (expectation, error) {
			pid, err := runActionProcess("ptrace-traceme", "", nil)
			return expectation{pid: pid}, err
		},
	},
	{
		name:  "ELF written to /tmp and run",
		rule:  "VGL-1010",
		needs: []string{"magic_write"},
		act: func(string) (expectation, error) {
			dir, err := os.MkdirTemp("/tmp", "vigil-e2e-drop-")
			if err != nil {
				return expectation{}, err
			}
			defer os.RemoveAll(dir)
			path := filepath.Join(dir, "stage2")
			pid, err := runActionProcess("drop-elf", path, nil)
			return expectation{pid: pid, path: path}, err
		},
	},
	{
		name:  "exec from memfd",
		rule:  "VGL-1006",
		needs: []string{"sched_process_exec"},
		act: func(string) (expectation, error) {
			pid, err := runActionProcess("memfd-exec", "", nil)
			return expectation{pid: pid, path: "memfd:" + memfdName, pathPrefix: true}, err
		},
	},
	{
		name:  "/etc/ld.so.preload written in a scratch mount namespace",
		rule:  "VGL-1007",
		needs: []string{"security_file_open"},
		act: func(string) (expectation, error) {
			pid, err := runActionProcess("write-ld-preload", "", &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS})
			return expectation{pid: pid, path: ldPreloadPath}, err
		},
	},
	{
		name:  "tmpfs mounted from a runc container",
		rule:  "VGL-1013",
		needs: []string{"security_sb_mount"},
		act: func(work string) (expectation, error) {
			pid, err := mountInContainer(work)
			return expectation{pid: pid, path: containerMountTarget}, err
		},
	},
	{
		name:  "/etc/shadow read",
		rule:  "VGL-1029",
		needs: []string{"security_file_open"},
		act: func(string) (expectation, error) {
			pid, err := runActionProcess("read-shadow", "", nil)
			return expectation{pid: pid, path: "/etc/shadow"}, err
		},
	},
}

// The burst: burstSize detections by burstRule from one process.
const (
	burstSize = 1000
	burstRule = "VGL-1001"
)

// How long detections may take to reach the backend's file after the last
// action: batching on both sides plus the file exporter's one-second flush.
const detectionWait = 30 * time.Second

// cannotCaptureMsg starts the node's warning that lists the configured events
// its kernel side cannot produce.
const cannotCaptureMsg = "events of the configured sets that the kernel side cannot produce yet"

func TestKernelToOTLPBackend(t *testing.T) {
	privtest.Require(t)
	bin := vigilcol(t)
	examples := filepath.Join(repoRoot(t), "examples")
	dir := t.TempDir()
	outDir := filepath.Join(dir, "backend")
	detectionsFiles := filepath.Join(outDir, "detections*.jsonl")
	metricsFiles := filepath.Join(outDir, "node-metrics*.jsonl")

	// The backend: examples/gateway.yaml as shipped, on loopback ports. The
	// override only switches its log to JSON (read by the test) and its own
	// metrics off (their default port would collide with the node's).
	otlpAddr := freeLoopbackAddr(t)
	backend := startCollector(t, "backend", bin, dir, []string{
		"VIGIL_GATEWAY_ENDPOINT=" + otlpAddr,
		"VIGIL_GATEWAY_HEALTH_ENDPOINT=" + freeLoopbackAddr(t),
		"VIGIL_GATEWAY_DIR=" + outDir,
	}, filepath.Join(examples, "gateway.yaml"), writeFile(t, dir, "backend-override.yaml", `
service:
  telemetry:
    logs:
      encoding: json
    metrics:
      level: none
`))
	backend.waitReady(t, time.Minute)

	// The node: examples/otlp.yaml pointed at the backend. It pushes its own
	// metrics there too, so "records sent" is counted where the records land;
	// the reader's last push happens at shutdown, after the queue drained.
	node := startCollector(t, "node", bin, dir, []string{
		"VIGIL_OTLP_ENDPOINT=" + otlpAddr,
		"VIGIL_OTLP_INSECURE=true",
	}, filepath.Join(examples, "otlp.yaml"), writeFile(t, dir, "node-override.yaml", fmt.Sprintf(`
extensions:
  health_check:
    endpoint: %s
service:
  telemetry:
    logs:
      encoding: json
    metrics:
      readers:
        - periodic:
            interval: 1000
            exporter:
              otlp:
                protocol: grpc
                endpoint: http://%s
                insecure: true
`, freeLoopbackAddr(t), otlpAddr)))
	node.waitReady(t, 2*time.Minute)

	expected := make([]expectation, len(scenarios))
	actErr := make([]error, len(scenarios))
	for i, sc := range scenarios {
		expected[i], actErr[i] = sc.act(dir)
	}
	controlPID, controlErr := runActionProcess("benign", dir, nil)
	burstPID, burstErr := runActionProcess("ptrace-burst", strconv.Itoa(burstSize), nil)

	// Poll the backend's file until every detection arrived or time is up.
	deadline := time.Now().Add(detectionWait)
	for {
		recs, err := logRecords(detectionsFiles)
		if err != nil {
			t.Fatal(err)
		}
		all := burstErr != nil || countDetections(recs, burstRule, burstPID) >= burstSize
		for i, sc := range scenarios {
			if actErr[i] == nil && findDetection(recs, sc.rule, expected[i]) == nil {
				all = false
			}
		}
		if all || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}

	uncapturable := loggedEvents(node)
	node.stop(t, time.Minute)
	backend.stop(t, time.Minute)

	recs, err := logRecords(detectionsFiles)
	if err != nil {
		t.Fatal(err)
	}
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if actErr[i] != nil {
				t.Fatalf("the action failed: %v", actErr[i])
			}
			want := expected[i]
			if findDetection(recs, sc.rule, want) != nil {
				return
			}
			var missing []string
			for _, ev := range sc.needs {
				if slices.Contains(uncapturable, ev) {
					missing = append(missing, ev)
				}
			}
			why := fmt.Sprintf("; the node captures %s, so look at that event's pid and arguments: the rule did not match them", strings.Join(sc.needs, ", "))
			if len(missing) > 0 {
				why = fmt.Sprintf("; the node logged that its kernel side cannot produce %s yet", strings.Join(missing, ", "))
			}
			t.Errorf("no %s detection for pid %d%s reached the backend (%d records there, rules for that pid: %v)%s",
				sc.rule, want.pid, describePath(want), len(recs), rulesOfPID(recs, want.pid), why)
		})
	}
	t.Run("benign control", func(t *testing.T) {
		if controlErr != nil {
			t.Fatalf("the control action failed: %v", controlErr)
		}
		if rules := rulesOfPID(recs, controlPID); len(rules) > 0 {
			t.Errorf("benign control (pid %d) raised %v", controlPID, rules)
		}
	})

	// Nothing lost between the node and the backend: what the node's own
	// telemetry says it sent is what the backend wrote, and a burst of
	// detections from one process arrives whole.
	t.Run("nothing lost", func(t *testing.T) {
		if burstErr != nil {
			t.Errorf("the burst action failed: %v", burstErr)
		} else if got := countDetections(recs, burstRule, burstPID); got != burstSize {
			t.Errorf("the burst of %d PTRACE_TRACEME calls (pid %d) reached the backend as %d %s detections", burstSize, burstPID, got, burstRule)
		}
		exporter := map[string]string{"exporter": "otlp_grpc"}
		sent, ok, err := latestSum(metricsFiles, "otelcol_exporter_sent_log_records", exporter)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatalf("the node's otelcol_exporter_sent_log_records never reached the backend (%s)", metricsFiles)
		}
		if sent != int64(len(recs)) {
			t.Errorf("the node sent %d records, the backend wrote %d", sent, len(recs))
		}
		if failed, _, _ := latestSum(metricsFiles, "otelcol_exporter_send_failed_log_records", exporter); failed != 0 {
			t.Errorf("the node failed to send %d records", failed)
		}
		t.Logf("node sent %d records; backend wrote %d", sent, len(recs))
	})
}

// findDetection returns the record that is a detection by rule for want's
// pid and path, or nil. A record matched by several rules lists each in
// detection.matches; the scalar security_rule.* name only the most severe.
func findDetection(recs []record, rule string, want expectation) *record {
	for i := range recs {
		r := &recs[i]
		if pid, _ := r.Attrs[vigil.AttrProcessPID].(int64); want.pid == 0 || pid != int64(want.pid) {
			continue
		}
		paths, ok := matchPaths(r, rule)
		if !ok {
			continue
		}
		if want.path == "" {
			return r
		}
		for _, p := range paths {
			if p == want.path || (want.pathPrefix && strings.HasPrefix(p, want.path)) {
				return r
			}
		}
	}
	return nil
}

// matchPaths reports whether rule matched r, and the paths it names: the
// match's own data.path, and the event's pathname argument.
func matchPaths(r *record, rule string) ([]string, bool) {
	var paths []string
	matched := false
	if uuid, _ := r.Attrs[vigil.AttrRuleUUID].(string); uuid == rule {
		matched = true
		if p, ok := r.Attrs[vigil.AttrDataPrefix+"path"].(string); ok {
			paths = append(paths, p)
		}
	}
	list, _ := r.Attrs[vigil.AttrMatches].([]any)
	for _, m := range list {
		mm, _ := m.(map[string]any)
		if uuid, _ := mm["uuid"].(string); uuid != rule {
			continue
		}
		matched = true
		if data, ok := mm["data"].(map[string]any); ok {
			if p, ok := data["path"].(string); ok {
				paths = append(paths, p)
			}
		}
	}
	if p, ok := r.Attrs[vigil.AttrArgPrefix+"pathname"].(string); ok {
		paths = append(paths, p)
	}
	return paths, matched
}

// countDetections counts the records of pid that rule matched.
func countDetections(recs []record, rule string, pid int) int {
	n := 0
	for i := range recs {
		if p, _ := recs[i].Attrs[vigil.AttrProcessPID].(int64); p != int64(pid) {
			continue
		}
		if _, ok := matchPaths(&recs[i], rule); ok {
			n++
		}
	}
	return n
}

// rulesOfPID lists the rules that fired for pid, for failure messages.
func rulesOfPID(recs []record, pid int) []string {
	var out []string
	for _, r := range recs {
		if p, _ := r.Attrs[vigil.AttrProcessPID].(int64); p == int64(pid) {
			uuid, _ := r.Attrs[vigil.AttrRuleUUID].(string)
			out = append(out, uuid+" on "+r.EventName)
		}
	}
	return out
}

func describePath(want expectation) string {
	switch {
	case want.path == "":
		return ""
	case want.pathPrefix:
		return fmt.Sprintf(" and a path starting %q", want.path)
	default:
		return fmt.Sprintf(" and path %q", want.path)
	}
}

// loggedEvents returns the events the node warned it cannot capture.
func loggedEvents(c *collector) []string {
	var out []string
	for _, v := range c.logged(cannotCaptureMsg, "events") {
		list, _ := v.([]any)
		for _, e := range list {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
