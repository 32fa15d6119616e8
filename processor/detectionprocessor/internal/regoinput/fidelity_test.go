package regoinput

import (
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/tracee"
)

// fidelityEvent has the argument forms Tracee's trace.Event carries that a
// float64 or a signed int64 would change: unsigned 64-bit values with the
// top bit set (an unsigned long, an off_t, a pointer) and bytes that are not
// text.
const fidelityEvent = `{"timestamp":1700000000000000000,"hostProcessId":7,"hostThreadId":7,"processName":"x",` +
	`"eventName":"security_file_open","argsNum":6,"args":[` +
	`{"name":"pathname","type":"const char*","value":"/etc/shadow"},` +
	`{"name":"flags","type":"string","value":"O_RDONLY"},` +
	`{"name":"dev","type":"dev_t","value":4294967295},` +
	`{"name":"inode","type":"unsigned long","value":18446744073709551615},` +
	`{"name":"ctime","type":"unsigned long","value":9223372036854775813},` +
	`{"name":"syscall_pathname","type":"const char*","value":"/etc/shadow"}]}`

func recordOf(t *testing.T, line string) (plog.LogRecord, pcommon.Resource, *tracee.Event) {
	t.Helper()
	var ev tracee.Event
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatal(err)
	}
	lr := plog.NewLogRecord()
	tracee.RecordFromEvent(&ev, lr)
	res := pcommon.NewResource()
	p := ev.Process()
	vigil.WriteResource(res.Attributes(), ev.HostName, &p, nil)
	return lr, res, &ev
}

// inputArgs returns the input's args as name -> [type, value] and in order.
func inputArgs(t *testing.T, in ast.Value) (map[string][2]*ast.Term, []string) {
	t.Helper()
	args := in.(ast.Object).Get(ast.StringTerm("args")).Value.(*ast.Array)
	byName := map[string][2]*ast.Term{}
	var order []string
	for i := range args.Len() {
		a := args.Elem(i).Value.(ast.Object)
		name := string(a.Get(ast.StringTerm("name")).Value.(ast.String))
		byName[name] = [2]*ast.Term{a.Get(ast.StringTerm("type")), a.Get(ast.StringTerm("value"))}
		order = append(order, name)
	}
	return byName, order
}

