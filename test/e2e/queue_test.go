//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/privtest"
)

// queueBurst is how many detections the node holds when it is killed.
const queueBurst = 20000

// TestQueueSurvivesKill kills the node of examples/otlp.yaml with SIGKILL
// while its gateway is down and its queue holds a burst of detections, then
// restarts it on the same queue directory and brings the gateway up: every
// detection the node had accepted must arrive, once.
func TestQueueSurvivesKill(t *testing.T) {
	privtest.Require(t)
	dir := t.TempDir()
	pki := newTestPKI(t, dir)
	gatewayAddr := freeLoopbackAddr(t) // nothing listens there until after the kill
	queueDir := filepath.Join(dir, "queue")
	promAddr := freeLoopbackAddr(t)
	node := startNode(t, "node", dir, gatewayAddr, queueDir, promAddr, pki)

	pid, err := runActionProcess("ptrace-burst", strconv.Itoa(queueBurst), nil)
	if err != nil {
		t.Fatal(err)
	}
	accepted := waitEnqueued(t, "http://"+promAddr+"/metrics", queueBurst)

	if err := node.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-node.exited

	restarted := startNode(t, "node-restarted", dir, gatewayAddr, queueDir, "", pki)
	gateway := startGateway(t, "gateway", dir, gatewayAddr, pki)
	files := filepath.Join(gatewayDir(dir), "detections*.jsonl")
	// The restarted exporter retries with backoff, up to half a minute apart.
	waitForRecords(t, files, 2*detectionWait, func(recs []record) bool {
		return countDetections(recs, burstRule, pid) >= queueBurst
	})
	restarted.stop(t, time.Minute)
	gateway.stop(t, time.Minute)

	recs, err := logRecords(files)
	if err != nil {
		t.Fatal(err)
	}
	arrived := countDetections(recs, burstRule, pid)
	t.Logf("kill -9 with the gateway down: %d of %d PTRACE_TRACEME detections of pid %d accepted into the queue (%s); %d arrived after the restart",
		queueBurst, queueBurst, pid, accepted, arrived)
	if arrived != queueBurst {
		t.Errorf("%d detections of pid %d were in the node's queue when it was killed; %d arrived at the gateway after the restart", queueBurst, pid, arrived)
	}
}

// waitEnqueued polls the node's own metrics until at least n detections came
// out of the detection processor and every one of them went through the
// batch processor into the exporter's queue, which refused none; it returns
// the figures, for the report.
func waitEnqueued(t *testing.T, url string, n int) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		m, err := scrapeMetrics(url)
		if err != nil {
			t.Fatal(err)
		}
		detected := m.sum("otelcol_processor_outgoing_items", map[string]string{"processor": "detection", "otel_signal": "logs"})
		// The batch processor counts what it sent in the sum of its batch
		// size histogram.
		batched := m.sum("otelcol_processor_batch_batch_send_size_sum", map[string]string{"processor": "batch"})
		queued := m.sum("otelcol_exporter_queue_size", map[string]string{"exporter": "otlp_grpc"})
		refused := m.sum("otelcol_exporter_enqueue_failed_log_records", map[string]string{"exporter": "otlp_grpc"})
		figures := fmt.Sprintf("detection processor out %.0f, batch processor out %.0f, queue %.0f requests, refused %.0f", detected, batched, queued, refused)
		if refused > 0 {
			t.Fatalf("the exporter refused records into its queue: %s", figures)
		}
		if detected >= float64(n) && batched == detected && queued > 0 {
			return figures
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node did not queue %d detections: %s", n, figures)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// promSamples are the samples of one Prometheus text-format scrape.
type promSamples []promSample

type promSample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	promLine  = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)`)
	promLabel = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

func scrapeMetrics(url string) (promSamples, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var out promSamples
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		m := promLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue // a comment or an empty line
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		labels := map[string]string{}
		for _, l := range promLabel.FindAllStringSubmatch(m[2], -1) {
			labels[l[1]] = l[2]
		}
		out = append(out, promSample{name: m[1], labels: labels, value: v})
	}
	return out, sc.Err()
}

// sum adds the samples of name (a counter's _total included) whose labels
// include all of match.
func (s promSamples) sum(name string, match map[string]string) float64 {
	total := 0.0
	for _, p := range s {
		if p.name != name && p.name != name+"_total" {
			continue
		}
		ok := true
		for k, v := range match {
			if p.labels[k] != v {
				ok = false
			}
		}
		if ok {
			total += p.value
		}
	}
	return total
}
