package tracee

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
	"os"
	"reflect"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/tracee")

const (
	eventsFile  = "../testdata/tracee/events.jsonl"
	recordsFile = "../testdata/tracee/records.golden.json"
)

// readEventLines returns the raw JSON lines of the Tracee events file.
func readEventLines(t testing.TB) [][]byte {
	t.Helper()
	f, err := os.Open(eventsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// logsFromEvents builds one ResourceLogs per host and process, as a replay
// source would.
func logsFromEvents(events []Event) plog.Logs {
	type resourceKey struct {
		host    string
		process vigil.Process
	}
	ld := plog.NewLogs()
	byResource := map[resourceKey]plog.LogRecordSlice{}
	for i := range events {
		ev := &events[i]
		k := resourceKey{ev.HostName, ev.Process()}
		lrs, ok := byResource[k]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			vigil.WriteResource(rl.Resource().Attributes(), k.host, &k.process, nil)
			lrs = rl.ScopeLogs().AppendEmpty().LogRecords()
			byResource[k] = lrs
		}
		RecordFromEvent(ev, lrs.AppendEmpty())
	}
	return ld
}

// eventsFromLogs is the inverse of logsFromEvents, in record order.
func eventsFromLogs(ld plog.Logs) []Event {
	var out []Event
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				out = append(out, EventFromRecord(lr, rl.Resource()))
			}
		}
	}
	return out
}

