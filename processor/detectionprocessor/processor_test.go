package detectionprocessor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/engine"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadata"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadatatest"
	"github.com/vigil-sec/vigil/tracee"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{id: component.NewIDWithName(metadata.Type, "custom"), want: &Config{
			Signatures: SignaturesConfig{
				Paths:                    []string{"testdata/compat"},
				Include:                  []string{"TST-1", "container"},
				Exclude:                  []string{"TST-4"},
				AllowInsecurePermissions: true,
				ReloadInterval:           time.Second,
			},
			DropUnmatched:     true,
			Workers:           4,
			EvaluationTimeout: 50 * time.Millisecond,
			MaxOverruns:       5,
			RateLimit:         RateLimitConfig{Detections: 3, Window: 10 * time.Second, Process: []string{"process.pid"}},
		}},
		{id: component.NewIDWithName(metadata.Type, "invalid"), wantErr: "workers: must be 0"},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			if err != nil {
				t.Fatal(err)
			}
			if err := sub.Unmarshal(cfg); err != nil {
				t.Fatal(err)
			}
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
				}
				for _, w := range []string{"signatures: no signatures to load", "evaluation_timeout: must be between 1ms and 10s, got 0s", "max_overruns: must be 1 or more"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Validate() = %v, want every problem named: %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg, tt.want) {
				t.Errorf("config = %+v, want %+v", cfg, tt.want)
			}
		})
	}
}

func TestValidateEmptyEntries(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Signatures = SignaturesConfig{Builtin: true, Paths: []string{"a", ""}, Exclude: []string{""}}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "signatures.paths[1]: empty entry") || !strings.Contains(err.Error(), "signatures.exclude[0]: empty entry") {
		t.Fatalf("Validate() = %v", err)
	}
}

// writeSignatures writes files into a new directory and returns it.
func writeSignatures(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodHeader = `package tracee.T_1

__rego_metadoc__ := {"id": "T-1", "name": "t", "properties": {"Severity": 1}}

tracee_selected_events[s] {
	s := {"source": "tracee", "name": "openat"}
}
`

// TestStartErrors: a broken signature fails Validate (so `vigilcol
// validate`) and start-up with the file, the line and OPA's message.
func TestStartErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		src  string
		want []string
	}{
		{"syntax", goodHeader + "tracee_match {\n\tinput.eventName ==\n}\n", []string{"bad.rego:10:", "rego_parse_error", "unexpected } token"}},
		{"compile", goodHeader + "tracee_match {\n\tx == 1\n}\n", []string{"bad.rego:9:", "rego_unsafe_var_error", "var x is unsafe"}},
		{"no metadoc", "package tracee.T_1\n\ntracee_selected_events[s] { s := {\"name\": \"openat\"} }\n\ntracee_match { true }\n", []string{"bad.rego", "no __rego_metadoc__ rule"}},
		{"bad severity", strings.Replace(goodHeader, `"Severity": 1`, `"Severity": 7`, 1) + "tracee_match { true }\n", []string{"bad.rego:3:", `"Severity" must be an integer 0-4`}},
		{"no id", strings.Replace(goodHeader, `"id": "T-1", `, "", 1) + "tracee_match { true }\n", []string{"bad.rego:3:", `"id" must be a non-empty string`}},
		{"no selectors", strings.Replace(goodHeader, `s := {"source": "tracee", "name": "openat"}`, `s := {"source": "tracee"}`, 1) + "tracee_match { true }\n", []string{"bad.rego:5:", "has no name"}},
		{"wrong package", strings.Replace(goodHeader, "package tracee.T_1", "package signatures.t1", 1) + "tracee_match { true }\n", []string{"bad.rego:1:", "must be tracee.<name>"}},
		{"forbidden built-in", goodHeader + "tracee_match {\n\thttp.send({\"method\": \"get\", \"url\": \"http://x\"})\n}\n",
			[]string{"signatures.paths[0]: ", "bad.rego:9: http.send is not allowed in signatures (network access); allowed built-ins are listed in the processor README"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSignatures(t, map[string]string{"bad.rego": tt.src})
			cfg := pathsConfig(dir)
			p, err := NewFactory().CreateLogs(context.Background(), settings(t, nil), cfg, consumertest.NewNop())
			if err != nil {
				t.Fatal(err)
			}
			err = p.Start(context.Background(), componenttest.NewNopHost())
			if err == nil {
				t.Fatal("Start succeeded")
			}
			verr := cfg.Validate()
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Start() = %v\nwant it to contain %q", err, w)
				}
				if verr == nil || !strings.Contains(verr.Error(), w) {
					t.Errorf("Validate() = %v\nwant it to contain %q, as Start", verr, w)
				}
			}
		})
	}
}

