//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/internal/privtest"
)

// The overload run (issue #13): examples/default.yaml under a flood from a
// few processes must still detect every attack, and count and log the bulk
// it sheds. scripts/overload.sh is the same run, longer, by hand.
const (
	overloadDuration = 20 * time.Second
	overloadReads    = 20
	shadowRule       = "VGL-1029"
)

func init() {
	actions["openat-loop"] = openatLoop
}

// openatLoop opens and closes /dev/null until killed: a noisy process.
func openatLoop(string) error {
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY, 0)
		if err != nil {
			return err
		}
		unix.Close(fd)
	}
}

// lossLayers names each drop counter of the kernelevents receiver and the
// start of the warning its layer logs.
var lossLayers = []struct {
	metric, label, message string
}{
	{"otelcol_kernelevents_events_lost", "", "kernel dropped"},
	{"otelcol_kernelevents_events_throttled", "", "kernel rate-limited"},
	{"otelcol_kernelevents_records_dropped", `reason="queue_full"`, "receiver dropped"},
	{"otelcol_kernelevents_records_refused", "", "the next consumer refused"},
}

func TestOverloadDefaultConfig(t *testing.T) {
	privtest.Require(t)
	dir := t.TempDir()
	metricsAddr := freeLoopbackAddr(t)
	metricsHost, metricsPort, _ := net.SplitHostPort(metricsAddr)
	override := writeFile(t, dir, "override.yaml", fmt.Sprintf(`
extensions:
  health_check:
    endpoint: %s
service:
  telemetry:
    logs:
      encoding: json
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: %s
                port: %s
`, freeLoopbackAddr(t), metricsHost, metricsPort))
	// The detections go to stdout, apart from the log: the debug exporter's
	// lines would interleave with the log's on a shared file.
	stdout := filepath.Join(dir, "stdout.txt")
	argv := append([]string{"sh", "-c", `exec "$0" "$@" > "$VIGIL_E2E_STDOUT"`, vigilcol(t)},
		configFlags(filepath.Join(repoRoot(t), "examples", "default.yaml"), override)...)
	node := startCommand(t, "overload", dir, []string{
		"VIGIL_EVENTS_FILE=" + filepath.Join(dir, "events.jsonl"),
		"VIGIL_E2E_STDOUT=" + stdout,
	}, argv)
	node.waitReady(t, 2*time.Minute)

	stopLoad := startLoad(t)
	var reads []int
	for i := range overloadReads {
		time.Sleep(overloadDuration / overloadReads) // spreading the reads over the run, not waiting for anything
		cmd := exec.Command("cat", "/etc/shadow")
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			t.Fatalf("read %d of /etc/shadow: %v", i, err)
		}
		reads = append(reads, cmd.Process.Pid)
	}
	stopLoad()

	var missing []int
	for deadline := time.Now().Add(detectionWait); ; {
		missing = undetected(t, stdout, reads)
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	counts := scrapeCounters(t, "http://"+metricsAddr+"/metrics")
	node.stop(t, time.Minute)

	t.Logf("detected %d of %d /etc/shadow reads; %v", len(reads)-len(missing), len(reads), counts)
	if len(missing) > 0 {
		t.Errorf("no %s detection on stdout for the reads by pids %v", shadowRule, missing)
	}
	var shed int64
	for _, l := range lossLayers {
		n := counts[l.metric]
		shed += n
		if n == 0 {
			continue
		}
		// the last line, at shutdown, covers the time after the scrape
		var logged int64
		for _, v := range node.logged(l.message, "lost") {
			f, _ := v.(float64)
			logged += int64(f)
		}
		if logged < n {
			t.Errorf("%s is %d, but the %q warnings add up to %d", l.metric, n, l.message, logged)
		}
	}
	if shed == 0 {
		t.Errorf("the load was shed nowhere: every loss counter is 0 (%v); was the load running?", counts)
	}
}

// startLoad starts two processes opening /dev/null in a loop and a
// fork/exec loop, and returns what stops them.
func startLoad(t *testing.T) func() {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for range 2 {
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), actionEnv+"=openat-loop")
		cmds = append(cmds, cmd)
	}
	cmds = append(cmds, exec.Command("sh", "-c", "while :; do /bin/true; done"))
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		for _, cmd := range cmds {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	return stop
}

// resourcePID finds the process of the records the debug exporter prints
// next (its normal verbosity: one line per resource, then its records).
var resourcePID = regexp.MustCompile(`^ResourceLog #\d+ .*\bprocess\.pid=(\d+)`)

// undetected returns the pids of reads without a detection in the debug
// exporter's output.
func undetected(t *testing.T, stdout string, pids []int) []int {
	t.Helper()
	f, err := os.Open(stdout)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	detected := map[int]bool{}
	pid := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := resourcePID.FindStringSubmatch(line); m != nil {
			pid, _ = strconv.Atoi(m[1])
		} else if strings.Contains(line, "security_rule.uuid="+shadowRule) {
			detected[pid] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var missing []int
	for _, p := range pids {
		if !detected[p] {
			missing = append(missing, p)
		}
	}
	sort.Ints(missing)
	return missing
}

// scrapeCounters reads the loss counters from the collector's Prometheus
// endpoint, each summed over the series that carry its label.
func scrapeCounters(t *testing.T, url string) map[string]int64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scraping the collector's metrics: %v", err)
	}
	defer resp.Body.Close()
	counts := map[string]int64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		for _, l := range lossLayers {
			name, labels, _ := strings.Cut(fields[0], "{")
			if name != l.metric || !strings.Contains(labels, l.label) {
				continue
			}
			v, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				t.Fatalf("%s: %v", sc.Text(), err)
			}
			counts[name] += int64(v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return counts
}
