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

// withoutVigil is input less input.vigil, which Tracee's events do not have.
func withoutVigil(input ast.Value) ast.Value {
	obj := input.(ast.Object)
	var kept [][2]*ast.Term
	obj.Foreach(func(k, v *ast.Term) {
		if k.Value.Compare(kVigil.Value) != 0 {
			kept = append(kept, [2]*ast.Term{k, v})
		}
	})
	return ast.NewObject(kept...)
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
				got := withoutVigil(Build(lr, rl.Resource()))
				if got.Compare(want) != 0 {
					t.Fatalf("record %s:\n got %v\nwant %v", lr.EventName(), got, want)
				}
				n++
			}
		}
	}
	return n
}

// golden returns the golden records.
func golden(t *testing.T) plog.Logs {
	t.Helper()
	b, err := os.ReadFile(goldenRecords)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	if err != nil {
		t.Fatal(err)
	}
	return ld
}

func TestBuildMatchesJSONOnGoldenRecords(t *testing.T) {
	ld := golden(t)
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
	checkPaths(t, Build(lr, res), map[string]ast.Value{
		`input.eventId`:               ast.String("732"),
		`input.eventName`:             ast.String("security_file_open"),
		`input.container`:             ast.NewObject([2]*ast.Term{ast.StringTerm("id"), ast.StringTerm("c1")}),
		`input.kubernetes`:            ast.NewObject(),
		`input.args[0].value`:         ast.String("/etc/passwd"),
		`input.args[1].name`:          ast.String("flags"),
		`input.argsNum`:               ast.Number("2"),
		`input.contextFlags.isCompat`: ast.Boolean(false),
	})
}

// checkPaths checks the values at Rego paths ("input.x.y") of an input.
func checkPaths(t *testing.T, in ast.Value, want map[string]ast.Value) {
	t.Helper()
	for path, w := range want {
		ref := ast.MustParseRef(path)
		got, err := in.Find(ref[1:])
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got.Compare(w) != 0 {
			t.Errorf("%s = %v, want %v", path, got, w)
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
	// ancestry of odd shapes: pids not ints, fewer paths than pids, args not a slice
	f.Add([]byte(`{"resourceLogs":[{"resource":{"attributes":[{"key":"kernel.ancestors.pids","value":{"arrayValue":{"values":[{"stringValue":"x"},{"intValue":"7"}]}}},{"key":"kernel.ancestors.executable_paths","value":{"arrayValue":{"values":[{"intValue":"1"}]}}},{"key":"kernel.parent.command_args","value":{"stringValue":"sh"}}]},"scopeLogs":[{"logRecords":[{"eventName":"kernel.sched_process_exec"}]}]}]}`))
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

// TestBuildContainerContext: a captured record whose resource carries the
// runtime's context gives Tracee's input.container and input.kubernetes;
// the attributes Tracee has no field for (tags, runtime, the pod's
// container name) stay out of its shape.
func TestBuildContainerContext(t *testing.T) {
	lr := plog.NewLogRecord()
	ev := tracee.Event{EventName: "security_file_open", EventID: 732}
	tracee.RecordFromEvent(&ev, lr)
	res := plog.NewResourceLogs().Resource()
	p := vigil.Process{ContainerID: "c1", ContainerName: "box", ContainerImage: "docker.io/library/busybox:1.36",
		ContainerImageTag: "1.36", ContainerRuntime: "containerd", K8sContainerName: "box",
		PodName: "web-0", PodNamespace: "shop", PodUID: "0b2d", ContainerStarted: true}
	vigil.WriteResource(res.Attributes(), "node-1", &p, nil)
	str := func(k, v string) [2]*ast.Term { return [2]*ast.Term{ast.StringTerm(k), ast.StringTerm(v)} }
	checkPaths(t, Build(lr, res), map[string]ast.Value{
		`input.container`:  ast.NewObject(str("id", "c1"), str("name", "box"), str("image", "docker.io/library/busybox:1.36")),
		`input.kubernetes`: ast.NewObject(str("podName", "web-0"), str("podNamespace", "shop"), str("podUID", "0b2d")),
	})
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	res.CopyTo(rl.Resource())
	lr.CopyTo(rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
	if checkSameAsJSON(t, ld) != 1 {
		t.Fatal("not compared with the JSON path")
	}
}
