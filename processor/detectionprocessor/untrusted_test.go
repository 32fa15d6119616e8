package detectionprocessor

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vigil-sec/vigil/internal/procstat"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadatatest"
	"github.com/vigil-sec/vigil/tracee"
)

// builtinCaseOf returns the first built-in case that expects signature id
// to match: its event and every match expected on it.
func builtinCaseOf(t *testing.T, id string) (*tracee.Event, map[string]any) {
	t.Helper()
	for _, c := range readBuiltinCases(t) {
		if _, ok := c.Matches[id]; ok {
			return decodeEvent(t, c.Event), normalize(c.Matches).(map[string]any)
		}
	}
	t.Fatalf("no case matches %s", id)
	return nil, nil
}

// userSignature is a signature on security_file_open whose tracee_match
// is body; it imports data.tracee.helpers.
func userSignature(id, body string) string {
	pkg := strings.ReplaceAll(id, "-", "_")
	return `package tracee.` + pkg + `

import data.tracee.helpers

__rego_metadoc__ := {"id": "` + id + `", "name": "user"}

tracee_selected_events[s] {
	s := {"source": "tracee", "name": "security_file_open"}
}

tracee_match {
	` + body + `
}
`
}

// heapPeak samples the heap every millisecond until stop is called, which
// returns the largest heap seen above the first sample.
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			if h := read(); h > base && h-base > peak.Load() {
				peak.Store(h - base)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// TestSlowSignature: a signature that would run for minutes (and allocate
// tens of GB) is cancelled at the budget; the records pass on with the
// built-in signatures' tags, its overruns are counted and logged at a
// limited rate, it is disabled after max_overruns, and shutdown returns
// as soon as the batch in flight is done.
func TestSlowSignature(t *testing.T) {
	ev, want := builtinCaseOf(t, "VGL-1029")
	dir := writeSignatures(t, map[string]string{"slow.rego": userSignature("SLOW-1",
		`count([x | x := numbers.range(1, 1000000000)[_]; x % 7 == 0]) > 0`)})
	for _, tt := range []struct {
		name        string
		maxOverruns int
		records     int
	}{
		{"disabled after max_overruns", 3, 50},
		{"overrunning on every record", 1000, 30},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Signatures.Paths = []string{dir}
			cfg.EvaluationTimeout = 20 * time.Millisecond
			cfg.MaxOverruns = tt.maxOverruns
			cfg.Workers = 1
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
			core, logs := observer.New(zap.WarnLevel)
			set := settings(t, tel)
			set.Logger = zap.New(core)
			sink := new(consumertest.LogsSink)
			p := startWith(t, set, cfg, sink)

			events := make([]*tracee.Event, tt.records)
			for i := range events {
				events[i] = ev
			}
			stopHeap := heapPeak()
			start, cpu := time.Now(), procstat.CPU()
			consumed := make(chan error, 1)
			go func() { consumed <- p.ConsumeLogs(context.Background(), logsOf(events...)) }()
			for logs.FilterMessageSnippet("cancelled").Len() == 0 {
				if time.Since(start) > 30*time.Second {
					t.Fatal("no overrun logged within 30s")
				}
				time.Sleep(time.Millisecond)
			}
			// The batch is in flight: shutdown waits for it, which the
			// budget bounds.
			// A generous wall-clock bound as well: a shutdown that waited
			// without using CPU (a timer, a stuck worker) would pass the
			// CPU bound below.
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := p.Shutdown(shutdownCtx); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-consumed:
				if err != nil {
					t.Fatal(err)
				}
			case <-shutdownCtx.Done():
				t.Fatal("the batch in flight did not return within 30s of shutdown")
			}
			// The process's CPU time, not the wall time: on a busy machine
			// the worker waits for a core, and its budget is CPU time.
			used := time.Duration(procstat.CPU() - cpu)
			if used > 5*time.Second {
				t.Errorf("batch and shutdown used %s of CPU", used)
			}
			peak := stopHeap()
			if peak > 1<<30 {
				t.Errorf("heap grew by %d MiB", peak>>20)
			}
			t.Logf("batch and shutdown: %s, %s of CPU; heap peak %d MiB above the start", time.Since(start), used, peak>>20)

			recs := allRecords(sink.AllLogs()[0])
			if len(recs) != tt.records {
				t.Fatalf("%d records forwarded, want %d", len(recs), tt.records)
			}
			for i, lr := range recs {
				if got := matchesOf(lr); !reflect.DeepEqual(got, want) {
					t.Fatalf("record %d: matches %v, want %v", i, got, want)
				}
			}
			overruns := min(tt.maxOverruns, tt.records)
			attrs := attribute.NewSet(attribute.String("signature_id", "SLOW-1"))
			metadatatest.AssertEqualProcessorDetectionEvaluationOverruns(t, tel, []metricdata.DataPoint[int64]{{Attributes: attrs, Value: int64(overruns)}}, metricdatatest.IgnoreTimestamp())
			warned := logs.FilterMessageSnippet("cancelled").FilterField(zap.String("signature", "SLOW-1")).Len()
			disabled := logs.FilterMessageSnippet("signature disabled").FilterField(zap.String("signature", "SLOW-1")).Len()
			if tt.maxOverruns <= tt.records {
				metadatatest.AssertEqualProcessorDetectionSignaturesDisabled(t, tel, []metricdata.DataPoint[int64]{{Attributes: attrs, Value: 1}}, metricdatatest.IgnoreTimestamp())
				if warned != 1 || disabled != 1 {
					t.Errorf("%d overrun warnings and %d disabling errors logged, want 1 and 1", warned, disabled)
				}
			} else if warned != 1 || disabled != 0 {
				t.Errorf("%d overrun warnings and %d disabling errors logged for %d overruns in a minute, want 1 and 0", warned, disabled, overruns)
			}
		})
	}
}

