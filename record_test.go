package vigil

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/encodingtest"
)

// TestRecordWriterBodies writes many records with one writer, whose bodies
// share chunks, and checks every body once all are written: a body written
// over by a later one, or cut where it outgrew its chunk, differs. Paths
// from empty to several chunks long cover a body starting a chunk, filling
// one and outgrowing one.
func TestRecordWriterBodies(t *testing.T) {
	var w RecordWriter
	logs := plog.NewLogRecordSlice()
	var want []string
	for i := range 2000 {
		path := strings.Repeat(string(rune('a'+i%26)), (i*37)%(3*maxBodyChunk/2))
		ret := int64(i*7919 - 5000)
		w.Begin(logs.AppendEmpty(), &RecordHeader{Name: "openat", Syscall: "openat", ReturnValue: ret}, 1)
		w.Str("kernel.args.pathname", path)
		w.End()
		if path == "" {
			want = append(want, fmt.Sprintf("openat = %d", ret))
		} else {
			want = append(want, fmt.Sprintf("openat %s = %d", path, ret))
		}
	}
	for i := range logs.Len() {
		if got := logs.At(i).Body().Str(); got != want[i] {
			t.Fatalf("record %d: body %.40q... (%d bytes), want %.40q... (%d bytes)", i, got, len(got), want[i], len(want[i]))
		}
	}
}

// TestRecordWriterRepeatedBodies: a record whose body is the last one's
// takes that body's bytes instead of room of its own, and the room it was
// written in serves the next body: every body reads as written once all
// are, runs of repeats across chunks included, and a run of repeats uses
// no room.
func TestRecordWriterRepeatedBodies(t *testing.T) {
	var w RecordWriter
	logs := plog.NewLogRecordSlice()
	var want []string
	write := func(path string) {
		w.Begin(logs.AppendEmpty(), &RecordHeader{Name: "openat", Syscall: "openat", ReturnValue: 3}, 1)
		w.Str("kernel.args.pathname", path)
		w.End()
		want = append(want, "openat "+path+" = 3")
	}
	for i := range 3000 {
		// runs of 1 to 5 repeats of paths up to a chunk long
		write(strings.Repeat(string(rune('a'+(i/5)%26)), (i/5*37)%maxBodyChunk+1))
	}
	for i := range logs.Len() {
		if got := logs.At(i).Body().Str(); got != want[i] {
			t.Fatalf("record %d: body %.40q... (%d bytes), want %.40q... (%d bytes)", i, got, len(got), want[i], len(want[i]))
		}
	}
	body := func(i int) *byte { return unsafe.StringData(logs.At(i).Body().Str()) }
	assert.Same(t, body(0), body(4), "a repeat has bytes of its own")
	assert.NotSame(t, body(4), body(5), "a new body shares the last one's bytes")

	// (the second may still move to a new chunk, with room for a body)
	write("/dev/null")
	write("/dev/null")
	end := w.bodyEnd
	for range 100 {
		write("/dev/null")
	}
	assert.Equal(t, end, w.bodyEnd, "repeats took room of their own")
}

// headerKeys are the keys Begin writes, with a syscall.
var headerKeys = []string{AttrThreadID, AttrThreadVTID, AttrThreadStartTime, AttrCPU, AttrIsCompat, AttrEventID, AttrSyscall, AttrReturnValue}

// TestRecordKeysAreDistinct is what lets RecordWriter append a record's
// attributes without searching its keys: over every event of the catalog,
// the header's keys and the event's argument keys are all distinct. A
// repeat here would put a key twice into OTLP.
func TestRecordKeysAreDistinct(t *testing.T) {
	events := catalog.Events()
	require.NotEmpty(t, events)
	for _, def := range events {
		seen := map[string]string{}
		for _, k := range headerKeys {
			require.NotContains(t, seen, k, "header key %s twice", k)
			seen[k] = "the header"
		}
		for i := range def.Args {
			k := def.Args[i].AttrKey()
			if by, ok := seen[k]; ok {
				t.Errorf("event %s: argument %d's key %s is also %s's", def.Name, i, k, by)
			}
			seen[k] = "argument " + def.Args[i].Name
		}
	}
}

// TestBeginWritesHeaderKeys keeps headerKeys the keys Begin writes.
func TestBeginWritesHeaderKeys(t *testing.T) {
	var w RecordWriter
	lr := plog.NewLogRecord()
	w.Begin(lr, &RecordHeader{Name: "openat", Syscall: "openat"}, 0)
	w.End()
	var got []string
	for k := range lr.Attributes().All() {
		got = append(got, k)
	}
	assert.ElementsMatch(t, headerKeys, got)
}

