package otlpjsonencodingextension

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/xpdata/entity"
)

// awkwardStrings need every escaping path: quotes and backslashes, named
// and \u00XX control bytes, DEL, multi-byte and invalid UTF-8, U+2028 (which
// only HTML-escaping writers touch), and runs longer than one word on
// either side of an escape.
var awkwardStrings = []string{
	"",
	"plain",
	"/usr/lib/x86_64-linux-gnu/libc.so.6",
	`say "hi" \ bye`,
	"tab\there\nnew\rline",
	"\x00\x01\x1f\x7f",
	"<script>&amp;</script>",
	"héllo wörld ✓ 日本語 🎉",
	"\xff\xfe invalid \xc3 utf8 \xed\xa0\x80",
	"line\u2028para\u2029",
	strings.Repeat("abcdefgh", 5) + "\"" + strings.Repeat("x", 13) + "\\",
	strings.Repeat("\n", 17),
}

func putEveryValue(m pcommon.Map) {
	for i, s := range awkwardStrings {
		m.PutStr("str."+s, s)
		m.PutStr(strings.Repeat("k", i), s)
	}
	for _, n := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64} {
		m.PutInt("int", n)
		m.PutEmptySlice("ints").AppendEmpty().SetInt(n)
	}
	doubles := m.PutEmptySlice("doubles")
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e-6, 9.99e-7, 1e-7, 123456789.125, 1e20, 1e21, -1e21, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		doubles.AppendEmpty().SetDouble(f)
	}
	m.PutDouble("double", 3.14159)
	m.PutBool("true", true)
	m.PutBool("false", false)
	m.PutEmptyBytes("bytes").FromRaw([]byte{0, 1, 2, 0xff, 0xfe})
	m.PutEmptyBytes("bytes.empty")
	m.PutEmpty("empty")
	m.PutEmptyMap("map.empty")
	m.PutEmptySlice("slice.empty")
	nested := m.PutEmptyMap("map")
	nested.PutStr("", "empty key")
	inner := nested.PutEmptySlice("slice")
	inner.AppendEmpty().SetStr("a\"b")
	inner.AppendEmpty()
	inner.AppendEmpty().SetEmptyMap().PutEmptySlice("deeper").AppendEmpty().SetBool(true)
	inner.AppendEmpty().SetEmptyBytes().FromRaw([]byte("x"))
}

// everyField sets every field of every level, some twice over with the
// zero values that must be left out.
func everyField() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	putEveryValue(rl.Resource().Attributes())
	rl.Resource().SetDroppedAttributesCount(3)
	refs := entity.ResourceEntityRefs(rl.Resource())
	host := refs.AppendEmpty()
	host.SetType("host")
	host.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	host.IdKeys().FromRaw([]string{"host.id", "host.\"name\""})
	host.DescriptionKeys().FromRaw([]string{"host.arch"})
	refs.AppendEmpty().DescriptionKeys().FromRaw([]string{"only description"})
	refs.AppendEmpty()

	sl := rl.ScopeLogs().AppendEmpty()
	sl.SetSchemaUrl("scope \"schema\"")
	sl.Scope().SetName("kernelevents")
	sl.Scope().SetVersion("0.1.0")
	sl.Scope().Attributes().PutStr("scope.attr", "v")
	sl.Scope().SetDroppedAttributesCount(1)

	full := sl.LogRecords().AppendEmpty()
	full.SetTimestamp(1_764_633_600_123_456_789)
	full.SetObservedTimestamp(math.MaxUint64)
	full.SetSeverityNumber(plog.SeverityNumberFatal4)
	full.SetSeverityText("FATAL\t4")
	full.Body().SetStr("body \"quoted\"")
	putEveryValue(full.Attributes())
	full.SetDroppedAttributesCount(math.MaxUint32)
	full.SetFlags(plog.DefaultLogRecordFlags.WithIsSampled(true))
	full.SetTraceID(pcommon.TraceID{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xff})
	full.SetSpanID(pcommon.SpanID{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1})
	full.SetEventName("security_file_open")

	sl.LogRecords().AppendEmpty() // every field zero: only "body"
	only := sl.LogRecords().AppendEmpty()
	only.SetEventName("only event name")
	neg := sl.LogRecords().AppendEmpty()
	neg.SetSeverityNumber(plog.SeverityNumber(-5))
	neg.SetFlags(0xffffffff)
	bodies := []func(pcommon.Value){
		func(v pcommon.Value) { v.SetInt(-42) },
		func(v pcommon.Value) { v.SetDouble(math.NaN()) },
		func(v pcommon.Value) { v.SetBool(false) },
		func(v pcommon.Value) { v.SetEmptyBytes().FromRaw([]byte("\x00body")) },
		func(v pcommon.Value) { putEveryValue(v.SetEmptyMap()) },
		func(v pcommon.Value) { v.SetEmptySlice().AppendEmpty().SetStr("x") },
	}
	for _, set := range bodies {
		set(sl.LogRecords().AppendEmpty().Body())
	}

	rl.ScopeLogs().AppendEmpty()    // empty scope, no records
	ld.ResourceLogs().AppendEmpty() // empty resource, no scopes
	onlyDropped := ld.ResourceLogs().AppendEmpty()
	onlyDropped.Resource().SetDroppedAttributesCount(9)
	onlyDropped.ScopeLogs().AppendEmpty().Scope().SetVersion("only version")
	entity.ResourceEntityRefs(ld.ResourceLogs().AppendEmpty().Resource()).AppendEmpty().SetType("only entity refs")
	return ld
}

