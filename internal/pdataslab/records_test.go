package pdataslab

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/internal/encodingtest"
)

func TestRecordLayoutOfPinnedPdata(t *testing.T) {
	require.True(t, recordTypes.ok, "plog's layout is not the one expected: update this package for the new version")
}

// recordsOf appends records with append and fills them alike.
func recordsOf(records int, appendRecord func(plog.LogRecordSlice) plog.LogRecord) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range records {
		lr := appendRecord(lrs)
		lr.SetEventName("kernel.openat")
		lr.SetTimestamp(1)
		lr.Attributes().PutInt("i", int64(i))
		lr.Body().SetStr("openat")
	}
	return ld
}

// TestRecordsAreThoseOfPdata: records from the slab's arrays marshal, in
// proto and JSON, byte for byte as pdata's own.
func TestRecordsAreThoseOfPdata(t *testing.T) {
	const records = 300 // past several arrays
	want := recordsOf(records, plog.LogRecordSlice.AppendEmpty)
	var s Slab
	encodingtest.AssertSame(t, want, recordsOf(records, s.AppendRecord))
	var none *Slab
	encodingtest.AssertSame(t, want, recordsOf(records, none.AppendRecord))
}

// TestRecordsAreIndependent: records sharing an array are still separate:
// setting, copying, removing or moving one leaves the others as they were.
func TestRecordsAreIndependent(t *testing.T) {
	var s Slab
	lrs := plog.NewLogRecordSlice()
	for i := range 4 {
		s.AppendRecord(lrs).Attributes().PutInt("i", int64(i))
	}
	lrs.At(1).Attributes().PutInt("i", 10)
	lrs.At(1).SetSeverityText("changed")
	copied := plog.NewLogRecordSlice()
	lrs.CopyTo(copied)
	copied.At(2).Attributes().PutInt("i", 20)
	lrs.RemoveIf(func(lr plog.LogRecord) bool { v, _ := lr.Attributes().Get("i"); return v.Int() == 0 })
	s.AppendRecord(lrs).Attributes().PutInt("i", 4)

	var got []int64
	for _, lr := range lrs.All() {
		v, _ := lr.Attributes().Get("i")
		got = append(got, v.Int())
	}
	assert.Equal(t, []int64{10, 2, 3, 4}, got)
	assert.Equal(t, "", lrs.At(1).SeverityText())
	v, _ := copied.At(2).Attributes().Get("i")
	assert.Equal(t, int64(20), v.Int())
	assert.Equal(t, 4, copied.Len())
}

// TestRecordsUnderCollection appends many records while the collector
// runs, keeping some: a record written outside its array, or an array
// collected while a record in it lives, shows as a changed value or a
// runtime fatal error.
func TestRecordsUnderCollection(t *testing.T) {
	var s Slab
	var kept []plog.LogRecordSlice
	underCollection(func(i int) {
		lrs := plog.NewLogRecordSlice()
		s.AppendRecord(lrs).SetTimestamp(1)
		s.AppendRecord(lrs).SetObservedTimestamp(2)
		lrs.At(1).SetSeverityText("x") // the second of the slice, maybe of another array
		lrs.At(0).Attributes().PutInt("i", int64(i))
		if i%97 == 0 {
			kept = append(kept, lrs)
		}
	})
	for j, lrs := range kept {
		v, _ := lrs.At(0).Attributes().Get("i")
		require.Equal(t, int64(j*97), v.Int())
		require.Equal(t, "x", lrs.At(1).SeverityText())
		require.Equal(t, 2, lrs.Len())
	}
}

func TestReadOnlyRecordsStillPanic(t *testing.T) {
	logs := plog.NewLogs()
	lrs := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	logs.MarkReadOnly()
	var s Slab
	assert.Panics(t, func() { s.AppendRecord(lrs) })
	assert.Equal(t, 0, lrs.Len())
}

// TestMovedRecordsAreThoseOfMoveTo: records moved with MoveRecord, from a
// slice of pdata's records and from one of the slab's, marshal as those
// LogRecord.MoveTo copies, and leave empty records in their places, which
// take new records' content without changing the moved ones.
func TestMovedRecordsAreThoseOfMoveTo(t *testing.T) {
	const records = 300 // past several arrays
	var written Slab
	for _, from := range []plog.LogRecordSlice{
		recordsOf(records, plog.LogRecordSlice.AppendEmpty).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords(),
		recordsOf(records, written.AppendRecord).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords(),
	} {
		want := plog.NewLogs()
		wantRecords := want.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		from.CopyTo(wantRecords)
		got := plog.NewLogs()
		gotRecords := got.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		var s Slab
		for i := range records {
			s.MoveRecord(from, i, gotRecords)
		}
		encodingtest.AssertSame(t, want, got)
		require.Equal(t, records, from.Len())
		for i, lr := range from.All() {
			require.Equal(t, plog.NewLogRecord(), lr, "record %d left behind", i)
			lr.Attributes().PutInt("i", -1)
		}
		encodingtest.AssertSame(t, want, got)
	}
}

func TestMoveRecordWithoutSlab(t *testing.T) {
	from := recordsOf(2, plog.LogRecordSlice.AppendEmpty).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	to := plog.NewLogRecordSlice()
	var none *Slab
	none.MoveRecord(from, 1, to)
	v, _ := to.At(0).Attributes().Get("i")
	assert.Equal(t, int64(1), v.Int())
	assert.Equal(t, plog.NewLogRecord(), from.At(1))
}

func TestReadOnlyRecordsStillPanicOnMove(t *testing.T) {
	logs := recordsOf(1, plog.LogRecordSlice.AppendEmpty)
	from := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	logs.MarkReadOnly()
	var s Slab
	to := plog.NewLogRecordSlice()
	assert.Panics(t, func() { s.MoveRecord(from, 0, to) })
	assert.Equal(t, 0, to.Len())
}