// TestRecordWriterKeepsKeysUnique: whatever order a source writes an
// argument in, by catalog index or by key, again or into a record that
// already has attributes, each key is in the record once, with the last
// value written.
func TestRecordWriterKeepsKeysUnique(t *testing.T) {
	def, ok := catalog.LookupEvent("security_file_open")
	require.True(t, ok)
	path := def.ArgIndex("pathname")
	pathKey := def.Args[path].AttrKey()
	flags := def.ArgIndex("flags")
	for name, write := range map[string]func(w *RecordWriter){
		"an index twice": func(w *RecordWriter) {
			w.ArgStr(path, "/first")
			w.ArgInt(flags, 1)
			w.ArgStr(path, "/last")
		},
		"an index after its key": func(w *RecordWriter) {
			w.Str(pathKey, "/first")
			w.ArgInt(flags, 1)
			w.ArgStr(path, "/last")
		},
		"a key after its index": func(w *RecordWriter) {
			w.ArgStr(path, "/first")
			w.ArgInt(flags, 1)
			w.Str(pathKey, "/last")
		},
	} {
		t.Run(name, func(t *testing.T) {
			var w RecordWriter
			lr := plog.NewLogRecord()
			w.Begin(lr, &RecordHeader{Def: def, Name: def.Name, Syscall: "openat"}, 3)
			write(&w)
			w.End()
			assertUniqueKeys(t, lr)
			v, _ := lr.Attributes().Get(pathKey)
			assert.Equal(t, "/last", v.Str())
		})
	}
	t.Run("into a record with attributes", func(t *testing.T) {
		var w RecordWriter
		lr := plog.NewLogRecord()
		lr.Attributes().PutStr(AttrThreadID, "there before")
		lr.Attributes().PutStr(pathKey, "there before")
		w.Begin(lr, &RecordHeader{Def: def, Name: def.Name, HostTID: 7}, 1)
		w.ArgStr(path, "/last")
		w.End()
		assertUniqueKeys(t, lr)
		v, _ := lr.Attributes().Get(AttrThreadID)
		assert.Equal(t, int64(7), v.Int())
		v, _ = lr.Attributes().Get(pathKey)
		assert.Equal(t, "/last", v.Str())
	})
}

func assertUniqueKeys(t *testing.T, lr plog.LogRecord) {
	t.Helper()
	seen := map[string]bool{}
	for k := range lr.Attributes().All() {
		assert.False(t, seen[k], "key %s twice", k)
		seen[k] = true
	}
}

// TestRecordWriterWritesWhatPdataWould: records written with appends, of
// every kind of argument, marshal byte for byte as the same records written
// with pdata's setters, in proto and JSON.
func TestRecordWriterWritesWhatPdataWould(t *testing.T) {
	type arg struct {
		name string
		set  func(v pcommon.Value) // as pdata's setters would
	}
	str := func(s string) func(pcommon.Value) { return func(v pcommon.Value) { v.SetStr(s) } }
	cases := []struct {
		event, body string
		args        []arg
		write       func(w *RecordWriter)
	}{
		{"execve", "execve /bin/true = -2",
			[]arg{{"pathname", str("/bin/true")}, {"argv", func(v pcommon.Value) { PutStrings(v.SetEmptySlice(), []string{"true", "-x"}) }}},
			func(w *RecordWriter) {
				w.ArgStr(0, "/bin/true")
				w.ArgStrings(1, []string{"true", "-x"})
			}},
		{"security_socket_connect", "security_socket_connect SOCK_STREAM",
			[]arg{{"sockfd", func(v pcommon.Value) { v.SetInt(3) }}, {"type", str("SOCK_STREAM")},
				{"remote_addr", func(v pcommon.Value) {
					m := v.SetEmptyMap()
					m.PutStr("sa_family", "AF_UNIX")
					m.PutStr("sun_path", "/run/x")
				}}},
			func(w *RecordWriter) {
				w.ArgInt(0, 3)
				w.ArgStr(1, "SOCK_STREAM")
				m := w.ArgMap(2, 1) // one attribute past its room
				m.Str("sa_family", "AF_UNIX")
				m.Str("sun_path", "/run/x")
			}},
		{"magic_write", "magic_write /tmp/x",
			[]arg{{"pathname", str("/tmp/x")}, {"bytes", func(v pcommon.Value) { v.SetEmptyBytes().FromRaw([]byte{1, 2}) }}},
			func(w *RecordWriter) {
				w.ArgStr(0, "/tmp/x")
				w.ArgBytes(1, []byte{1, 2})
			}},
	}
	want, got := plog.NewLogs(), plog.NewLogs()
	wantLRs := want.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	gotLRs := got.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	var w RecordWriter
	for _, c := range cases {
		def, ok := catalog.LookupEvent(c.event)
		require.True(t, ok, c.event)
		h := RecordHeader{Def: def, Name: def.Name, ID: int64(def.ID), Timestamp: 5, Observed: 6, HostTID: 1, TID: 2,
			ThreadStartTime: 3, CPU: 4, Compat: true, ReturnValue: -2}
		if def.Syscall {
			h.Syscall = def.Name
		}
		lr := wantLRs.AppendEmpty()
		lr.SetEventName(def.RecordName())
		lr.SetTimestamp(h.Timestamp)
		lr.SetObservedTimestamp(h.Observed)
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
		m := lr.Attributes()
		m.PutInt(AttrThreadID, h.HostTID)
		m.PutInt(AttrThreadVTID, h.TID)
		m.PutInt(AttrThreadStartTime, h.ThreadStartTime)
		m.PutInt(AttrCPU, h.CPU)
		m.PutBool(AttrIsCompat, h.Compat)
		m.PutInt(AttrEventID, h.ID)
		if h.Syscall != "" {
			m.PutStr(AttrSyscall, h.Syscall)
			m.PutInt(AttrReturnValue, h.ReturnValue)
		}
		for _, a := range c.args {
			a.set(m.PutEmpty(def.Args[def.ArgIndex(a.name)].AttrKey()))
		}
		lr.Body().SetStr(c.body)

		w.Begin(gotLRs.AppendEmpty(), &h, len(c.args))
		c.write(&w)
		w.End()
	}

	encodingtest.AssertSame(t, want, got)
}
