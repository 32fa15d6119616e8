package tracee

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/streams"
)

// writeSearching is WriteRecord with every argument written by key through
// the writer's searching setters (Str, Value): the way the codec wrote all
// of them before it appended the catalog's through Arg*.
func writeSearching(w *vigil.RecordWriter, ev *Event, lr plog.LogRecord) {
	h := header(ev)
	k := knowledgeOf(ev)
	w.Begin(lr, &h, len(ev.Args)+k.attrs())
	for i := range ev.Args {
		key := vigil.AttrArgPrefix + ev.Args[i].Name
		if j := argIndex(h.Def, i, ev.Args[i].Name); j >= 0 {
			key = h.Def.Args[j].AttrKey()
		}
		writeArg(w, key, &ev.Args[i])
	}
	w.End()
	k.put(lr.Attributes())
}

// argumentEdges are lines whose arguments take WriteRecord's other paths:
// an event the catalog does not know, an argument its entry does not have,
// arguments out of the catalog's order, one given twice (appended, then
// searched; searched, then appended), and values the Arg* setters have no
// form for (null, a boolean, a fraction, a number past uint64, a mixed
// array, bytes that are not base64), and those they have (a uint64 past
// int64, base64 bytes, an empty array, a sockaddr).
var argumentEdges = []string{
	`{"eventName":"not_in_the_catalog","args":[{"name":"a","type":"int","value":1},{"name":"b","type":"const char*","value":"x"},{"name":"a","type":"int","value":2}]}`,
	`{"eventName":"openat","syscall":"openat","returnValue":3,"args":[{"name":"pathname","type":"const char*","value":"/etc/shadow"},{"name":"dirfd","type":"int","value":-100},{"name":"extra","type":"int","value":7},{"name":"flags","type":"int","value":"O_RDONLY"}]}`,
	`{"eventName":"openat","args":[{"name":"dirfd","type":"int","value":1},{"name":"pathname","type":"const char*","value":"/a"},{"name":"dirfd","type":"int","value":2},{"name":"mode","type":"umode_t","value":null},{"name":"dirfd","type":"int","value":true}]}`,
	`{"eventName":"openat","args":[{"name":"dirfd","type":"int","value":1.5},{"name":"pathname","type":"const char*","value":"/b"},{"name":"dirfd","type":"int","value":3},{"name":"flags","type":"int","value":123456789012345678901234567890}]}`,
	`{"eventName":"security_file_open","args":[{"name":"pathname","type":"const char*","value":""},{"name":"ctime","type":"unsigned long","value":18446744073709551000}]}`,
	`{"eventName":"sched_process_exec","args":[{"name":"argv","type":"const char**","value":["sh",1,null]},{"name":"env","type":"const char**","value":[]}]}`,
	`{"eventName":"magic_write","args":[{"name":"bytes","type":"bytes","value":"f0VMRg=="},{"name":"pathname","type":"const char*","value":"/tmp/x"}]}`,
	`{"eventName":"magic_write","args":[{"name":"bytes","type":"bytes","value":"not base64!"}]}`,
	`{"eventName":"connect","args":[{"name":"sockfd","type":"int","value":3},{"name":"addr","type":"struct sockaddr*","value":{"sin_port":"80","sa_family":"AF_INET","sin_addr":"10.0.0.1","x":[1,"a"]}}]}`,
}

