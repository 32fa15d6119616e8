package vigil

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/catalog"
)

// TestValidUTF8AsEncodingJSON: ValidUTF8 gives what encoding/json writes
// for a string (what Tracee's JSON carries, and signatures see), and
// valid UTF-8 is left as it is.
func TestValidUTF8AsEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "/dev/null", "é/ü/✓/𝄞", "\xff", "a\xffb\xfe", "\xc3", "x\xc3(", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\x00\x01\n"} {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var want string
		require.NoError(t, json.Unmarshal(b, &want))
		got := ValidUTF8(s)
		assert.Equal(t, want, got, "%q", s)
		assert.True(t, utf8.ValidString(got), "%q", s)
	}
}

// TestIsASCII: a byte of 0x80 or more anywhere, in the words or the tail,
// makes a string not ASCII.
func TestIsASCII(t *testing.T) {
	for n := range 20 {
		s := []byte(strings.Repeat("a", n))
		assert.True(t, isASCII(string(s)), "%d bytes", n)
		for i := range s {
			for _, c := range []byte{0x80, 0xc3, 0xff} {
				s[i] = c
				assert.False(t, isASCII(string(s)), "%q", s)
				s[i] = 'a'
			}
		}
	}
}

// TestRecordStringsAreValidUTF8: every string a record and its resource
// get from a kernel's bytes is valid UTF-8, its invalid bytes replaced: an
// argument, the body it joins, argv, the process's executable and name.
func TestRecordStringsAreValidUTF8(t *testing.T) {
	def, ok := catalog.LookupEvent("security_bprm_check")
	require.True(t, ok)
	path, argv := "/tmp/we\"ird\xff\xfe", []string{"/tmp/we\"ird\xff\xfe", "ok", "\xc3"}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	WriteResource(rl.Resource().Attributes(), "host", &Process{PID: 1, Name: "we\"ird\xff", ExecutablePath: path}, argv)
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	var w RecordWriter
	w.Begin(lr, &RecordHeader{Def: def, Name: def.Name}, len(def.Args))
	w.ArgStr(def.ArgIndex("pathname"), path)
	w.ArgStrings(def.ArgIndex("argv"), argv)
	w.End()

	var strs []string
	var walk func(v pcommon.Value)
	walk = func(v pcommon.Value) {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			strs = append(strs, v.Str())
		case pcommon.ValueTypeSlice:
			for _, e := range v.Slice().All() {
				walk(e)
			}
		case pcommon.ValueTypeMap:
			for _, e := range v.Map().All() {
				walk(e)
			}
		}
	}
	for _, m := range []pcommon.Map{rl.Resource().Attributes(), lr.Attributes()} {
		for _, v := range m.All() {
			walk(v)
		}
	}
	walk(lr.Body())
	for _, s := range strs {
		assert.True(t, utf8.ValidString(s), "%q", s)
	}
	want := "/tmp/we\"ird\uFFFD\uFFFD"
	assert.Contains(t, strs, want, "the path, its bytes replaced")
	assert.Contains(t, strs, "\uFFFD", "argv's third")
	assert.Contains(t, strs, "we\"ird\uFFFD", "the process's name")
	assert.Equal(t, "security_bprm_check "+want, lr.Body().Str())
}
