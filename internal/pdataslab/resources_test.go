package pdataslab

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/internal/encodingtest"
)

func TestResourceLayoutOfPinnedPdata(t *testing.T) {
	require.True(t, resourceTypes.ok, "plog's layout is not the one expected: update this package for the new version")
}

// resourcesOf appends resources of one scope with appendResource and
// fills them alike, each with records records.
func resourcesOf(resources, records int, appendResource func(plog.ResourceLogsSlice) (plog.ResourceLogs, plog.ScopeLogs)) plog.Logs {
	ld := plog.NewLogs()
	for i := range resources {
		rl, sl := appendResource(ld.ResourceLogs())
		rl.Resource().Attributes().PutInt("process.pid", int64(i))
		sl.Scope().SetName("vigil")
		for j := range records {
			lr := sl.LogRecords().AppendEmpty()
			lr.SetTimestamp(1)
			lr.Attributes().PutInt("j", int64(j))
		}
	}
	return ld
}

func pdataResource(rls plog.ResourceLogsSlice) (plog.ResourceLogs, plog.ScopeLogs) {
	rl := rls.AppendEmpty()
	return rl, rl.ScopeLogs().AppendEmpty()
}

// TestResourcesAreThoseOfPdata: resources and scopes from the arrays
// marshal, in proto and JSON, byte for byte as pdata's own, with one
// record each and with several.
func TestResourcesAreThoseOfPdata(t *testing.T) {
	const resources = 300 // past several arrays
	for _, records := range []int{0, 1, 3} {
		want := resourcesOf(resources, records, pdataResource)
		var r Resources
		encodingtest.AssertSame(t, want, resourcesOf(resources, records, r.Append))
		var none *Resources
		encodingtest.AssertSame(t, want, resourcesOf(resources, records, none.Append))
	}
}

// TestRecordRoomIsThatOfPdata: records appended to a batch's resources in
// turn, each given room by Room first (a replay's resources, collecting a
// record at a time), marshal as pdata's own appends give them, within a
// block's room and past it; a resource's records outgrowing their room,
// or changed, leave the others' as they were.
func TestRecordRoomIsThatOfPdata(t *testing.T) {
	for _, records := range []int{1, 2, 5, 70} {
		byTurns := func(r *Resources, room bool) plog.Logs {
			ld := plog.NewLogs()
			var scopes []plog.ScopeLogs
			for i := range 40 {
				rl, sl := r.Append(ld.ResourceLogs())
				rl.Resource().Attributes().PutInt("process.pid", int64(i))
				scopes = append(scopes, sl)
			}
			for j := range records {
				for i, sl := range scopes {
					if room {
						r.Room(sl.LogRecords())
					}
					sl.LogRecords().AppendEmpty().Attributes().PutInt("j", int64(i*records+j))
				}
			}
			return ld
		}
		want := byTurns(nil, false)
		var r Resources
		got := byTurns(&r, true)
		encodingtest.AssertSame(t, want, got)

		first := got.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		first.AppendEmpty().Attributes().PutStr("past", "its room")
		first.At(0).Attributes().PutInt("j", -1)
		want.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().RemoveIf(func(plog.LogRecord) bool { return true })
		got.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().RemoveIf(func(plog.LogRecord) bool { return true })
		encodingtest.AssertSame(t, want, got)
	}
	// the growth of a resource's slice of records, 1 to 8: three arrays
	// with pdata's append, two blocks of slots with Room (its runs of 2
	// and 4 in the first, of 8 slots; 8 in the second), which the
	// batch's other resources share
	grow := func(room bool) float64 {
		return testing.AllocsPerRun(100, func() {
			var r Resources
			ld := plog.NewLogs()
			_, sl := r.Append(ld.ResourceLogs())
			for range 8 {
				if room {
					r.Room(sl.LogRecords())
				}
				sl.LogRecords().AppendEmpty()
			}
		})
	}
	assert.Equal(t, grow(false)-1, grow(true))
}

