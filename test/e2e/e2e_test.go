//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
		// The largest detection the kernel's limits allow, nearly: a 4 KiB
		// path (in the arguments, the match and the executable) written by a
		// process with a full argv. Its size is what the batch arithmetic
		// is checked against.
		name:  "ELF at a 4 KiB path written by a process with a full argv",
		rule:  "VGL-1010",
		needs: []string{"magic_write"},
		act: func(string) (expectation, error) {
			path, cleanup, err := longPath()
			if err != nil {
				return expectation{}, err
			}
			defer cleanup()
			args := make([]string, maxArgv)
			for i := range args {
				args[i] = strings.Repeat("a", maxNameLen)
			}
			pid, err := runActionProcess("drop-elf", path, nil, args...)
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

// The kernel's limits on what a record carries: PATH_MAX, NAME_MAX, and the
// argv entries the receiver keeps (ARGV_MAX in bpf/c/common.h).
const (
	maxPathLen = 4096
	maxNameLen = 255
	maxArgv    = 32
)

// longPath makes the directories of a path in /tmp that is nearly PATH_MAX
// long: directories of NAME_MAX while a full name still fits after them, then
// a file name that brings the path to PATH_MAX - 1.
func longPath() (path string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("/tmp", "vigil-e2e-drop-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	deep := dir
	for len(deep)+2*(1+maxNameLen) < maxPathLen {
		deep = filepath.Join(deep, strings.Repeat("d", maxNameLen))
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		cleanup()
		return "", nil, err
	}
	return filepath.Join(deep, strings.Repeat("e", min(maxNameLen, maxPathLen-2-len(deep)))), cleanup, nil
}

// The burst of large detections: largeBurstSize ELF writes to a path near
// PATH_MAX, each a VGL-1010 detection of about 12 KiB in OTLP (the path is
// in it three times). A batch of a few hundred of them is over gRPC's
// default 4 MiB receive limit.
const largeBurstSize = 2000

// The burst: burstSize detections by burstRule from one unprivileged
// process, with a /etc/shadow read (burstInsideRule) by another halfway
// through it.
const (
	burstSize       = 50000
	burstRule       = "VGL-1001"
	burstInsideRule = "VGL-1029"
)

// How long the backend may go without a new detection before the test stops
// waiting: batching on both sides plus the file exporter's one-second flush.
const detectionWait = 30 * time.Second

// cannotCaptureMsg starts the node's warning that lists the configured events
// its kernel side cannot produce.
const cannotCaptureMsg = "events of the configured sets that the kernel side cannot produce yet"

func TestKernelToOTLPBackend(t *testing.T) {
	privtest.Require(t)
	dir := t.TempDir()
	pki := newTestPKI(t, dir)
	detectionsFiles := filepath.Join(gatewayDir(dir), "detections*.jsonl")
	metricsFiles := filepath.Join(gatewayDir(dir), "node-metrics*.jsonl")

	// examples/gateway.yaml and examples/otlp.yaml, node -> gateway over
	// mutual TLS on loopback.
	otlpAddr := freeLoopbackAddr(t)
	backend := startGateway(t, "backend", dir, otlpAddr, pki)
	node := startNode(t, "node", dir, otlpAddr, filepath.Join(dir, "queue"), "", pki)

	expected := make([]expectation, len(scenarios))
	actErr := make([]error, len(scenarios))
	for i, sc := range scenarios {
		expected[i], actErr[i] = sc.act(dir)
	}
	controlPID, controlErr := runActionProcess("benign", dir, nil)
	var insidePID int
	var insideErr error
	burstPID, burstErr := runBurst(t, burstSize, func() {
		insidePID, insideErr = runActionProcess("read-shadow", "", nil)
	})
	inside := expectation{pid: insidePID, path: "/etc/shadow"}
	largePath, cleanup, largeErr := longPath()
	var largePID int
	if largeErr == nil {
		largePID, largeErr = runActionProcess("write-elf-burst", fmt.Sprintf("%d %s", largeBurstSize, largePath), nil)
		cleanup()
	}

	// Poll the backend's files until every detection arrived, or until
	// nothing new arrived for detectionWait.
	waitForRecords(t, detectionsFiles, detectionWait, func(recs []record) bool {
		if burstErr == nil && countDetections(recs, burstRule, burstPID) < burstSize {
			return false
		}
		if largeErr == nil && countDetections(recs, "VGL-1010", largePID) < largeBurstSize {
			return false
		}
		if insideErr == nil && findDetection(recs, burstInsideRule, inside) == nil {
			return false
		}
		for i, sc := range scenarios {
			if actErr[i] == nil && findDetection(recs, sc.rule, expected[i]) == nil {
				return false
			}
		}
		return true
	})

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

	// Nothing lost between the kernel and the backend: a burst of detections
	// from an unprivileged process arrives whole, with the one detection of
	// another process inside it, and what the node's own telemetry says it
	// sent is what the backend wrote.
	// Where a missing detection was lost: the kernel (a full ring buffer)
	// or the way to the backend (see "nothing lost").
	lost, lostReported, err := latestSum(metricsFiles, "otelcol_kernelevents_events_lost", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("no kernel drops", func(t *testing.T) {
		if !lostReported {
			t.Fatalf("the node's otelcol_kernelevents_events_lost never reached the backend (%s)", metricsFiles)
		}
		if lost != 0 {
			t.Errorf("the node's kernel ring buffer dropped %d events during the bursts (otelcol_kernelevents_events_lost)", lost)
		}
	})
	t.Run("burst delivered whole", func(t *testing.T) {
		if burstErr != nil {
			t.Fatalf("the burst action failed: %v", burstErr)
		}
		got := countDetections(recs, burstRule, burstPID)
		t.Logf("burst: %d of %d PTRACE_TRACEME detections of pid %d (user nobody) reached the backend; the node's kernel ring buffer dropped %d events", got, burstSize, burstPID, lost)
		for i := range recs {
			if pid, _ := recs[i].Attrs[vigil.AttrProcessPID].(int64); pid == int64(burstPID) {
				if uid, _ := recs[i].Attrs[vigil.AttrUserID].(int64); uid != nobody {
					t.Errorf("the burst ran as user %d, not nobody (%d)", uid, nobody)
				}
				break
			}
		}
		if got != burstSize {
			t.Errorf("the burst of %d PTRACE_TRACEME calls as nobody (pid %d) reached the backend as %d %s detections (kernelevents_events_lost: %d)", burstSize, burstPID, got, burstRule, lost)
		}
		if insideErr != nil {
			t.Fatalf("the read of /etc/shadow inside the burst failed: %v", insideErr)
		}
		if findDetection(recs, burstInsideRule, inside) == nil {
			t.Errorf("the /etc/shadow read inside the burst (pid %d) raised no %s detection at the backend (rules for that pid: %v)", insidePID, burstInsideRule, rulesOfPID(recs, insidePID))
		}
	})
	t.Run("large detections delivered whole", func(t *testing.T) {
		if largeErr != nil {
			t.Fatalf("the burst of large detections failed: %v", largeErr)
		}
		got := countDetections(recs, "VGL-1010", largePID)
		t.Logf("large burst: %d of %d ELF writes to a %d-byte path (pid %d) reached the backend as VGL-1010 detections", got, largeBurstSize, len(largePath), largePID)
		if got != largeBurstSize {
			t.Errorf("%d ELF writes to a %d-byte path (pid %d) reached the backend as %d VGL-1010 detections (kernelevents_events_lost: %d)", largeBurstSize, len(largePath), largePID, got, lost)
		}
	})
	t.Run("nothing lost", func(t *testing.T) {
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
	t.Run("gateway files private", func(t *testing.T) {
		info, err := os.Stat(gatewayDir(dir))
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("the gateway's directory %s is %v: group and others may read the detections", gatewayDir(dir), perm)
		}
	})
	// The batch sizes and the receive limit in the examples allow
	// detectionAllowance bytes per detection; every real one must fit it.
	t.Run("detections fit the batch arithmetic", func(t *testing.T) {
		largest, err := largestRecord(detectionsFiles)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("largest detection in OTLP (with its own resource): %d bytes, %s on %s; allowance %d bytes", largest.size, largest.rule, largest.event, detectionAllowance)
		if largest.size > detectionAllowance {
			t.Errorf("a %s detection is %d bytes in OTLP, over the %d bytes per detection the examples' batch sizes allow for", largest.rule, largest.size, detectionAllowance)
		}
	})
}

// waitForRecords polls the records in the files matching pattern until done
// says they are all there, or until none arrived for patience.
func waitForRecords(t *testing.T, pattern string, patience time.Duration, done func([]record) bool) {
	t.Helper()
	seen, progress := -1, time.Now()
	for {
		recs, err := logRecords(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if done(recs) {
			return
		}
		if len(recs) != seen {
			seen, progress = len(recs), time.Now()
		} else if time.Since(progress) > patience {
			return
		}
		time.Sleep(time.Second)
	}
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
