package regoinput

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/tracee"
)

// Build returns the whole Rego input of a record whose resource is res.
func Build(lr plog.LogRecord, res pcommon.Resource) ast.Value {
	var r Record
	r.Reset(lr, res, nil)
	return r.Input()
}

const goldenRecords = "../../../../testdata/tracee/records.golden.json"

// viaJSON is the slow, obviously right way: the record's Tracee event,
// encoded as JSON and decoded into a Rego value, as Tracee's engine does.
func viaJSON(t *testing.T, lr plog.LogRecord, rl plog.ResourceLogs) (ast.Value, bool) {
	t.Helper()
	ev := tracee.EventFromRecord(lr, rl.Resource())
	b, err := json.Marshal(&ev)
	if err != nil {
		return nil, false // a NaN or Inf double: no JSON form to compare with
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		t.Fatal(err)
	}
	v, err := ast.InterfaceToValue(x)
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

func checkSameAsJSON(t *testing.T, ld plog.Logs) int {
	n := 0
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				want, ok := viaJSON(t, lr, rl)
				if !ok {
					continue
				}
				got := Build(lr, rl.Resource())
				if got.Compare(want) != 0 {
					t.Fatalf("record %s:\n got %v\nwant %v", lr.EventName(), got, want)
				}
				n++
			}
		}
	}
	return n
}

func TestBuildMatchesJSONOnGoldenRecords(t *testing.T) {
	b, err := os.ReadFile(goldenRecords)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	if err != nil {
		t.Fatal(err)
	}
	if n := checkSameAsJSON(t, ld); n != ld.LogRecordCount() || n == 0 {
		t.Fatalf("compared %d of %d records", n, ld.LogRecordCount())
	}
}

func TestBuildShape(t *testing.T) {
	lr := plog.NewLogRecord()
	ev := tracee.Event{EventName: "security_file_open", EventID: 732, ContainerID: "c1", Container: tracee.Container{ID: "c1"},
		Args: []tracee.Arg{{Name: "pathname", Type: catalog.TypeStr, Value: "/etc/passwd"}, {Name: "flags", Type: catalog.TypeInt, Value: "O_RDONLY"}}}
	tracee.RecordFromEvent(&ev, lr)
	res := plog.NewResourceLogs().Resource()
	p := ev.Process()
	vigil.WriteResource(res.Attributes(), ev.HostName, &p, nil)
	in := Build(lr, res)
	for path, want := range map[string]ast.Value{
		`input.eventId`:               ast.String("732"),
		`input.eventName`:             ast.String("security_file_open"),
		`input.container`:             ast.NewObject([2]*ast.Term{ast.StringTerm("id"), ast.StringTerm("c1")}),
		`input.kubernetes`:            ast.NewObject(),
		`input.args[0].value`:         ast.String("/etc/passwd"),
		`input.args[1].name`:          ast.String("flags"),
		`input.argsNum`:               ast.Number("2"),
		`input.contextFlags.isCompat`: ast.Boolean(false),
	} {
		ref := ast.MustParseRef(path)
		got, err := in.Find(ref[1:])
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got.Compare(want) != 0 {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
}

// FuzzBuild feeds arbitrary OTLP JSON records (any attribute types, missing
// or mistyped well-known attributes, unknown events) to Build and checks it
// against the JSON path.
func FuzzBuild(f *testing.F) {
	b, err := os.ReadFile(goldenRecords)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"kernel.openat","attributes":[{"key":"kernel.args.flags","value":{"doubleValue":1.5}},{"key":"kernel.cgroup.id","value":{"intValue":"-1"}},{"key":"kernel.args.x","value":{"kvlistValue":{"values":[{"key":"a","value":{"bytesValue":"AAE="}}]}}}]}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(data)
		if err != nil {
			return
		}
		checkSameAsJSON(t, ld)
	})
}

// BenchmarkBuild builds the input of each golden record (an openat, a
// sched_process_exec with 16 arguments, a sockaddr, bytes...), per record.
func BenchmarkBuild(b *testing.B) {
	raw, err := os.ReadFile(goldenRecords)
	if err != nil {
		b.Fatal(err)
	}
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(raw)
	if err != nil {
		b.Fatal(err)
	}
	type rec struct {
		lr plog.LogRecord
		rl plog.ResourceLogs
	}
	var recs []rec
	for _, rl := range ld.ResourceLogs().All() {
		for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
			recs = append(recs, rec{lr, rl})
		}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := recs[i%len(recs)]
		Build(r.lr, r.rl.Resource())
	}
}
