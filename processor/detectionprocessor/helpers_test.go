package detectionprocessor

import (
	"context"
	"encoding/json"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadata"
	"github.com/vigil-sec/vigil/tracee"
)

// startProcessor creates and starts a detection processor feeding a sink.
func startProcessor(t testing.TB, cfg *Config) (processor.Logs, *consumertest.LogsSink) {
	t.Helper()
	sink := new(consumertest.LogsSink)
	p := startWith(t, processortest.NewNopSettings(metadata.Type), cfg, sink)
	t.Cleanup(func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return p, sink
}

// pathsConfig is the default configuration with only the signatures of
// paths.
func pathsConfig(paths ...string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Signatures = SignaturesConfig{Paths: paths}
	return cfg
}

// startWith creates and starts a processor; the caller shuts it down.
func startWith(t testing.TB, set processor.Settings, cfg *Config, sink *consumertest.LogsSink) processor.Logs {
	t.Helper()
	p, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	return p
}

// logsOf builds one batch holding the records of the events, one resource
// per event.
func logsOf(events ...*tracee.Event) plog.Logs {
	ld := plog.NewLogs()
	for _, ev := range events {
		rl := ld.ResourceLogs().AppendEmpty()
		p := ev.Process()
		vigil.WriteResource(rl.Resource().Attributes(), ev.HostName, &p, nil)
		tracee.RecordFromEvent(ev, rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
	}
	return ld
}

// decodeEvent decodes a Tracee JSON event.
func decodeEvent(t testing.TB, raw []byte) *tracee.Event {
	t.Helper()
	var ev tracee.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("event %s: %v", raw, err)
	}
	return &ev
}

// matchesOf returns the detection.matches of a record as id -> data, where
// data is true for a match without data.
func matchesOf(lr plog.LogRecord) map[string]any {
	out := map[string]any{}
	v, ok := lr.Attributes().Get(vigil.AttrMatches)
	if !ok {
		return out
	}
	for _, e := range v.Slice().All() {
		m := e.Map()
		id, _ := m.Get(matchUUID)
		if data, ok := m.Get(matchData); ok {
			out[id.Str()] = data.AsRaw()
		} else {
			out[id.Str()] = true
		}
	}
	return out
}

// normalize makes decoded JSON comparable with pcommon's AsRaw: JSON
// numbers become int64 or float64.
func normalize(v any) any {
	switch v := v.(type) {
	case float64:
		if v == float64(int64(v)) {
			return int64(v)
		}
		return v
	case map[string]any:
		for k, e := range v {
			v[k] = normalize(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normalize(e)
		}
	}
	return v
}
