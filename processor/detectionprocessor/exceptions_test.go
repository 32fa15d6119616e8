package detectionprocessor

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/processor/detectionprocessor/internal/metadatatest"
	"github.com/vigil-sec/vigil/tracee"
)

// shadowRead is a read of /etc/shadow, which VGL-1029 reports unless the
// reader is one of the system's authentication tools.
func shadowRead(exe string, uid int64, image string) *tracee.Event {
	ev := &tracee.Event{EventName: "security_file_open", ProcessName: filepath.Base(exe), Executable: tracee.File{Path: exe}, UserID: uid,
		HostProcessID: 4000, Args: []tracee.Arg{
			{Name: "pathname", Type: catalog.TypeStr, Value: "/etc/shadow"}, {Name: "flags", Type: catalog.TypeInt, Value: "O_RDONLY"}}}
	if image != "" {
		ev.ContainerID, ev.Container = "c0ffee", tracee.Container{ID: "c0ffee", Image: image}
	}
	return ev
}

func TestExceptionsConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "exceptions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cm.Sub("detection")
	if err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	want := []ExceptionConfig{{
		Signatures: []string{"VGL-1029", "container"},
		Equals:     map[string][]any{"process.executable.path": {"/opt/backup/bin/agent"}, "process.user.id": {0, "1000"}},
		StartsWith: map[string][]any{"container.image.name": {"registry.example/backup/"}},
	}}
	if !reflect.DeepEqual(cfg.Exceptions, want) {
		t.Fatalf("exceptions = %#v, want %#v", cfg.Exceptions, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestExceptionsValidate(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Exceptions = []ExceptionConfig{
		{Equals: map[string][]any{"process.executable.path": {"/bin/x"}}},
		{Signatures: []string{"VGL-1029", ""}},
		{Signatures: []string{"VGL-1029"}, Equals: map[string][]any{"a": {}, "b": {""}}, StartsWith: map[string][]any{"c": {1.5}}},
	}
	err := cfg.Validate()
	for _, w := range []string{
		"exceptions[0].signatures: list the ids or tags",
		"exceptions[1].signatures[1]: empty entry",
		"exceptions[1]: no condition",
		"exceptions[2].equals.a: no values",
		"exceptions[2].equals.b[0]: empty value",
		"exceptions[2].starts_with.c[0]: must be a string or an integer, got 1.5",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want it to contain %q", err, w)
		}
	}

	cfg.Exceptions = []ExceptionConfig{{Signatures: []string{"VGL-1010", "VGL-9999"}, Equals: map[string][]any{"process.executable.path": {"/usr/bin/ld"}}}}
	if err := cfg.Validate(); err == nil || err.Error() != `exceptions[0].signatures[1]: "VGL-9999" names no loaded signature id or tag` {
		t.Errorf("Validate() = %v, want the unknown signature named", err)
	}
}

// TestExceptions: an excepted record is not tagged by the signatures the
// exception names and is counted per signature; every attribute of an
// entry must hold; other records and signatures are untouched.
func TestExceptions(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	cfg := createDefaultConfig().(*Config)
	cfg.Exceptions = []ExceptionConfig{
		// by id, two attributes that must both hold
		{Signatures: []string{"VGL-1029"}, Equals: map[string][]any{"process.executable.path": {"/opt/backup/agent"}, "process.user.id": {0}}},
		// by tag, prefix of a resource attribute
		{Signatures: []string{"container"}, StartsWith: map[string][]any{"container.image.name": {"registry.example/backup/"}}},
	}
	cfg.EvaluationTimeout = maxEvaluationTimeout // every record evaluated, however loaded the machine
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	sink := new(consumertest.LogsSink)
	p := startWith(t, settings(t, tel), cfg, sink)
	defer p.Shutdown(context.Background())

	cases := []struct {
		ev      *tracee.Event
		matched bool
	}{
		{shadowRead("/opt/backup/agent", 0, ""), false},
		{shadowRead("/opt/backup/agent", 1000, ""), true}, // uid does not hold
		{shadowRead("/tmp/agent", 0, ""), true},           // path does not hold
		{shadowRead("/usr/bin/cat", 0, "registry.example/backup/agent:1"), false},
		{shadowRead("/usr/bin/cat", 0, "registry.example/web:1"), true},
	}
	for i, c := range cases {
		if err := p.ConsumeLogs(context.Background(), logsOf(c.ev)); err != nil {
			t.Fatal(err)
		}
		lr := sink.AllLogs()[i].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		if _, got := matchesOf(lr)["VGL-1029"]; got != c.matched {
			t.Errorf("case %d (%s uid %d image %q): matched %v, want %v", i, c.ev.Executable.Path, c.ev.UserID, c.ev.Container.Image, got, c.matched)
		}
	}
	sig := attribute.NewSet(attribute.String("signature_id", "VGL-1029"))
	metadatatest.AssertEqualProcessorDetectionExcepted(t, tel, []metricdata.DataPoint[int64]{{Attributes: sig, Value: 2}}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorDetectionMatches(t, tel, []metricdata.DataPoint[int64]{{Attributes: sig, Value: 3}}, metricdatatest.IgnoreTimestamp())
}
