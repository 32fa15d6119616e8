package detectionprocessor

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadatatest"
	"github.com/vigil-sec/vigil/tracee"
)

// clock is a time tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLimiterWindow(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := newLimiter(RateLimitConfig{Detections: 2, Window: time.Minute, Process: defaultRateLimitProcess})
	l.now = c.now

	var emitted int
	for range 10 {
		if ok, n := l.admit("a"); ok {
			emitted++
			if n != 0 {
				t.Errorf("first window: suppressed_count %d, want 0", n)
			}
		}
	}
	if emitted != 2 {
		t.Fatalf("%d of 10 emitted in one window, want 2", emitted)
	}
	if ok, _ := l.admit("b"); !ok {
		t.Error("another key shares the first one's window")
	}
	c.t = c.t.Add(59 * time.Second)
	if ok, _ := l.admit("a"); ok {
		t.Error("emitted before the window ended")
	}
	c.t = c.t.Add(time.Second)
	if ok, n := l.admit("a"); !ok || n != 9 {
		t.Errorf("first of the next window: emitted %v, suppressed_count %d; want true, 9", ok, n)
	}

	l.admit("a")
	if ok, _ := l.admit("a"); ok {
		t.Fatal("third of the second window emitted")
	}

	// A new key sweeps, once per window, the ended windows with nothing to
	// report; a's suppressed repeat waits for its next detection.
	c.t = c.t.Add(2 * time.Minute)
	l.admit("c")
	if _, kept := l.windows["b"]; kept {
		t.Error("an ended window without suppressed repeats was kept")
	}
	if _, kept := l.windows["a"]; !kept {
		t.Error("an ended window with a suppressed repeat was forgotten")
	}
	if ok, n := l.admit("a"); !ok || n != 1 {
		t.Errorf("a after the sweep: emitted %v, suppressed_count %d; want true, 1", ok, n)
	}
}

func TestRateLimitValidate(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.RateLimit = RateLimitConfig{Detections: -1, Process: []string{""}}
	err := cfg.Validate()
	for _, w := range []string{"rate_limit.detections: must be 0 (no limit) or more, got -1", "rate_limit.process[0]: empty entry"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want it to contain %q", err, w)
		}
	}
	cfg.RateLimit = RateLimitConfig{Detections: 5}
	err = cfg.Validate()
	for _, w := range []string{"rate_limit.window: must be more than 0s and at most 24h0m0s, got 0s", "rate_limit.process: list the attributes"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want it to contain %q", err, w)
		}
	}
}

// TestRateLimitShadowLoop: a loop reading /etc/shadow 10,000 times (a new
// cat each time) yields the configured handful of detections; the
// repeats are counted in telemetry and on the next detection emitted.
func TestRateLimitShadowLoop(t *testing.T) {
	const reads = 10_000
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	cfg := createDefaultConfig().(*Config)
	cfg.Signatures.Include = []string{"VGL-1029"}
	cfg.RateLimit.Detections = 3
	// Every read must be evaluated, however loaded the machine.
	cfg.EvaluationTimeout, cfg.MaxOverruns = maxEvaluationTimeout, reads
	p, err := newDetectionProcessor(settings(t, tel), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Unix(1000, 0)}
	p.limiter.now = c.now
	if err := p.start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer p.shutdown(context.Background())

	var tagged []plog.LogRecord
	consume := func(from, to int) {
		t.Helper()
		var evs []*tracee.Event
		for pid := from; pid < to; pid++ {
			ev := shadowRead("/usr/bin/cat", 0, "")
			ev.HostProcessID = int64(10_000 + pid)
			evs = append(evs, ev)
		}
		ld, err := p.processLogs(context.Background(), logsOf(evs...))
		if err != nil {
			t.Fatal(err)
		}
		for _, lr := range allRecords(ld) {
			if _, ok := lr.Attributes().Get(vigil.AttrRuleUUID); ok {
				tagged = append(tagged, lr)
			}
		}
	}
	for from := 0; from < reads; from += 500 {
		consume(from, from+500)
	}
	if len(tagged) != 3 {
		t.Fatalf("%d detections for %d reads, want 3", len(tagged), reads)
	}
	sig := attribute.NewSet(attribute.String("signature_id", "VGL-1029"))
	metadatatest.AssertEqualProcessorDetectionSuppressed(t, tel, []metricdata.DataPoint[int64]{{Attributes: sig, Value: reads - 3}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorDetectionMatches(t, tel, []metricdata.DataPoint[int64]{{Attributes: sig, Value: 3}}, metricdatatest.IgnoreTimestamp())

	c.t = c.t.Add(cfg.RateLimit.Window)
	consume(reads, reads+1)
	if len(tagged) != 4 {
		t.Fatalf("the read after the window was not reported")
	}
	last := tagged[3].Attributes()
	if n, _ := last.Get(attrSuppressedCount); n.Int() != reads-3 {
		t.Errorf("%s = %d, want %d", attrSuppressedCount, n.Int(), reads-3)
	}
	m, _ := last.Get(vigil.AttrMatches)
	if n, _ := m.Slice().At(0).Map().Get(matchSuppressed); n.Int() != reads-3 {
		t.Errorf("detection.matches[0].%s = %d, want %d", matchSuppressed, n.Int(), reads-3)
	}
	if _, ok := tagged[0].Attributes().Get(attrSuppressedCount); ok {
		t.Errorf("the first detection carries %s", attrSuppressedCount)
	}
}