// TestArgumentFidelity: args keep the catalog's Tracee type strings and
// order, argsNum counts them, and unsigned 64-bit values stay unsigned
// and exact in the Rego input and back in Tracee JSON.
func TestArgumentFidelity(t *testing.T) {
	lr, res, ev := recordOf(t, fidelityEvent)
	in := Build(lr, res)
	args, order := inputArgs(t, in)
	wantOrder := []string{"pathname", "flags", "dev", "inode", "ctime", "syscall_pathname"}
	if len(order) != len(wantOrder) {
		t.Fatalf("args %v, want %v", order, wantOrder)
	}
	for i := range order {
		if order[i] != wantOrder[i] {
			t.Fatalf("args %v, want %v", order, wantOrder)
		}
	}
	if got := in.(ast.Object).Get(ast.StringTerm("argsNum")).String(); got != "6" {
		t.Errorf("argsNum = %s, want 6", got)
	}
	for name, want := range map[string][2]string{
		"dev":   {`"dev_t"`, "4294967295"},
		"inode": {`"unsigned long"`, "18446744073709551615"},
		"ctime": {`"unsigned long"`, "9223372036854775813"},
		"flags": {`"string"`, `"O_RDONLY"`},
	} {
		if got := [2]string{args[name][0].String(), args[name][1].String()}; got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	back := tracee.EventFromRecord(lr, res)
	b, err := json.Marshal(back.Args)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(ev.Args)
	if string(a) != string(b) {
		t.Errorf("args back in JSON:\n got %s\nwant %s", b, a)
	}
}

// TestUnsignedTypes: a negative int64 in the record is a uint64 for every
// type Tracee decodes as unsigned, pointers and off_t included.
func TestUnsignedTypes(t *testing.T) {
	v := pcommon.NewValueInt(-1)
	for _, typ := range []string{"unsigned long", "u64", "size_t", "off_t", "void*", "unsigned long*", "dev_t", "u32"} {
		if got := Value(v, typ).String(); got != "18446744073709551615" {
			t.Errorf("%s: -1 as %s, want 18446744073709551615", typ, got)
		}
		if got := tracee.ArgValueFromAttr(v, typ); got != uint64(1<<64-1) {
			t.Errorf("%s: JSON value %v", typ, got)
		}
	}
	for _, typ := range []string{"int", "long", "pid_t"} {
		if got := Value(v, typ).String(); got != "-1" {
			t.Errorf("%s: -1 as %s", typ, got)
		}
	}
}

// TestBytesRoundTrip: a bytes argument (base64 in Tracee JSON) is bytes in
// the record, the same base64 in the Rego input, and the same base64 back
// in JSON, whatever its bytes.
func TestBytesRoundTrip(t *testing.T) {
	const b64 = "f0VMRgIBAQD/AP7//w==" // "\x7fELF\x02\x01\x01\x00\xff\x00\xfe\xff\xff": not UTF-8
	line := `{"eventName":"magic_write","hostProcessId":7,"argsNum":4,"args":[` +
		`{"name":"pathname","type":"const char*","value":"/tmp/x"},` +
		`{"name":"bytes","type":"bytes","value":"` + b64 + `"},` +
		`{"name":"dev","type":"dev_t","value":1},{"name":"inode","type":"unsigned long","value":2}]}`
	lr, res, _ := recordOf(t, line)
	if v, _ := lr.Attributes().Get(vigil.AttrArgPrefix + "bytes"); v.Type() != pcommon.ValueTypeBytes || v.Bytes().Len() != 13 {
		t.Fatalf("bytes stored as %v (%d bytes)", v.Type(), v.Bytes().Len())
	}
	args, _ := inputArgs(t, Build(lr, res))
	if got := args["bytes"][1].String(); got != `"`+b64+`"` {
		t.Errorf("input bytes = %s, want %q", got, b64)
	}
	back := tracee.EventFromRecord(lr, res)
	b, _ := json.Marshal(back.Args[1])
	if want := `{"name":"bytes","type":"bytes","value":"` + b64 + `"}`; string(b) != want {
		t.Errorf("JSON back = %s, want %s", b, want)
	}
}

// TestEntityIDsAndPolicies: the entity ids are Tracee's where the record
// can derive them (the thread's, and the process's for a thread group
// leader), the ones a Tracee event gives otherwise, and matchedPolicies is
// there only when given.
func TestEntityIDsAndPolicies(t *testing.T) {
	const start = 1699999999995000000
	member := func(in ast.Value, key string) string {
		m := in.(ast.Object).Get(ast.StringTerm(key))
		if m == nil {
			return "absent"
		}
		return m.String()
	}
	leader := `{"hostProcessId":1100,"hostThreadId":1100,"threadStartTime":1699999999995000000,"eventName":"openat","args":[]}`
	lr, res, _ := recordOf(t, leader)
	in := Build(lr, res)
	id := ast.UIntNumberTerm(uint64(tracee.TaskEntityID(1100, start))).String()
	if member(in, "threadEntityId") != id || member(in, "processEntityId") != id || member(in, "parentEntityId") != "0" {
		t.Errorf("leader: ids %s %s %s, want %s %s 0", member(in, "threadEntityId"), member(in, "processEntityId"), member(in, "parentEntityId"), id, id)
	}
	if got := member(in, "matchedPolicies"); got != "absent" {
		t.Errorf("matchedPolicies = %s, want it absent", got)
	}

	thread := `{"hostProcessId":1100,"hostThreadId":1101,"threadStartTime":1699999999995000000,"eventName":"openat",` +
		`"matchedPolicies":["p1"],"processEntityId":77,"parentEntityId":4294967295,"args":[]}`
	lr, res, _ = recordOf(t, thread)
	in = Build(lr, res)
	id = ast.UIntNumberTerm(uint64(tracee.TaskEntityID(1101, start))).String()
	for key, want := range map[string]string{"threadEntityId": id, "processEntityId": "77", "parentEntityId": "4294967295", "matchedPolicies": `["p1"]`} {
		if got := member(in, key); got != want {
			t.Errorf("thread: %s = %s, want %s", key, got, want)
		}
	}
}

// TestArgsNumIsGiven: argsNum counts the arguments the event carries, not
// those its catalog definition declares.
func TestArgsNumIsGiven(t *testing.T) {
	lr, res, _ := recordOf(t, `{"hostProcessId":7,"eventName":"security_file_open","argsNum":2,"args":[`+
		`{"name":"pathname","type":"const char*","value":"/etc/shadow"},{"name":"flags","type":"string","value":"O_RDONLY"}]}`)
	in := Build(lr, res)
	if got := in.(ast.Object).Get(ast.StringTerm("argsNum")).String(); got != "2" {
		t.Errorf("argsNum = %s, want 2", got)
	}
	if back := tracee.EventFromRecord(lr, res); back.ArgsNum != 2 {
		t.Errorf("argsNum back in JSON = %d, want 2", back.ArgsNum)
	}
}