func pdataJSON(t testing.TB, ld plog.Logs) []byte {
	t.Helper()
	want, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	require.NoError(t, err)
	return want
}

func ourJSON(t testing.TB, ld plog.Logs) []byte {
	t.Helper()
	got, err := (&jsonEncoding{}).MarshalLogs(ld)
	require.NoError(t, err)
	return got
}

func TestByteIdenticalToPdata(t *testing.T) {
	for name, ld := range map[string]plog.Logs{
		"no resources": plog.NewLogs(),
		"every field":  everyField(),
		"random":       randomLogs(rand.New(rand.NewPCG(1, 2)), 200),
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, string(pdataJSON(t, ld)), string(ourJSON(t, ld)))
		})
	}
}

func TestReadsBack(t *testing.T) {
	ld := everyField()
	got := ourJSON(t, ld)
	back, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(got)
	require.NoError(t, err)
	// NaN is not equal to itself, so compare what the records encode to.
	assert.Equal(t, string(got), string(ourJSON(t, back)))
	assert.Equal(t, ld.LogRecordCount(), back.LogRecordCount())
	tid := back.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).TraceID()
	assert.Equal(t, ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).TraceID(), tid)
}

func TestBufferSizedPerRecord(t *testing.T) {
	e := &jsonEncoding{}
	first, err := e.MarshalLogs(everyField())
	require.NoError(t, err)
	second, err := e.MarshalLogs(everyField())
	require.NoError(t, err)
	assert.Equal(t, string(first), string(second), "a second call must not see the first's bytes")
	assert.GreaterOrEqual(t, cap(second), len(second), "allocated from the hint at once")

	// Full batches after small ones: each buffer is sized from the
	// records' length, not the last batch's, so it is allocated once
	// rather than grown (and copied) from the small batch's size up.
	small := kernelBatch()
	kept := 0
	small.ResourceLogs().RemoveIf(func(plog.ResourceLogs) bool { kept++; return kept > 1 }) // 128 of 1,024 records
	full := kernelBatch()
	allocs := testing.AllocsPerRun(10, func() {
		_, err = e.MarshalLogs(small)
		require.NoError(t, err)
		_, err = e.MarshalLogs(full)
		require.NoError(t, err)
	})
	assert.Equal(t, 2.0, allocs, "one buffer per batch")

	// A batch of one large record does not teach its length per record:
	// the next full batch would be allocated many times its size.
	large := kernelBatch()
	kept = 0
	large.ResourceLogs().RemoveIf(func(plog.ResourceLogs) bool { kept++; return kept > 1 })
	records := large.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	seen := 0
	records.RemoveIf(func(plog.LogRecord) bool { seen++; return seen > 1 })
	large.ResourceLogs().At(0).Resource().Attributes().PutStr("process.env", strings.Repeat("x", 64<<10))
	require.Equal(t, 1, large.LogRecordCount())
	_, err = e.MarshalLogs(large)
	require.NoError(t, err)
	out, err := e.MarshalLogs(full)
	require.NoError(t, err)
	assert.LessOrEqual(t, cap(out), 2*len(out), "a full batch sized from a one-record batch")

	// Logs without records (resources only) still marshal.
	empty := plog.NewLogs()
	empty.ResourceLogs().AppendEmpty().Resource().Attributes().PutStr("k", "v")
	got, err := e.MarshalLogs(empty)
	require.NoError(t, err)
	assert.Equal(t, string(pdataJSON(t, empty)), string(got))
}

// randomLogs builds n records of random shape: what a kernel stream has
// (strings, ints, nested maps) and what it has not.
func randomLogs(r *rand.Rand, n int) plog.Logs {
	ld := plog.NewLogs()
	for n > 0 {
		rl := ld.ResourceLogs().AppendEmpty()
		randomMap(r, rl.Resource().Attributes(), 2)
		for range r.IntN(3) + 1 {
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(randomString(r))
			for range r.IntN(5) {
				lr := sl.LogRecords().AppendEmpty()
				lr.SetTimestamp(pcommon.Timestamp(r.Uint64() >> r.IntN(64)))
				lr.SetSeverityNumber(plog.SeverityNumber(r.IntN(25)))
				if r.IntN(2) == 0 {
					lr.SetEventName(randomString(r))
				}
				randomValue(r, lr.Body(), 1)
				randomMap(r, lr.Attributes(), 2)
				n--
			}
		}
	}
	return ld
}