// TestWriteRecordAsSearchingWriter: the records WriteRecord writes, with one
// writer for them all as a replay worker has, are byte for byte those of
// writeSearching, over the whole mixed stream, the codec's events and the
// argument edges.
func TestWriteRecordAsSearchingWriter(t *testing.T) {
	stream, err := streams.Mixed()
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(stream), []byte("\n"))
	lines = append(lines, readEventLines(t)...)
	for _, l := range argumentEdges {
		lines = append(lines, []byte(l))
	}
	var d Decoder
	var appended, searched vigil.RecordWriter
	var ev Event
	marshal := func(lr plog.LogRecord) []byte {
		ld := plog.NewLogs()
		lr.CopyTo(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
		b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for i, line := range lines {
		if err := d.Decode(line, &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		got, want := plog.NewLogRecord(), plog.NewLogRecord()
		WriteRecord(&appended, &ev, got)
		writeSearching(&searched, &ev, want)
		if !bytes.Equal(marshal(got), marshal(want)) {
			t.Fatalf("line %d (%s): the record differs\nwrote    %v\nsearched %v", i+1, line, got.Attributes().AsRaw(), want.Attributes().AsRaw())
		}
	}
}

// TestIntOfAsStrconv: intOf gives what strconv's ParseInt, then ParseUint
// (its bit pattern), give, and fails where both fail.
func TestIntOfAsStrconv(t *testing.T) {
	for _, n := range []string{
		"0", "-0", "7", "-7", "007", "000000000000000000000001", "+5", "", "-", "--1", "1.5", "1e3", " 1",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616", "-18446744073709551615",
		// 19 digits, the most parsed unchecked, and past them
		"1234567890123456789", "-1234567890123456789", "9999999999999999999", "-9999999999999999999",
		"0000000000000000001", "123456789012345678x", "-12345678901234567890",
	} {
		want, wantOK := int64(0), false
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			want, wantOK = i, true
		} else if u, err := strconv.ParseUint(n, 10, 64); err == nil {
			want, wantOK = int64(u), true
		}
		if got, ok := intOf(json.Number(n)); got != want || ok != wantOK {
			t.Errorf("intOf(%q) = %d, %v; strconv: %d, %v", n, got, ok, want, wantOK)
		}
	}
}

// TestWriteRecordTakesAValueSetSince: an argument whose value a caller
// replaced after decoding is written as its new value, not as the
// integer the Decoder parsed of the old one (see Arg).
func TestWriteRecordTakesAValueSetSince(t *testing.T) {
	var d Decoder
	var ev Event
	line := `{"eventName":"security_file_open","args":[{"name":"pathname","type":"const char*","value":"/a"},{"name":"flags","type":"int","value":"O_RDONLY"},{"name":"dev","type":"dev_t","value":2049}]}`
	if err := d.Decode([]byte(line), &ev); err != nil {
		t.Fatal(err)
	}
	dev := &ev.Args[2]
	if _, ok := dev.parsedInt(); !ok {
		t.Fatalf("the Decoder kept no integer of %#v", dev.Value)
	}
	for _, v := range []any{json.Number("7"), json.Number("2049"), "x", nil} {
		dev.Value = v
		lr := plog.NewLogRecord()
		WriteRecord(new(vigil.RecordWriter), &ev, lr)
		got, ok := lr.Attributes().Get("kernel.args.dev")
		if !ok && v != nil {
			t.Fatalf("value %#v: no kernel.args.dev in %v", v, lr.Attributes().AsRaw())
		}
		want := plog.NewLogRecord()
		writeSearching(new(vigil.RecordWriter), &ev, want)
		wantValue, _ := want.Attributes().Get("kernel.args.dev")
		if !got.Equal(wantValue) {
			t.Errorf("value %#v: written as %v, searched %v", v, got.AsRaw(), wantValue.AsRaw())
		}
	}
}

// TestKnowledgeRoom: the room WriteRecord makes for what an event knows
// beyond its record is what it then writes, for every stored line, so
// that the record's attribute array is never regrown.
func TestKnowledgeRoom(t *testing.T) {
	var d Decoder
	var ev Event
	written := 0
	for _, line := range storedLines(t) {
		if d.Decode(line, &ev) != nil {
			continue
		}
		k := knowledgeOf(&ev)
		m := plog.NewLogRecord().Attributes()
		k.put(m)
		if m.Len() != k.attrs() {
			t.Fatalf("%s\nroom for %d attributes, %d written", line, k.attrs(), m.Len())
		}
		written += m.Len()
	}
	if written == 0 {
		t.Error("no stored line knows more than its record derives: the test checks nothing")
	}
}

// TestTrustedStringsAsChecked: a writer that takes the Decoder's strings
// as valid UTF-8 (RecordWriter.TrustUTF8 and WriteResourceFrom's
// validUTF8, as the replay's) writes the records and resources a checking
// one writes, byte for byte, over the stored streams, the
// argument edges and lines whose strings encoding/json made valid.
func TestTrustedStringsAsChecked(t *testing.T) {
	lines := storedLines(t)
	for _, l := range append(argumentEdges,
		`{"eventName":"openat","processName":"a`+"\xc3"+`","executable":{"path":"/`+"\xed\xa0\x80"+`"},"syscall":"\ud800","args":[{"name":"pathname","type":"const char*","value":"`+"\xff"+`x"}]}`,
		`{"eventName":"sched_process_exec","args":[{"name":"argv","type":"const char**","value":["`+"\xfe"+`","\udc00"]}]}`,
		`{"eventName":"connect","args":[{"name":"addr","type":"struct sockaddr*","value":{"sun_path":"`+"\x80"+`","sa_family":"AF_UNIX"}}]}`,
	) {
		lines = append(lines, []byte(l))
	}
	var d Decoder
	var trusting, checking vigil.RecordWriter
	trusting.TrustUTF8()
	var ev Event
	decoded := 0
	for i, line := range lines {
		if d.Decode(line, &ev) != nil {
			continue
		}
		decoded++
		got, want := plog.NewLogs(), plog.NewLogs()
		for _, c := range []struct {
			ld    plog.Logs
			w     *vigil.RecordWriter
			valid bool
		}{{got, &trusting, true}, {want, &checking, false}} {
			rl := c.ld.ResourceLogs().AppendEmpty()
			p := ev.Process()
			vigil.WriteResourceFrom(nil, rl.Resource().Attributes(), ev.HostName, &p, nil, false, c.valid)
			WriteRecord(c.w, &ev, rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
		}
		var m plog.ProtoMarshaler
		g, _ := m.MarshalLogs(got)
		w, _ := m.MarshalLogs(want)
		if !bytes.Equal(g, w) {
			t.Fatalf("line %d (%s): trusted and checked strings differ", i+1, line)
		}
	}
	if decoded < len(lines)/2 {
		t.Fatalf("only %d of %d lines decoded", decoded, len(lines))
	}
}

// TestSameString: sameString is ==, whether the bytes are the same ones
// (the catalog's names, as the Decoder gives them) or a copy of them.
func TestSameString(t *testing.T) {
	name := "pathname"
	copied := string([]byte(name))
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{name, name, true}, {name, copied, true}, {name, "pathnamE", false}, {name, name[:4], false}, {"", "", true},
	} {
		if got := sameString(c.a, c.b); got != c.want {
			t.Errorf("sameString(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
