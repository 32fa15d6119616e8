package tracee

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/streams"
)

// readMixedStream returns the lines of the detection benchmark's stream.
func readMixedStream(t testing.TB) [][]byte { return readStream(t, streams.Mixed) }

// readStream returns the lines of the stream read returns.
func readStream(t testing.TB, read func() ([]byte, error)) [][]byte {
	t.Helper()
	data, err := read()
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

// storedLines are the Tracee JSON streams kept in the repository.
func storedLines(t testing.TB) [][]byte {
	lines := append(readEventLines(t), readMixedStream(t)...)
	lines = append(lines, readStream(t, streams.Sessions)...)
	replay, err := os.ReadFile("../receiver/kerneleventsreceiver/testdata/replay.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return append(lines, bytes.Split(replay, []byte("\n"))...)
}

// sameAsEncodingJSON fails t unless the Decoder gives for line what
// json.Unmarshal gives: the same event, and an error exactly when it errs.
func sameAsEncodingJSON(t *testing.T, d *Decoder, line []byte) {
	t.Helper()
	var want, got Event
	wantErr := json.Unmarshal(line, &want)
	gotErr := d.Decode(line, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%s\nencoding/json error %v, Decoder error %v", line, wantErr, gotErr)
	}
	checkParsedIntegers(t, &got)
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s\nencoding/json: %#v\nDecoder:      %#v", line, want, got)
	}
	if gotErr == nil {
		if s, ok := invalidString(reflect.ValueOf(got)); ok {
			t.Fatalf("%s\nthe Decoder gave %q, not valid UTF-8", line, s)
		}
	}
}

// checkParsedIntegers fails t unless each integer the Decoder kept of an
// argument of ev (see Arg) is what intOf parses from its value, and
// clears them: encoding/json keeps none.
func checkParsedIntegers(t testing.TB, ev *Event) {
	t.Helper()
	for i := range ev.Args {
		a := &ev.Args[i]
		if a.integer.of == nil {
			continue
		}
		n, ok := a.parsedInt()
		number, isNumber := a.Value.(json.Number)
		if !isNumber {
			t.Fatalf("argument %s: an integer kept of %#v", a.Name, a.Value)
		}
		if want, wantOK := intOf(number); !ok || !wantOK || n != want {
			t.Fatalf("argument %s: integer %d (%v) kept of %s, intOf's %d (%v)", a.Name, n, ok, number, want, wantOK)
		}
		a.integer = parsedInteger{}
	}
}

// invalidString returns a string in v, or in what v holds, that is not
// valid UTF-8 (see Decode), with true; "", false when all are valid.
func invalidString(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return v.String(), !utf8.ValidString(v.String())
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			return invalidString(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if s, bad := invalidString(v.Field(i)); bad {
				return s, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if s, bad := invalidString(v.Index(i)); bad {
				return s, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if s, bad := invalidString(it.Key()); bad {
				return s, true
			}
			if s, bad := invalidString(it.Value()); bad {
				return s, true
			}
		}
	}
	return "", false
}

// TestDecoderMatchesEncodingJSON: on every stored stream the Decoder gives
// json.Unmarshal's events, and does so on its own: no line of Tracee's
// output needs the slow path.
func TestDecoderMatchesEncodingJSON(t *testing.T) {
	var d Decoder
	fast := 0
	for _, line := range storedLines(t) {
		sameAsEncodingJSON(t, &d, line)
		var ev Event
		if json.Valid(line) && d.decodeFast(line, &ev) == nil {
			fast++
		} else if bytes.HasPrefix(line, []byte(`{"timestamp"`)) {
			t.Errorf("a Tracee event left to encoding/json: %s", line)
		}
	}
	if fast < 10000 {
		t.Errorf("only %d lines decoded by the fast path", fast)
	}
}

// TestDecoderEdgeCases: lines that take each of encoding/json's rules, fast
// path or slow.
func TestDecoderEdgeCases(t *testing.T) {
	var d Decoder
	for _, line := range []string{
		`{"eventName":"x"}`,
		` { "eventName" : "x" , "args" : [ ] } `,
		`{"eventName":"x","args":null}`,
		`{"eventName":"x","args":[null]}`,
		`{"eventName":"x","args":[{"name":"a","value":null},{"Name":"b"}]}`,
		`{"eventName":"x","args":[{"name":"a","value":{"k":[1,-2.5e3,"s",true,false,null,{}],"k":0}}]}`,
		`{"eventName":"x","args":[{"name":"a","value":[[1,["s",[]]],[],"t",{"m":["u",2]}]},{"name":"b","value":["v"]}]}`,
		`{"eventName":"x","args":[{"name":"a","value":[["s",[1,`, // cut inside nested arrays: the next line starts afresh
		`{"eventName":"x","args":[{"name":"a","value":["w",["y"]]}]}`,
		`{"eventName":"x","args":[{"name":"a","value":18446744073709551616}]}`,
		`{"eventName":"x","args":[{"name":"a","value":01}]}`,
		`{"eventName":"x","args":[{"name":"a","value":1 .5}]}`,
		`{"eventName":"x","args":[{"name":"a","value":-}]}`,
		`{"eventName":"x","args":[{"name":"a","value":"\u00e9\n"}]}`,
		`{"eventName":"x","args":[{"name":"a","value":"` + "\xff" + `"}]}`,
		// invalid UTF-8 and lone surrogates where the record's strings come
		// from: encoding/json's U+FFFD, valid as the fast path's strings are
		`{"eventName":"x","processName":"a` + "\xc3" + `","executable":{"path":"/` + "\xed\xa0\x80" + `"},"syscall":"\ud800"}`,
		`{"eventName":"x","args":[{"name":"a","value":{"` + "\xfe" + `":["\udc00` + "\xff" + `"]}}]}`,
		`{"eventName":"x","args":[{"name":"a","value":"` + "\x01" + `"}]}`,
		`{"eventName":"x","args":[{"name":"a","value":tru}]}`,
		`{"EventName":"x"}`,
		`{"eventName":"x","eventname":"y"}`,
		`{"eventName":"x","ſyscall":"y"}`,
		`{"eventName":"x","event\u004eame":"y"}`,
		`{"eventName":"x","eventName":null,"processName":"p","processName":null}`,
		`{"eventName":"x","eventId":"42","cgroupId":18446744073709551615}`,
		// arguments that start as the catalog's do, then go on
		`{"eventName":"openat","args":[{"name":"dirfd","type":"int","value":1,"name":"x","extra":[2]},{"name":"pathname","type":"const char*","value":"/a" }]}`,
		`{"eventName":"openat","args":[{"name":"dirfd","type":"int","value":1,"Type":"y"}]}`,
		`{"eventName":"openat","args":[{"name":"dirfd","type":"int","value":}]}`,
		`{"eventName":"openat","args":[{"name":"dirfd","type":"int","value":1`,
		`{"eventName":"openat","args":[{"name":"dirfd","type":"int"}]}`,
		`{"eventName":"x","eventId":42}`,
		`{"eventName":"x","eventId":" 42"}`,
		`{"eventName":"x","eventId":"-0"}`,
		`{"eventName":"x","cgroupId":-1}`,
		`{"eventName":"x","timestamp":-9223372036854775808}`,
		`{"eventName":"x","timestamp":9223372036854775808}`,
		`{"eventName":"x","timestamp":1.0}`,
		`{"eventName":"x","timestamp":1e3}`,
		`{"eventName":"x","timestamp":1E3,"userId":-1.5}`,
		`{"eventName":"x","cgroupId":18446744073709551616}`,
		`{"eventName":"x","cgroupId":-0,"userId":-0}`,
		`{"eventName":"x","timestamp":99999999999999999999}`,
		`{"eventName":"x","userId":12345678901234567890}`,
		`{"eventName":"x","eventId":"-9223372036854775808"}`,
		`{"eventName":"x","eventId":"1e3"}`,
		// eventId read between its quotes: what else a string may hold
		`{"eventName":"x","eventId":"42 "}`,
		`{"eventName":"x","eventId":"4\u0032"}`,
		`{"eventName":"x","eventId":""}`,
		`{"eventName":"x","eventId":"-"}`,
		`{"eventName":"x","eventId":"042"}`,
		`{"eventName":"x","eventId":"1.5"}`,
		`{"eventName":"x","eventId":"9223372036854775808"}`,
		`{"eventName":"x","eventId":null}`,
		`{"eventName":"x","eventId":"42`,
		`{"eventName":"x","eventId":"42"`,
		`{"eventName":"x","processName":"abcdefgh` + "\u00e9" + `","syscall":"abcdefghij\"k"}`,
		`{"eventName":"x","processName":"abcdefghijklmnopq` + "\xc3\xa9" + `rstuvwxyz"}`,
		`{"eventName":"abcdefghijklmnopq` + "\x7f\x1f" + `"}`,
		`{"eventName":"x","executable":{"path":"a"},"executable":{}}`,
		`{"eventName":"x","executable":null,"container":{"id":"c","Name":"n"}}`,
		`{"eventName":"x","matchedPolicies":["a",null],"contextFlags":{"isCompat":true,"containerStarted":null}}`,
		`{"eventName":"x","matchedPolicies":null}`,
		`{"eventName":"x","contextFlags":{"isCompat":1}}`,
		`{"eventName":"x","unknown":{"a":[1,{"b":"\""}]},"stackAddresses":[1,2]}`,
		`{"eventName":"x"} {}`,
		`{"eventName":"x",}`,
		`{"eventName":"x"`,
		`null`,
		`[]`,
		``,
		`{"eventName":"x","args":[` + string(bytes.Repeat([]byte("["), 2000)) + `]}`,
		// white space after an expected key, and before the next; integers
		// an integer's null test must not take for one
		`{"eventName":"x","processId": 1,"threadId":2 ,"userId":3}`,
		`{"eventName":"x","processId":-null}`,
		`{"eventName":"x","processId":01}`,
		`{"eventName":"x","processId":1null}`,
		`{"eventName":"x","cgroupId":-0}`,
		// integer values found by sign and magnitude: -0 and 0 apart, the
		// largest uint64, past it
		`{"eventName":"x","args":[{"name":"a","value":0},{"name":"b","value":-0},{"name":"c","value":-0},{"name":"d","value":0}]}`,
		`{"eventName":"x","args":[{"name":"a","value":18446744073709551615},{"name":"b","value":-9223372036854775808},{"name":"c","value":99999999999999999999}]}`,
		// empty objects, and objects that are not, where {} came before
		`{"eventName":"x","container":{},"kubernetes":{ },"executable":{}}`,
		`{"eventName":"x","container":{"id":"c"},"kubernetes":{"podName":"p"},"executable":{"path":"/a"}}`,
		// the expected key near the end of the line, where no 24 bytes follow
		`{"eventName":"x","syscall":"y"}`,
		`{"eventName":"x","syscall":"y","argsNum":0}`,
	} {
		sameAsEncodingJSON(t, &d, []byte(line))
		if len(d.elems) != 0 {
			t.Fatalf("%s\nleft %d array elements on the decoder's stack", line, len(d.elems))
		}
	}
}

// FuzzDecoder: on any input, the Decoder gives what json.Unmarshal gives.
func FuzzDecoder(f *testing.F) {
	for _, l := range readEventLines(f) {
		f.Add(l)
	}
	f.Add([]byte(`{"eventName":"x","eventId":"7","args":[{"name":"a","type":"u64","value":[1,"s",{"k":null}]}]}`))
	var d Decoder
	f.Fuzz(func(t *testing.T, line []byte) {
		sameAsEncodingJSON(t, &d, line)
	})
}

// FuzzDecoderTwoLines: a line decodes as json.Unmarshal decodes it
// whatever line the Decoder read before into the same Event (the Decoder
// expects the previous line's key order and values, and the Event's
// arguments reuse their array), and the event holds nothing of the line's
// bytes, which the replay reuses for later lines.
func FuzzDecoderTwoLines(f *testing.F) {
	lines := readEventLines(f)
	for i := range lines {
		f.Add(lines[i], lines[(i+1)%len(lines)])
	}
	f.Fuzz(func(t *testing.T, first, second []byte) {
		var d Decoder
		var got, want Event
		_ = d.Decode(first, &got)
		wantErr := json.Unmarshal(second, &want)
		line := bytes.Clone(second)
		gotErr := d.Decode(line, &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%s\nafter %s\nencoding/json error %v, Decoder error %v", second, first, wantErr, gotErr)
		}
		if wantErr != nil {
			return
		}
		for i := range line {
			line[i] = 'X'
		}
		checkParsedIntegers(t, &got)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("%s\nafter %s\nencoding/json: %#v\nDecoder:      %#v", second, first, want, got)
		}
	})
}

// BenchmarkDecode compares the Decoder with encoding/json, the reference,
// on the mixed stream: lines/s of one goroutine each.
func BenchmarkDecode(b *testing.B) {
	lines := readMixedStream(b)
	for _, c := range []struct {
		name   string
		decode func(line []byte, ev *Event) error
	}{
		{"encoding-json", func(line []byte, ev *Event) error { *ev = Event{}; return json.Unmarshal(line, ev) }},
		{"decoder", new(Decoder).Decode},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var ev Event
			for i := 0; b.Loop(); i++ {
				if err := c.decode(lines[i%len(lines)], &ev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// TestPlainStops: the word test marks the first byte that is not plain
// ASCII, and none when all are, for every byte value at every position
// among plain bytes and next to a control byte, and in random words.
func TestPlainStops(t *testing.T) {
	want := func(b []byte) (marks uint64) {
		for i, c := range b {
			if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
				marks |= 0x80 << (8 * i)
			}
		}
		return marks
	}
	// the first mark, the one the scan uses (0 for none)
	first := func(marks uint64) uint64 { return marks & -marks }
	check := func(b []byte) {
		if got := plainStops(binary.LittleEndian.Uint64(b)); first(got) != first(want(b)) {
			t.Fatalf("plainStops(%q) = %#x, want the first mark of %#x", b, got, want(b))
		}
	}
	for pos := range 8 {
		for c := range 256 {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			check(b)
			b[(pos+3)%8] = 0x1f // a control byte elsewhere: a borrow to carry
			check(b)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], rng.Uint64())
		check(b[:])
	}
}

// TestDecoderReusesArgs: decoding every stored line into one Event, as the
// replay does, gives what decoding each into a new one gives.
func TestDecoderReusesArgs(t *testing.T) {
	// arguments read field by field into elements an earlier line's
	// arguments filled: a field the line leaves out must not keep theirs
	partial := [][]byte{
		[]byte(`{"eventName":"openat","args":[{"name":"dirfd","type":"int","value":-100},{"name":"pathname","type":"const char*","value":"/etc/shadow"},{"name":"flags","type":"int","value":0}]}`),
		[]byte(`{"eventName":"openat","args":[{"name":"dirfd","type":"int"},{"type":"const char*","name":"pathname"},{"value":7}]}`),
	}
	var d Decoder
	var reused Event
	for _, line := range append(storedLines(t), partial...) {
		var fresh Event
		freshErr := new(Decoder).Decode(line, &fresh)
		err := d.Decode(line, &reused)
		checkParsedIntegers(t, &fresh)
		checkParsedIntegers(t, &reused)
		if (err == nil) != (freshErr == nil) || !reflect.DeepEqual(fresh, reused) {
			t.Fatalf("%s\nnew Event: %#v (%v)\nreused:    %#v (%v)", line, fresh, freshErr, reused, err)
		}
	}
}

// TestDecoderReusesContainers: the arrays and maps of arguments' values
// are the Decoder's, kept from line to line (see Decode): an exec's line
// (argv, env) or a connect's (a socket address) read again after itself
// allocates nothing, its strings and numbers being known already, and each
// line after another still gives what encoding/json gives.
func TestDecoderReusesContainers(t *testing.T) {
	var lines [][]byte
	for _, line := range readMixedStream(t) {
		if bytes.Contains(line, []byte(`"eventName":"sched_process_exec"`)) || bytes.Contains(line, []byte(`"eventName":"connect"`)) {
			lines = append(lines, line)
		}
	}
	if len(lines) < 100 {
		t.Fatalf("%d lines of execs and connects in the mixed stream", len(lines))
	}
	var d Decoder
	var ev Event
	for _, line := range lines[:100] {
		sameAsEncodingJSON(t, &d, line)
		allocs := testing.AllocsPerRun(10, func() {
			if err := d.Decode(line, &ev); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Fatalf("%s\n%v allocations, want 0", line, allocs)
		}
	}
}

// TestDecoderKeepsLittle: what a Decoder keeps between lines holds no
// value of an earlier line past the current one's, and a large line's
// arrays are not kept; every line still decodes as encoding/json does.
func TestDecoderKeepsLittle(t *testing.T) {
	var exec []byte
	for _, line := range readMixedStream(t) {
		if bytes.Contains(line, []byte(`"eventName":"sched_process_exec"`)) && bytes.Contains(line, []byte(`"--flag"]`)) {
			exec = line
			break
		}
	}
	if exec == nil {
		t.Fatal("no exec with an argv ending in --flag in the mixed stream")
	}
	// withArgv is exec with n more entries at the end of its argv
	withArgv := func(n int) []byte {
		more := strings.Repeat(`,"more"`, n)
		return bytes.Replace(exec, []byte(`"--flag"]`), []byte(`"--flag"`+more+`]`), 1)
	}
	var d Decoder
	sameAsEncodingJSON(t, &d, withArgv(6))
	var was []int
	for _, s := range d.containers.arrayList {
		was = append(was, len(*s))
	}
	sameAsEncodingJSON(t, &d, withArgv(0))
	for i, s := range d.containers.arrayList {
		for j, v := range (*s)[len(*s):was[i]] {
			if v != nil {
				t.Errorf("array %d keeps %q past its length (at %d)", i, v, len(*s)+j)
			}
		}
	}

	sameAsEncodingJSON(t, &d, withArgv(100*keptElems))
	capacity := 0
	for _, s := range d.containers.arrayList {
		capacity = max(capacity, cap(*s))
	}
	if capacity > 2*keptElems {
		t.Errorf("a kept array has room for %d elements after a line of %d, want at most %d", capacity, 100*keptElems, 2*keptElems)
	}
	sameAsEncodingJSON(t, &d, withArgv(3))
}

// TestBoxedNumberIsOneObject: a new integer's json.Number, boxed, equals
// the conversion's, at the shortest and longest texts, and is one
// allocation.
func TestBoxedNumberIsOneObject(t *testing.T) {
	for _, text := range []string{"0", "-1", "4026531841", "-9223372036854775808", "18446744073709551615"} {
		b := []byte(text)
		v := boxedNumber(b)
		b[0] = 'x' // the number keeps its own bytes
		if v != any(json.Number(text)) {
			t.Errorf("%q: %#v", text, v)
		}
		if allocs := testing.AllocsPerRun(100, func() { v = boxedNumber([]byte(text)) }); allocs != 1 {
			t.Errorf("%q: %v allocations, want 1", text, allocs)
		}
	}
}

// TestKnownHandsOutValuesAgain: a value is built once while it keeps its
// slot, and a table full of other values still gives equal ones.
func TestKnownHandsOutValuesAgain(t *testing.T) {
	var k known
	first := k.get([]byte("/usr/bin/git"), boxString).(string)
	again := k.get([]byte("/usr/bin/git"), boxString).(string)
	if again != "/usr/bin/git" || unsafe.StringData(again) != unsafe.StringData(first) {
		t.Errorf("the value was built again: %q at %p, then %p", again, unsafe.StringData(first), unsafe.StringData(again))
	}
	for i := range 4 * knownSlots {
		if got := k.get([]byte(strconv.Itoa(i)), boxNumber); got != json.Number(strconv.Itoa(i)) {
			t.Fatalf("value %d: %#v", i, got)
		}
	}
	if got := k.get([]byte("/usr/bin/git"), boxString); got != "/usr/bin/git" {
		t.Errorf("after the table filled: %#v", got)
	}
	long := bytes.Repeat([]byte("a"), maxKnownLen+1)
	if a, b := k.get(long, boxString).(string), k.get(long, boxString).(string); a != string(long) || unsafe.StringData(a) == unsafe.StringData(b) {
		t.Errorf("a value longer than maxKnownLen was kept")
	}
}

// TestDecoderReadsEveryField: each key of Event, and each key of the
// structs in it, alone in a line, is decoded by the fast path as
// json.Unmarshal decodes it. A field added to Event (or File, Container...)
// without a case in the Decoder's switch fails here: its key is among the
// names skipField leaves to the slow path.
func TestDecoderReadsEveryField(t *testing.T) {
	var full Event
	fillEvery(reflect.ValueOf(&full).Elem())
	encoded, err := json.Marshal(&full)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(encoded, &top); err != nil {
		t.Fatal(err)
	}
	if n := reflect.TypeFor[Event]().NumField(); len(top) != n || len(eventKeys) != n {
		t.Fatalf("Event has %d fields; %d keys encoded, %d in eventKeys", n, len(top), len(eventKeys))
	}
	var lines []string
	for key, value := range top {
		lines = append(lines, fmt.Sprintf(`{%q:%s}`, key, value))
		// each key inside an object, or inside the objects of an array, alone
		var inner map[string]json.RawMessage
		var elems []map[string]json.RawMessage
		switch {
		case json.Unmarshal(value, &inner) == nil:
			for k, v := range inner {
				lines = append(lines, fmt.Sprintf(`{%q:{%q:%s}}`, key, k, v))
			}
		case json.Unmarshal(value, &elems) == nil && len(elems) == 1:
			for k, v := range elems[0] {
				lines = append(lines, fmt.Sprintf(`{%q:[{%q:%s}]}`, key, k, v))
			}
		}
	}
	var d Decoder
	for _, line := range lines {
		sameAsEncodingJSON(t, &d, []byte(line))
		var ev Event
		if err := d.decodeFast([]byte(line), &ev); err != nil {
			t.Errorf("%s left to encoding/json: the Decoder has no case for a key", line)
		}
	}
}

// fillEvery sets every field reachable from v to a value other than its
// zero, so that json.Marshal writes each key, omitempty or not.
func fillEvery(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() { // encoding/json's
				fillEvery(v.Field(i))
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillEvery(v.Index(0))
	case reflect.String:
		v.SetString("s")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Interface:
		v.Set(reflect.ValueOf("s"))
	default:
		panic("fillEvery: no value for a " + v.Kind().String())
	}
}

// TestCatalogIsPlain: the catalog's argument names and types, which the
// Decoder compares in place with a line's strings (strAs), are plain:
// valid UTF-8 without '"', '\\' or control bytes, whose JSON strings are
// themselves between quotes.
func TestCatalogIsPlain(t *testing.T) {
	plain := func(s string) bool {
		return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' })
	}
	for _, ev := range catalog.Events() {
		for _, a := range ev.Args {
			if !plain(a.Name) || !plain(a.Type) {
				t.Errorf("%s: argument %q of type %q is not plain", ev.Name, a.Name, a.Type)
			}
		}
	}
}

// TestSlotsSpreadValuesDifferingInTheMiddle: values alike at both ends
// (one file name in many packages) take different slots, so that a stream
// alternating between them is not a miss, and an allocation, each time.
func TestSlotsSpreadValuesDifferingInTheMiddle(t *testing.T) {
	slots := map[uint64]bool{}
	const n = 200
	for i := range n {
		slots[slotOf(fmt.Appendf(nil, "/app/node_modules/package-%03d/lib/index.js", i))] = true
	}
	// 200 values into 4096 slots at random collide some 5 times
	if len(slots) < n-20 {
		t.Errorf("%d values took %d slots", n, len(slots))
	}
}

// TestScanSlotsAsSlotOf: the slot rawString computes while it scans a
// string is slotOf's of the string, whatever its length, its place in the
// line and the way it was scanned (by words, or by bytes near the end of
// the line and past a non-ASCII byte).
func TestScanSlotsAsSlotOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 50 {
		for _, tail := range []string{"", ",", `,"k":0}` + strings.Repeat(" ", 20)} {
			for _, nonASCII := range []bool{false, true} {
				s := make([]byte, n)
				for i := range s {
					s[i] = byte('a' + rng.IntN(26))
				}
				if nonASCII && n > 0 {
					copy(s[rng.IntN(n):], "é") // cut at the end: invalid, skipped below
				}
				line := []byte(`"` + string(s) + `"` + tail)
				d := Decoder{data: line}
				got, ok := d.rawString()
				if !ok {
					continue // a cut é: the slow path's
				}
				if !bytes.Equal(got, s) || d.strSlot != slotOf(s) {
					t.Fatalf("%q: rawString gave %q, slot %d; slotOf %d", line, got, d.strSlot, slotOf(s))
				}
			}
		}
	}
}

// TestArgsOfByAddress: argsOf gives each event the catalog's arguments,
// whichever string spells its name, the one it kept (the same address
// again) or another with the same text, in any order, so that names
// share slots; and an event the catalog lacks none.
func TestArgsOfByAddress(t *testing.T) {
	var d Decoder
	events := catalog.Events()
	kept := make([]string, len(events))
	for i, ev := range events {
		kept[i] = strings.Clone(ev.Name)
	}
	check := func(name string) {
		t.Helper()
		got, want := d.argsOf(name), expectedArgs[name]
		if len(got) != len(want) || len(want) > 0 && &got[0] != &want[0] {
			t.Fatalf("argsOf(%q) = %d arguments, not the catalog's %d", name, len(got), len(want))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		for _, i := range rng.Perm(len(events)) {
			check(kept[i])
			check(strings.Clone(kept[i]))
			check(kept[i] + "_unknown")
		}
	}
}

// TestDecoderExpectsWhatLinesRepeat: the values a Decoder expects of a
// line's strings from the lines before (a process's name and executable
// that are those last read with its pid; an event name that is the one
// last read with its event id; a syscall that is the event's name, or
// the last syscall; a container's id that is the event's containerId, or
// the last container's fields) are taken only when the line holds them:
// in any sequence of lines that keep, change, drop and reorder them, each
// line decodes to json.Unmarshal's event.
func TestDecoderExpectsWhatLinesRepeat(t *testing.T) {
	// each field's values, pids and event ids that share a slot among them
	fields := [][]string{
		{`"hostProcessId":7`, `"hostProcessId":1031`, `"hostProcessId":-7`, `"hostProcessId":null`},
		{`"processName":"bash"`, `"processName":"sh"`, `"processName":""`},
		{`"executable":{"path":"/usr/bin/bash"}`, `"executable":{"path":"/bin/sh"}`, `"executable":{}`},
		{`"eventId":"257"`, `"eventId":"1281"`, `"eventId":"-1"`},
		{`"eventName":"openat"`, `"eventName":"security_file_open"`, `"eventName":"open"`},
		{`"syscall":"openat"`, `"syscall":"execve"`, `"syscall":""`, `"syscall":null`},
		{`"containerId":"c1"`, `"containerId":"c2"`, `"containerId":""`},
		{`"container":{}`, `"container":{"id":"c1","name":"app","image":"app:1.0"}`,
			`"container":{"id":"c2","name":"app","image":"app:1.1"}`, `"container":{"id":"c1","name":"web"}`,
			`"container":{"image":"app:1.0","id":"c1"}`},
		{`"contextFlags":{"containerStarted":false,"isCompat":false}`, `"contextFlags":{"containerStarted":true,"isCompat":false}`,
			`"contextFlags":{"containerStarted":false,"isCompat":true}`, `"contextFlags":{"containerStarted":true,"isCompat":true}`,
			`"contextFlags":{"isCompat":true,"containerStarted":false}`, `"contextFlags":{"containerStarted":false}`,
			`"contextFlags":{ "containerStarted":true,"isCompat":false}`, `"contextFlags":null`, `"contextFlags":{"containerStarted":false,"isCompat":false,"x":1}`},
	}
	var d Decoder
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		// Tracee's order of the fields, mostly, or another
		order := make([]int, len(fields))
		for i := range order {
			order[i] = i
		}
		if rng.IntN(4) == 0 {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		var kv []string
		for _, i := range order {
			kv = append(kv, fields[i][rng.IntN(len(fields[i]))])
		}
		sameAsEncodingJSON(t, &d, []byte("{"+strings.Join(kv, ",")+"}"))
	}
}