// canonicalJSON decodes JSON keeping numbers exact, for order-insensitive
// comparison of objects.
func canonicalJSON(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func decodeEvents(t testing.TB, lines [][]byte) []Event {
	t.Helper()
	events := make([]Event, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal(l, &events[i]); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	return events
}

// sortedByHost reorders the lines as logsFromEvents groups them: by first
// appearance of each host, stable within a host.
func sortedByHost(events []Event, lines [][]byte) [][]byte {
	var hosts []string
	groups := map[string][][]byte{}
	for i, ev := range events {
		if _, ok := groups[ev.HostName]; !ok {
			hosts = append(hosts, ev.HostName)
		}
		groups[ev.HostName] = append(groups[ev.HostName], lines[i])
	}
	var out [][]byte
	for _, h := range hosts {
		out = append(out, groups[h]...)
	}
	return out
}

// TestTraceeEventsToRecordsGolden converts the Tracee events to records and
// compares them with the golden OTLP JSON.
func TestTraceeEventsToRecordsGolden(t *testing.T) {
	events := decodeEvents(t, readEventLines(t))
	got, err := (&plog.JSONMarshaler{}).MarshalLogs(logsFromEvents(events))
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(recordsFile, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(recordsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(canonicalJSON(t, got), canonicalJSON(t, want)) {
		t.Errorf("records differ from %s (rerun with -update and review the diff):\n%s", recordsFile, pretty.Bytes())
	}
}

// TestTraceeEventsRoundTrip: JSON event -> record -> JSON event is the
// identity for every event of the file.
func TestTraceeEventsRoundTrip(t *testing.T) {
	lines := readEventLines(t)
	events := decodeEvents(t, lines)
	back := eventsFromLogs(logsFromEvents(events))
	want := sortedByHost(events, lines)
	if len(back) != len(want) {
		t.Fatalf("got %d events back, want %d", len(back), len(want))
	}
	for i := range back {
		got, err := json.Marshal(&back[i])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(canonicalJSON(t, got), canonicalJSON(t, want[i])) {
			t.Errorf("event %d:\n got %s\nwant %s", i, got, want[i])
		}
	}
}

// TestTraceeRecordsRoundTrip: golden record -> JSON event -> record is the
// identity, so nothing the receiver writes is lost on the way to Rego.
func TestTraceeRecordsRoundTrip(t *testing.T) {
	b, err := os.ReadFile(recordsFile)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for _, ev := range eventsFromLogs(ld) {
		l, err := json.Marshal(&ev)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	again, err := (&plog.JSONMarshaler{}).MarshalLogs(logsFromEvents(decodeEvents(t, lines)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(canonicalJSON(t, again), canonicalJSON(t, b)) {
		t.Errorf("record -> event -> record changed the records:\n%s", again)
	}
}

func TestRecordFromEventForms(t *testing.T) {
	events := decodeEvents(t, readEventLines(t))
	resources := map[string]pcommon.Resource{}
	find := func(name string) plog.LogRecord {
		for i := range events {
			if events[i].EventName == name {
				lr := plog.NewLogRecord()
				RecordFromEvent(&events[i], lr)
				res := pcommon.NewResource()
				p := events[i].Process()
				vigil.WriteResource(res.Attributes(), events[i].HostName, &p, nil)
				resources[name] = res
				return lr
			}
		}
		t.Fatalf("no %s event in %s", name, eventsFile)
		return plog.LogRecord{}
	}
	origin := func(lr plog.LogRecord) string {
		if _, onRecord := lr.Attributes().Get(vigil.AttrOrigin); onRecord {
			t.Errorf("%s: origin on the record, want it on the resource", lr.EventName())
		}
		return vigil.RecordOrigin(vigil.AttrsOf(lr, resources[strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix)]))
	}
	arg := func(lr plog.LogRecord, name string) pcommon.Value {
		v, ok := lr.Attributes().Get(vigil.AttrArgPrefix + name)
		if !ok {
			t.Fatalf("%s: no argument %s", lr.EventName(), name)
		}
		return v
	}

	open := find("openat")
	if got := open.Body().Str(); got != "openat /etc/shadow O_RDONLY|O_CLOEXEC = 3" {
		t.Errorf("body = %q", got)
	}
	if got := arg(open, "flags").Str(); got != "O_RDONLY|O_CLOEXEC" {
		t.Errorf("flags = %q", got)
	}
	if got := arg(open, "dirfd").Int(); got != -100 {
		t.Errorf("dirfd = %d", got)
	}
	if o := origin(open); o != vigil.OriginHost {
		t.Errorf("origin = %q, want host", o)
	}

	conn := find("connect")
	if got := arg(conn, "addr").Map().AsRaw(); !reflect.DeepEqual(got, map[string]any{"sa_family": "AF_INET", "sin_addr": "10.0.0.5", "sin_port": "4444"}) {
		t.Errorf("sockaddr = %v", got)
	}

	exec := find("sched_process_exec")
	if got := arg(exec, "argv").Slice().AsRaw(); !reflect.DeepEqual(got, []any{"sh", "-c", "id"}) {
		t.Errorf("argv = %v", got)
	}
	if got := arg(exec, "env").Type(); got != pcommon.ValueTypeEmpty {
		t.Errorf("null env stored as %v", got)
	}
	if o := origin(exec); o != vigil.OriginContainerInit {
		t.Errorf("origin of a not yet started container = %q", o)
	}

	mw := find("magic_write")
	if b := arg(mw, "bytes"); b.Type() != pcommon.ValueTypeBytes || !bytes.HasPrefix(b.Bytes().AsRaw(), []byte("\x7fELF")) {
		t.Errorf("bytes = %v %q", b.Type(), b.AsString())
	}

	sfo := find("security_file_open")
	ctime := arg(sfo, "ctime")
	if got := ArgValueFromAttr(ctime, catalog.TypeULong); got != uint64(18446744073709551000) {
		t.Errorf("ctime back = %v", got)
	}
}

func TestEventFromRecordDefaults(t *testing.T) {
	lr := plog.NewLogRecord()
	lr.SetEventName("kernel.openat")
	lr.Attributes().PutStr(vigil.AttrArgPrefix+"pathname", "/x")
	lr.Attributes().PutInt(vigil.AttrArgPrefix+"dirfd", 3)
	ev := EventFromRecord(lr, pcommon.NewResource())
	if ev.EventID != 257 {
		t.Errorf("eventId from catalog = %d, want 257", ev.EventID)
	}
	want := []Arg{{Name: "dirfd", Type: catalog.TypeInt, Value: int64(3)}, {Name: "pathname", Type: catalog.TypeStr, Value: "/x"}}
	if !reflect.DeepEqual(ev.Args, want) || ev.ArgsNum != 2 {
		t.Errorf("args = %#v (argsNum %d), want catalog order %#v", ev.Args, ev.ArgsNum, want)
	}
}

// TestMapArgKeysSorted: a map argument's keys are in the record sorted,
// whatever the map's order, with fewer keys than sortedKeysRoom and more.
func TestMapArgKeysSorted(t *testing.T) {
	for _, n := range []int{0, 1, sortedKeysRoom, 3 * sortedKeysRoom} {
		want := make([]string, n)
		inner, flat := map[string]any{}, map[string]string{}
		for i := range want {
			want[i] = string(rune('a'+i%26)) + strings.Repeat("z", i/26)
			inner[want[i]], flat[want[i]] = int64(i), "v"
		}
		for _, x := range []any{inner, flat} {
			v := pcommon.NewValueEmpty()
			setArgValue(v, catalog.TypeSockaddr, x)
			var got []string
			for k := range v.Map().All() {
				got = append(got, k)
			}
			if !reflect.DeepEqual(got, want) && (n > 0 || len(got) != 0) {
				t.Errorf("%d keys of a %T: %v, want %v", n, x, got, want)
			}
		}
	}
}
