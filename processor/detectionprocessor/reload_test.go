package detectionprocessor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadata"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadatatest"
	"github.com/vigil-sec/vigil/tracee"
)

// signatureFor is a signature id matching every openat by comm.
func signatureFor(id, comm string) string {
	return strings.NewReplacer("T_1", strings.ReplaceAll(id, "-", "_"), `"id": "T-1"`, `"id": "`+id+`"`).Replace(goodHeader) +
		"tracee_match { input.processName == \"" + comm + "\" }\n"
}

// ruleOf returns the security_rule.uuid of a record, or "".
func ruleOf(lr plog.LogRecord) string {
	v, _ := lr.Attributes().Get(vigil.AttrRuleUUID)
	return v.Str()
}

// waitLimit bounds every wait for something these tests expect to happen (a
// reload, a kernel event through the pipeline): generous, since CI compiles
// and tests other packages on the same two cores meanwhile; a wait still ends
// as soon as its condition holds.
const waitLimit = 30 * time.Second

// eventually polls cond until it holds or waitLimit passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", waitLimit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHotReload: a changed signature directory is loaded without a restart;
// a broken change is logged with its file and line, counted, and leaves the
// previous signatures running; fixing it loads again.
func TestHotReload(t *testing.T) {
	dir := writeSignatures(t, map[string]string{"sig.rego": signatureFor("T-1", "x")})
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	core, logs := observer.New(zap.InfoLevel)
	set := settings(t, tel)
	set.Logger = zap.New(core)
	cfg := pathsConfig(dir)
	cfg.Signatures.ReloadInterval = minReloadInterval
	cfg.EvaluationTimeout = maxEvaluationTimeout // every record evaluated, however loaded the machine
	sink := new(consumertest.LogsSink)
	p := startWith(t, set, cfg, sink)
	defer p.Shutdown(context.Background())

	ruleFor := func(comm string) string {
		t.Helper()
		sink.Reset()
		if err := p.ConsumeLogs(context.Background(), logsOf(openEvent("/a", comm))); err != nil {
			t.Fatal(err)
		}
		return ruleOf(allRecords(sink.AllLogs()[0])[0])
	}
	if got := ruleFor("x"); got != "T-1" {
		t.Fatalf("before the change: %q, want T-1", got)
	}
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "sig.rego"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	write(signatureFor("T-2", "y"))
	eventually(t, "the changed signature is used", func() bool { return ruleFor("y") == "T-2" })
	if got := ruleFor("x"); got != "" {
		t.Errorf("the replaced signature still matches: %q", got)
	}

	write(goodHeader + "tracee_match {\n\tinput.eventName ==\n}\n")
	failed := func() bool { return logs.FilterMessageSnippet("do not load").Len() > 0 }
	eventually(t, "the broken change is reported", failed)
	entry := logs.FilterMessageSnippet("do not load").All()[0]
	if msg := entry.ContextMap()["error"].(string); !strings.Contains(msg, "sig.rego:10:") || !strings.Contains(msg, "rego_parse_error") {
		t.Errorf("error %q, want the file, the line and the reason", msg)
	}
	if got := ruleFor("y"); got != "T-2" {
		t.Errorf("after a broken change: %q, want the previous T-2 still running", got)
	}
	metadatatest.AssertEqualProcessorDetectionReloadFailures(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())

	write(signatureFor("T-3", "z"))
	eventually(t, "the fixed signature is used", func() bool { return ruleFor("z") == "T-3" })
	metadatatest.AssertEqualProcessorDetectionReloads(t, tel, []metricdata.DataPoint[int64]{{Value: 2}}, metricdatatest.IgnoreTimestamp())
}

// TestReloadInFlight: batches running while sets are swapped are each
// evaluated by exactly one set, and no batch waits on a retired one.
func TestReloadInFlight(t *testing.T) {
	dir := writeSignatures(t, map[string]string{
		"a.rego": signatureFor("T-1", "x"),
		"b.rego": signatureFor("T-2", "x"),
	})
	cfg := pathsConfig(dir)
	cfg.Workers = 2
	cfg.EvaluationTimeout = maxEvaluationTimeout
	p, err := newDetectionProcessor(settings(t, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer p.shutdown(context.Background())

	// Alternate between a set where both match and one where only T-1 does.
	sets := []string{signatureFor("T-2", "x"), signatureFor("T-2", "nobody")}
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				evs := make([]*tracee.Event, 100) // over parallelThreshold: split across workers
				for i := range evs {
					evs[i] = openEvent("/a", "x")
				}
				ld, err := p.processLogs(ctx, logsOf(evs...))
				if err != nil {
					t.Error(err)
					return
				}
				counts := map[int]int{}
				for _, lr := range allRecords(ld) {
					counts[len(matchesOf(lr))]++
				}
				if len(counts) != 1 {
					t.Errorf("one batch evaluated by more than one set: records with 1 and 2 matches %v", counts)
					return
				}
			}
		})
	}
	for i := range 20 {
		if err := os.WriteFile(filepath.Join(dir, "b.rego"), []byte(sets[i%2]), 0o644); err != nil {
			t.Fatal(err)
		}
		p.reload(ctx)
	}
	close(stop)
	wg.Wait()
}

// TestCloseWorkersAfterCancel: a ruleset closed with an ended context (a
// reload stopped by shutdown) still closes its idle workers, and with them
// their watchdogs, rather than returning at random before them.
func TestCloseWorkersAfterCancel(t *testing.T) {
	p, err := newDetectionProcessor(processortest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		rs, err := p.load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := rs.closeWorkers(ctx); err != nil || rs.created != 0 {
			t.Fatalf("closeWorkers with idle workers and an ended context: %v, %d left open", err, rs.created)
		}
	}
}