// TestResourcesAreIndependent: resources and scopes sharing arrays are
// still separate: a second scope appended to one (its slice of scopes
// outgrowing its slot), one removed, copied or changed, leave the others
// as they were.
func TestResourcesAreIndependent(t *testing.T) {
	var r Resources
	ld := resourcesOf(4, 1, r.Append)
	rls := ld.ResourceLogs()
	rls.At(1).ScopeLogs().AppendEmpty().Scope().SetName("second")
	rls.At(2).ScopeLogs().At(0).Scope().SetName("changed")
	copied := plog.NewResourceLogsSlice()
	rls.CopyTo(copied)
	copied.At(3).Resource().Attributes().PutInt("process.pid", 30)
	rls.RemoveIf(func(rl plog.ResourceLogs) bool {
		v, _ := rl.Resource().Attributes().Get("process.pid")
		return v.Int() == 0
	})
	rl, sl := r.Append(rls)
	rl.Resource().Attributes().PutInt("process.pid", 4)
	sl.Scope().SetName("vigil")

	var pids []int64
	var scopes [][]string
	for _, rl := range rls.All() {
		v, _ := rl.Resource().Attributes().Get("process.pid")
		pids = append(pids, v.Int())
		var names []string
		for _, sl := range rl.ScopeLogs().All() {
			names = append(names, sl.Scope().Name())
		}
		scopes = append(scopes, names)
	}
	assert.Equal(t, []int64{1, 2, 3, 4}, pids)
	assert.Equal(t, [][]string{{"vigil", "second"}, {"changed"}, {"vigil"}, {"vigil"}}, scopes)
	v, _ := copied.At(3).Resource().Attributes().Get("process.pid")
	assert.Equal(t, int64(30), v.Int())
	v, _ = rls.At(2).Resource().Attributes().Get("process.pid")
	assert.Equal(t, int64(3), v.Int())
}

// TestResourcesUnderCollection appends many resources while the collector
// runs, each batch with Resources of its own as a batcher has, keeping
// some: a resource or scope written outside its array, or an array
// collected while a resource in it lives, shows as a changed value or a
// runtime fatal error.
func TestResourcesUnderCollection(t *testing.T) {
	var r Resources
	var kept []plog.Logs
	ld := plog.NewLogs()
	underCollection(func(i int) {
		if i%50 == 0 {
			ld, r = plog.NewLogs(), Resources{}
		}
		rl, sl := r.Append(ld.ResourceLogs())
		rl.Resource().Attributes().PutInt("i", int64(i))
		sl.LogRecords().AppendEmpty().SetTimestamp(1)
		if i%97 == 0 {
			kept = append(kept, ld)
		}
	})
	for j, ld := range kept {
		i := j * 97
		rls := ld.ResourceLogs()
		require.Equal(t, 50, rls.Len(), "a kept batch is whole")
		rl := rls.At(i % 50)
		v, _ := rl.Resource().Attributes().Get("i")
		require.Equal(t, int64(i), v.Int())
		require.Equal(t, 1, rl.ScopeLogs().Len())
		require.Equal(t, 1, rl.ScopeLogs().At(0).LogRecords().Len())
	}
}

func TestReadOnlyResourcesStillPanic(t *testing.T) {
	logs := plog.NewLogs()
	logs.MarkReadOnly()
	var r Resources
	assert.Panics(t, func() { r.Append(logs.ResourceLogs()) })
	assert.Equal(t, 0, logs.ResourceLogs().Len())
}

// TestSizedResourcesAreThoseOfPdata: resources whose attributes AppendSized
// gave room for n, filled in turns (each resource's first attributes,
// then each one's second, ...) with one more than n (outgrowing the
// room), marshal as pdata's own given the same capacity; a nil Slab or a
// nil Resources, and room of none or past an array, as well.
func TestSizedResourcesAreThoseOfPdata(t *testing.T) {
	byTurns := func(n int, appendResource func(plog.ResourceLogsSlice, int) (plog.ResourceLogs, plog.ScopeLogs)) plog.Logs {
		ld := plog.NewLogs()
		var maps []pcommon.Map
		for range 60 { // past an array of pairs for n of 3 or more
			rl, sl := appendResource(ld.ResourceLogs(), n)
			sl.Scope().SetName("vigil")
			maps = append(maps, rl.Resource().Attributes())
		}
		for j := range n + 1 {
			for i, m := range maps {
				m.PutInt(fmt.Sprint("k", j), int64(i*(n+1)+j))
			}
		}
		return ld
	}
	for _, n := range []int{0, 1, 3, 17, wrappers.pairs.max + 1} {
		want := byTurns(n, func(rls plog.ResourceLogsSlice, n int) (plog.ResourceLogs, plog.ScopeLogs) {
			rl, sl := pdataResource(rls)
			rl.Resource().Attributes().EnsureCapacity(n)
			return rl, sl
		})
		var r Resources
		var values Slab
		encodingtest.AssertSame(t, want, byTurns(n, func(rls plog.ResourceLogsSlice, n int) (plog.ResourceLogs, plog.ScopeLogs) {
			return r.AppendSized(rls, &values, n)
		}))
		var none *Resources
		encodingtest.AssertSame(t, want, byTurns(n, func(rls plog.ResourceLogsSlice, n int) (plog.ResourceLogs, plog.ScopeLogs) {
			return none.AppendSized(rls, nil, n)
		}))
		rl, _ := r.AppendSized(plog.NewResourceLogsSlice(), &values, n)
		m := rl.Resource().Attributes()
		assert.Equal(t, n, (*mapLayout)(unsafe.Pointer(&m)).orig.cap, "the room given, n=%d", n)
	}
}