func randomMap(r *rand.Rand, m pcommon.Map, depth int) {
	for range r.IntN(6) {
		randomValue(r, m.PutEmpty(randomString(r)), depth)
	}
}

func randomValue(r *rand.Rand, v pcommon.Value, depth int) {
	switch r.IntN(8) {
	case 0:
		v.SetStr(randomString(r))
	case 1:
		v.SetInt(int64(r.Uint64()))
	case 2:
		v.SetDouble(math.Float64frombits(r.Uint64()))
	case 3:
		v.SetBool(r.IntN(2) == 0)
	case 4:
		v.SetEmptyBytes().FromRaw([]byte(randomString(r)))
	case 5:
		if depth > 0 {
			randomMap(r, v.SetEmptyMap(), depth-1)
		}
	case 6:
		if depth > 0 {
			s := v.SetEmptySlice()
			for range r.IntN(4) {
				randomValue(r, s.AppendEmpty(), depth-1)
			}
		}
	}
}

func randomString(r *rand.Rand) string {
	b := make([]byte, r.IntN(40))
	for i := range b {
		if r.IntN(4) == 0 {
			b[i] = byte(r.Uint32()) // any byte, escapes and invalid UTF-8 included
		} else {
			b[i] = 'a' + byte(r.IntN(26))
		}
	}
	return string(b)
}

// The key openings are cached by the key's address and length and the
// value's type: keys that share an address but not a length (prefixes of
// one string), equal keys at different addresses, a key whose value changes
// type, keys needing escapes, the empty key, and more keys
// than the cache has slots (so they evict each other and come back) must
// all come out as pdata writes them, record after record.
func TestRepeatedKeysByteIdenticalToPdata(t *testing.T) {
	long := `process."quoted"\key` + "\n\x01" + strings.Repeat("k", 20)
	var many []string
	for i := range 3 * keySlots {
		many = append(many, fmt.Sprintf("key.%d", i))
	}
	ld := plog.NewLogs()
	records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for r := range 40 {
		a := records.AppendEmpty().Attributes()
		for n := len(long); n > 0; n -= 3 {
			a.PutInt(long[:n], int64(n)) // one address, many lengths
		}
		a.PutStr(strings.Clone("file.path"), "a") // same bytes, a new address each record
		a.PutStr("file.path", "b")
		a.PutStr("", "empty key")
		a.PutInt("", -7)
		switch r % 3 { // one key, its value's type changing
		case 0:
			a.PutStr("changing", "s")
		case 1:
			a.PutInt("changing", 1)
		default:
			a.PutDouble("changing", 1.5)
		}
		if r%10 == 9 { // every slot taken over, now and then
			for i := range many {
				a.PutBool(many[(i+r*7)%len(many)], i%2 == 0)
			}
		}
		a.PutEmptyMap("nested").PutStr(long[:5], "inner") // the cache spans nesting levels
	}
	assert.Equal(t, string(pdataJSON(t, ld)), string(ourJSON(t, ld)))
}

// Strings are tested for escapes a word at a time, with the last word
// overlapping the one before: a byte to escape (or one that must not be,
// such as DEL and bytes of invalid UTF-8) at every position of strings of
// every length up to five words, as key, attribute value and body. Each
// string is a key of two records, the second's from the cache.
func TestEscapeAtEveryPosition(t *testing.T) {
	ld := plog.NewLogs()
	records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for n := range 41 {
		for pos := range n {
			var strs []string
			for _, c := range []byte{0x00, 0x08, '\t', '\n', '\r', 0x1f, ' ', '"', '/', '\\', 0x7f, 0x80, 0xc3, 0xff} {
				s := []byte(strings.Repeat("a", n))
				s[pos] = c
				strs = append(strs, string(s))
			}
			for range 2 {
				lr := records.AppendEmpty()
				for _, s := range strs {
					lr.Attributes().PutStr(s, s)
					lr.Body().SetStr(s)
				}
			}
		}
	}
	assert.Equal(t, string(pdataJSON(t, ld)), string(ourJSON(t, ld)))
}

// Keys decoded from protobuf are strings of their own, record by record:
// the cache fills without serving and turns itself off, and the output
// stays pdata's either way. The receiver's constant keys keep it on.
func TestKeyCacheOffForUnsharedKeys(t *testing.T) {
	shared := kernelBatch()
	buf, err := (&plog.ProtoMarshaler{}).MarshalLogs(shared)
	require.NoError(t, err)
	decoded, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(buf)
	require.NoError(t, err)
	for name, c := range map[string]struct {
		ld  plog.Logs
		off bool
	}{"shared keys": {shared, false}, "decoded keys": {decoded, true}} {
		t.Run(name, func(t *testing.T) {
			var e encoder
			got := e.appendLogs(nil, c.ld)
			assert.Equal(t, string(pdataJSON(t, c.ld)), string(got))
			assert.Equal(t, c.off, e.off)
			if !c.off {
				assert.Greater(t, e.hits, 1000*12, "about every record's keys from the cache")
			}
		})
	}
}