func settings(t *testing.T, tel *componenttest.Telemetry) processor.Settings {
	if tel == nil {
		tel = componenttest.NewTelemetry()
		t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	}
	return metadatatest.NewSettings(tel)
}

func openEvent(path, comm string) *tracee.Event {
	return &tracee.Event{EventName: "openat", EventID: 257, ProcessName: comm, Args: []tracee.Arg{
		{Name: "pathname", Type: catalog.TypeStr, Value: path}, {Name: "flags", Type: catalog.TypeInt, Value: "O_RDONLY"}}}
}

// TestRuntimeError: a signature failing at run time is counted, the record
// passes on untagged by it, and the other signatures still match.
func TestRuntimeError(t *testing.T) {
	conflicting := strings.NewReplacer("T_1", "T_2", `"id": "T-1"`, `"id": "T-2"`).Replace(goodHeader) + `
tracee_match = {"a": 1} { input.processName == "x" }
tracee_match = {"a": 2} { input.processName == "x" }
`
	dir := writeSignatures(t, map[string]string{
		"conflict.rego": conflicting,
		"fine.rego":     goodHeader + "tracee_match { input.processName == \"x\" }\n",
	})

	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	sink := new(consumertest.LogsSink)
	cfg := pathsConfig(dir)
	cfg.Workers = 1
	core, logs := observer.New(zap.WarnLevel)
	set := settings(t, tel)
	set.Logger = zap.New(core)
	p, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	for range 3 {
		if err := p.ConsumeLogs(context.Background(), logsOf(openEvent("/a", "x"))); err != nil {
			t.Fatal(err)
		}
	}
	for _, ld := range sink.AllLogs() {
		lr := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		if got := matchesOf(lr); !reflect.DeepEqual(got, map[string]any{"T-1": true}) {
			t.Errorf("matches = %v, want T-1 only", got)
		}
	}
	if n := logs.FilterField(zap.String("signature", "T-2")).Len(); n != 1 {
		t.Errorf("%d log entries for 3 errors of T-2 within a minute, want 1", n)
	}
	sig := func(id string) attribute.Set { return attribute.NewSet(attribute.String("signature_id", id)) }
	metadatatest.AssertEqualProcessorDetectionEvaluationErrors(t, tel, []metricdata.DataPoint[int64]{{Attributes: sig("T-2"), Value: 3}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorDetectionMatches(t, tel, []metricdata.DataPoint[int64]{{Attributes: sig("T-1"), Value: 3}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorDetectionRecordsEvaluated(t, tel, []metricdata.DataPoint[int64]{{Value: 3}}, metricdatatest.IgnoreTimestamp())
}

func TestDropUnmatched(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.DropUnmatched = true
	p, sink := startProcessor(t, cfg)
	ld := logsOf(openEvent("/etc/hosts", "cat"), &tracee.Event{EventName: "ptrace", Args: []tracee.Arg{{Name: "request", Type: catalog.TypeLong, Value: "PTRACE_TRACEME"}}}, openEvent("/etc/passwd", "cat"))
	if err := p.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	out := sink.AllLogs()[0]
	if out.ResourceLogs().Len() != 1 || out.LogRecordCount() != 1 {
		t.Fatalf("%d resources, %d records forwarded; want only the ptrace record", out.ResourceLogs().Len(), out.LogRecordCount())
	}
	if got := out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).EventName(); got != "kernel.ptrace" {
		t.Errorf("forwarded %s", got)
	}

	// a batch without a match is not forwarded at all: an empty payload
	// would still be written by the exporters ("{}" in a file)
	if err := p.ConsumeLogs(context.Background(), logsOf(openEvent("/etc/hosts", "cat"))); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.AllLogs()); n != 1 {
		t.Errorf("%d payloads forwarded after a batch without a match; want the first only", n)
	}
}

// TestParallelBatch: a batch large enough to be split across workers gets
// the same tags as one evaluated on a single worker.
func TestParallelBatch(t *testing.T) {
	ld, _ := loadStream(t)
	want := ld
	ld2 := plog.NewLogs()
	ld.CopyTo(ld2)
	one := createDefaultConfig().(*Config)
	one.Workers = 1
	p1, s1 := startProcessor(t, one)
	many := createDefaultConfig().(*Config)
	many.Workers = 3
	p2, s2 := startProcessor(t, many)
	if err := p1.ConsumeLogs(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	if err := p2.ConsumeLogs(context.Background(), ld2); err != nil {
		t.Fatal(err)
	}
	a, b := allRecords(s1.AllLogs()[0]), allRecords(s2.AllLogs()[0])
	if len(a) != len(b) {
		t.Fatalf("one worker forwarded %d records, three %d", len(a), len(b))
	}
	tagged := 0
	for i := range a {
		ta, tb := detectionTags(a[i]), detectionTags(b[i])
		if !reflect.DeepEqual(ta, tb) {
			t.Fatalf("record %d: one worker %v, three %v", i, ta, tb)
		}
		if len(ta) > 0 {
			tagged++
		}
	}
	if tagged == 0 {
		t.Fatal("nothing tagged in the stream")
	}
}

// TestDefaultEventSet: the receiver's "default" set is exactly the events
// the built-in signatures select.
func TestDefaultEventSet(t *testing.T) {
	eng, _, err := LoadSignatures(context.Background(), createDefaultConfig().(*Config))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := catalog.EventsInSet("default"), eng.SelectedEvents(); !reflect.DeepEqual(got, want) {
		t.Errorf("catalog default set %v\nbuilt-in signatures select %v", got, want)
	}
}

// TestIncludeExclude selects built-ins by id and tag.
func TestIncludeExclude(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Signatures.Include = []string{"kubernetes", "VGL-1001"}
	cfg.Signatures.Exclude = []string{"VGL-1021"}
	_, enabled, err := LoadSignatures(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range enabled {
		ids = append(ids, s.ID)
	}
	if want := []string{"VGL-1001", "VGL-1020", "VGL-1033", "VGL-1048"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("enabled %v, want %v", ids, want)
	}
}

// TestConcurrentBatches: the pipeline may call ConsumeLogs from several
// goroutines at once; each batch is tagged as if it were alone.
func TestConcurrentBatches(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Workers = 2
	p, sink := startProcessor(t, cfg)
	ptrace := &tracee.Event{EventName: "ptrace", Args: []tracee.Arg{{Name: "request", Type: catalog.TypeLong, Value: "PTRACE_TRACEME"}}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			events := make([]*tracee.Event, 100)
			for i := range events {
				events[i] = ptrace
			}
			if err := p.ConsumeLogs(context.Background(), logsOf(events...)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	tagged := 0
	for _, ld := range sink.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			if got := matchesOf(rl.ScopeLogs().At(0).LogRecords().At(0)); reflect.DeepEqual(got, map[string]any{"VGL-1001": true}) {
				tagged++
			}
		}
	}
	if tagged != 800 {
		t.Errorf("%d of 800 records tagged", tagged)
	}
}

// allRecords lists the records of ld in order.
func allRecords(ld plog.Logs) []plog.LogRecord {
	var out []plog.LogRecord
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				out = append(out, lr)
			}
		}
	}
	return out
}

// TestRecycleKeepsNoRecords: a candidate list going back to the pool keeps
// its room but no reference to the batch it held, or the pool would keep
// the batch's records alive until the list's next use.
func TestRecycleKeepsNoRecords(t *testing.T) {
	items := make([]item, 3, 8)
	for i := range items {
		items[i] = item{lr: plog.NewLogRecord(), res: pcommon.NewResource(), group: &engine.Group{}}
	}
	got := recycle(items)
	if len(got) != 0 || cap(got) != 8 {
		t.Fatalf("recycled: len %d cap %d, want len 0 cap 8", len(got), cap(got))
	}
	for i, it := range got[:3] {
		if it != (item{}) {
			t.Errorf("item %d still refers to the batch after recycle: %+v", i, it)
		}
	}
}

// TestEvaluationDurationSampled: the duration histogram times about one
// evaluation in durationSampling, while records_evaluated counts every one.
func TestEvaluationDurationSampled(t *testing.T) {
	dir := writeSignatures(t, map[string]string{"t.rego": goodHeader + "tracee_match { input.processName == \"x\" }\n"})
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	sink := new(consumertest.LogsSink)
	p := startWith(t, settings(t, tel), pathsConfig(dir), sink)
	defer p.Shutdown(context.Background())
	const batches, perBatch = 32, 256
	events := make([]*tracee.Event, perBatch)
	for i := range events {
		events[i] = openEvent("/dev/null", "x")
	}
	for range batches {
		if err := p.ConsumeLogs(context.Background(), logsOf(events...)); err != nil {
			t.Fatal(err)
		}
	}
	const n = batches * perBatch
	metadatatest.AssertEqualProcessorDetectionRecordsEvaluated(t, tel, []metricdata.DataPoint[int64]{{Value: n}}, metricdatatest.IgnoreTimestamp())
	m, err := tel.GetMetric("otelcol_processor_detection_evaluation_duration")
	if err != nil {
		t.Fatal(err)
	}
	dps := m.Data.(metricdata.Histogram[float64]).DataPoints
	if len(dps) != 1 {
		t.Fatalf("%d histogram data points, want 1", len(dps))
	}
	// The gaps between timed evaluations are uniform in 1..31: about 512
	// of them fill n, give or take 13; the bounds are 13 of those away.
	want := uint64(n / durationSampling)
	if got := dps[0].Count; got < want*2/3 || got > want*4/3 {
		t.Errorf("%d evaluations timed of %d, want about %d", got, n, want)
	}
}

// TestOriginOf: the origin routing uses, with the resource's kernel.origin
// looked up once, is vigil.RecordOrigin's wherever the attributes deciding
// it are.
func TestOriginOf(t *testing.T) {
	type attrs = map[string]any
	for i, c := range []struct {
		record, resource attrs
		want             string
	}{
		{attrs{}, attrs{vigil.AttrOrigin: vigil.OriginContainer}, vigil.OriginContainer},
		{attrs{vigil.AttrOrigin: vigil.OriginContainerInit}, attrs{vigil.AttrOrigin: vigil.OriginHost}, vigil.OriginContainerInit},
		{attrs{}, attrs{}, vigil.OriginHost},
		{attrs{}, attrs{vigil.AttrContainerID: "c1"}, vigil.OriginContainerInit},
		{attrs{vigil.AttrContainerStarted: true}, attrs{vigil.AttrContainerID: "c1"}, vigil.OriginContainer},
		{attrs{vigil.AttrContainerID: "c1"}, attrs{}, vigil.OriginContainerInit},
	} {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		if err := errors.Join(lr.Attributes().FromRaw(c.record), rl.Resource().Attributes().FromRaw(c.resource)); err != nil {
			t.Fatal(err)
		}
		res := rl.Resource()
		resOrigin, resHas := res.Attributes().Get(vigil.AttrOrigin)
		got, want := originOf(lr, res, resOrigin, resHas), vigil.RecordOrigin(vigil.AttrsOf(lr, res))
		if got != c.want || want != c.want {
			t.Errorf("case %d: originOf %q, RecordOrigin %q, want %q", i, got, want, c.want)
		}
	}
}
