package otlpjsonencodingextension

import (
	"math"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// FuzzByteIdenticalToPdata: whatever string, number and bytes go into a
// record, the output is pdata's, byte for byte, for the record and for its
// copy, whose keys (the same strings) are written from the key cache.
//
//	go test -run '^$' -fuzz FuzzByteIdenticalToPdata ./extension/otlpjsonencodingextension
func FuzzByteIdenticalToPdata(f *testing.F) {
	for _, s := range awkwardStrings {
		f.Add(s, s, int64(-1), 0.5, uint64(1), []byte(s))
	}
	f.Add("k", "v", int64(math.MinInt64), math.NaN(), uint64(math.MaxUint64), []byte{})
	f.Add("", "", int64(0), math.Copysign(0, -1), uint64(0), []byte(nil))
	f.Add("x", "y", int64(math.MaxInt64), 1e21, uint64(1), []byte{0xff})
	f.Add("x", "y", int64(7), 9.99e-7, uint64(2), []byte{0})
	f.Fuzz(func(t *testing.T, key, str string, n int64, x float64, ts uint64, raw []byte) {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr(key, str)
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(str)
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(ts))
		lr.SetSeverityText(key)
		lr.Body().SetStr(str)
		lr.Attributes().PutInt(key, n)
		lr.Attributes().PutDouble(str, x)
		lr.Attributes().PutEmptyBytes("raw").FromRaw(raw)
		lr.Attributes().PutEmptyMap(str).PutEmptySlice(key).AppendEmpty().SetStr(key)
		lr.SetEventName(str)
		lr.CopyTo(sl.LogRecords().AppendEmpty()) // the same keys again: written from the cache
		if want, got := string(pdataJSON(t, ld)), string(ourJSON(t, ld)); want != got {
			t.Fatalf("differs from pdata:\npdata: %q\nours:  %q", want, got)
		}
	})
}