// TestUserHelpersStayInTheirRuleset: a user helpers.rego that makes
// get_tracee_argument return "x", and a helpers file adding a match to a
// built-in signature's package, change the user's signature only; the
// built-in signatures see the standard helpers and their own rules.
func TestUserHelpersStayInTheirRuleset(t *testing.T) {
	shadow, want := builtinCaseOf(t, "VGL-1029")
	dir := writeSignatures(t, map[string]string{
		"helpers.rego":        "package tracee.helpers\n\nget_tracee_argument(arg_name) = \"x\" { true }\n",
		"sneaky_helpers.rego": "package tracee.VGL_1029\n\ntracee_match { true }\n",
		"user.rego":           userSignature("USR-1", `helpers.get_tracee_argument("pathname") == "x"`),
	})
	cfg := createDefaultConfig().(*Config)
	cfg.Signatures.Paths = []string{dir}
	p, sink := startProcessor(t, cfg)
	benign := openEvent("/tmp/notes", "vim")
	benign.EventName = "security_file_open"
	if err := p.ConsumeLogs(context.Background(), logsOf(shadow, benign)); err != nil {
		t.Fatal(err)
	}
	recs := allRecords(sink.AllLogs()[0])
	want["USR-1"] = true
	if got := matchesOf(recs[0]); !reflect.DeepEqual(got, want) {
		t.Errorf("/etc/shadow read: matches %v, want %v", got, want)
	}
	if got := matchesOf(recs[1]); !reflect.DeepEqual(got, map[string]any{"USR-1": true}) {
		t.Errorf("benign open: matches %v, want the user's signature only", got)
	}
}

// TestSignaturePermissions: a signature path that others could change is
// refused, by Validate and so by start, naming the field, the path and its
// mode, unless signatures.allow_insecure_permissions.
func TestSignaturePermissions(t *testing.T) {
	for _, tt := range []struct {
		name     string
		rootOnly bool
		spoil    func(dir string) (string, error) // returns the path at fault
		want     string
	}{
		{"directory writable by others", false, func(dir string) (string, error) { return dir, os.Chmod(dir, 0o777) },
			"is writable by others (mode 0777); make it writable only by its owner (chmod go-w) or set signatures.allow_insecure_permissions"},
		{"file writable by its group", false, func(dir string) (string, error) {
			f := filepath.Join(dir, "good.rego")
			return f, os.Chmod(f, 0o664)
		}, "is writable by its group (mode 0664)"},
		{"subdirectory writable by others", false, func(dir string) (string, error) {
			sub := filepath.Join(dir, "sub")
			if err := os.Mkdir(sub, 0o700); err != nil {
				return "", err
			}
			return sub, os.Chmod(sub, 0o757)
		}, "is writable by others (mode 0757)"},
		{"file owned by another user", true, func(dir string) (string, error) {
			f := filepath.Join(dir, "good.rego")
			return f, os.Chown(f, 4242, 4242)
		}, "is owned by uid 4242, neither the collector's user (uid 0) nor root; chown it or set signatures.allow_insecure_permissions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rootOnly && os.Geteuid() != 0 {
				t.Skip("needs root to give a file to another user")
			}
			dir := writeSignatures(t, map[string]string{"good.rego": goodHeader + "tracee_match { true }\n"})
			cfg := pathsConfig(dir)
			if err := cfg.Validate(); err != nil {
				t.Fatalf("before: %v", err)
			}
			at, err := tt.spoil(dir)
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if want := "signatures.paths[0]: " + at + " " + tt.want; err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Validate() = %v\nwant %q", err, want)
			}
			cfg.Signatures.AllowInsecurePermissions = true
			if err := cfg.Validate(); err != nil {
				t.Errorf("with allow_insecure_permissions: %v", err)
			}
		})
	}
}

// TestConfigNamesNothing: include and exclude entries that name no loaded
// signature, and a path without signatures, are errors naming the field.
func TestConfigNamesNothing(t *testing.T) {
	onlyHelpers := writeSignatures(t, map[string]string{"helpers.rego": "package tracee.helpers\n\nf(x) { x }\n", "a_test.rego": "package tracee.T\n"})
	for _, tt := range []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"include", func(c *Config) { c.Signatures.Include = []string{"VGL-1001", "VGL-9999"} },
			[]string{`signatures.include[1]: "VGL-9999" names no loaded signature id or tag`}},
		{"exclude", func(c *Config) { c.Signatures.Exclude = []string{"kubernets", "container"} },
			[]string{`signatures.exclude[0]: "kubernets" names no loaded signature id or tag`}},
		{"path without signatures", func(c *Config) { c.Signatures.Paths = []string{onlyHelpers} },
			[]string{"signatures.paths[0]: " + onlyHelpers + " holds no signature"}},
		{"empty directory", func(c *Config) { c.Signatures.Paths = []string{t.TempDir()} },
			[]string{"signatures.paths[0]: ", " holds no signature"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.change(cfg)
			err := cfg.Validate()
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v\nwant %q", err, w)
				}
			}
		})
	}
}
