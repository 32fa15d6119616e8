package pdataslab

import (
	"iter"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/xpdata/pref"

	"github.com/vigil-sec/vigil/internal/encodingtest"
)

// poolingGate is pdata's alpha gate: with it, a batch the pipeline
// releases (pref.UnrefLogs) gives its records and values to sync.Pools
// that pdata's setters take from. A user may switch it on
// (--feature-gates=+pdata.useProtoPooling); docs/performance.md says why
// the distribution does not.
const poolingGate = "pdata.useProtoPooling"

// withPooling switches the gate on for the test.
func withPooling(t *testing.T) {
	require.NoError(t, featuregate.GlobalRegistry().Set(poolingGate, true))
	t.Cleanup(func() { require.NoError(t, featuregate.GlobalRegistry().Set(poolingGate, false)) })
}

// slabLogs writes records as the receiver does: attribute room, values,
// an array and a map value, and body out of s's arrays, each record told
// apart by from+i.
func slabLogs(s *Slab, from, records int) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range records {
		lr := s.AppendRecord(lrs)
		lr.SetEventName("kernel.security_file_open")
		m := lr.Attributes()
		s.EnsureCapacity(m, 5)
		s.AddInt(m, "i", int64(from+i))
		s.AddStr(m, "path", "/dev/null")
		s.AddBool(m, "compat", (from+i)%2 == 0)
		argv := s.SetEmptySlice(s.AddEmpty(m, "argv"), 2)
		s.AppendStr(argv, "cat")
		s.AppendInt(argv, int64(from+i))
		s.Adding(s.SetEmptyMap(s.AddEmpty(m, "addr"), 1)).Int("port", int64(from+i))
		s.SetStr(lr.Body(), "security_file_open /dev/null")
	}
	return ld
}

// addrs returns the addresses of the structs that all's wrappers (a
// pdata slice's All) wrap.
func addrs[W any](all iter.Seq2[int, W]) map[unsafe.Pointer]bool {
	addrs := map[unsafe.Pointer]bool{}
	for _, w := range all {
		addrs[(*wrapperLayout)(unsafe.Pointer(&w)).orig] = true
	}
	return addrs
}

// recordAddrs returns the addresses of ld's records (of its first scope).
func recordAddrs(ld plog.Logs) map[unsafe.Pointer]bool {
	return addrs(ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All())
}

// TestReleasedRecordsStayOutOfHeldBatches: with the pooling gate on, the
// records and values of a released batch, parts of the slab's shared
// arrays, are taken again by pdata for new records; a batch written from
// the same arrays and still held keeps every value it was written with,
// and so does the new batch.
func TestReleasedRecordsStayOutOfHeldBatches(t *testing.T) {
	withPooling(t)
	const records = 256 // several arrays of records, values and pairs
	var s Slab
	held := slabLogs(&s, 0, records)
	released := slabLogs(&s, records, records)
	want := plog.NewLogs()
	held.CopyTo(want)
	freed := recordAddrs(released)

	// as the service does when the last component holding it returns
	pref.MarkPipelineOwnedLogs(released)
	pref.UnrefLogs(released)
	require.Zero(t, released.LogRecordCount(), "the released batch is emptied into pdata's pools")

	// pdata's own records and setters take from the pools, the slab from
	// its arrays
	var plain *Slab
	again := slabLogs(plain, 2*records, records)
	reused := 0
	for addr := range recordAddrs(again) {
		if freed[addr] {
			reused++
		}
	}
	// (sync.Pool may drop what is put, more so under -race, but not all
	// of 256)
	require.Positive(t, reused, "pdata took none of the released records again: the test shows nothing")
	more := slabLogs(&s, 3*records, records)

	encodingtest.AssertSame(t, want, held)
	encodingtest.AssertSame(t, slabLogs(plain, 2*records, records), again)
	encodingtest.AssertSame(t, slabLogs(plain, 3*records, records), more)
}

// TestReleasedResourcesStayOutOfHeldBatches is the same for resources and
// their scopes: two batches from one Resources (a writer starts one a
// batch, but its arrays are shared all the same, and this is the worse
// case), one released and its resources taken again by pdata for new
// ones, the other held unchanged.
func TestReleasedResourcesStayOutOfHeldBatches(t *testing.T) {
	withPooling(t)
	const resources = 256 // several arrays of resources, scopes and slots
	var r Resources
	held := resourcesOf(resources, 1, r.Append)
	released := resourcesOf(resources, 2, r.Append)
	want := plog.NewLogs()
	held.CopyTo(want)
	freed := addrs(released.ResourceLogs().All())

	pref.MarkPipelineOwnedLogs(released)
	pref.UnrefLogs(released)
	require.Zero(t, released.ResourceLogs().Len(), "the released batch is emptied into pdata's pools")

	again := resourcesOf(resources, 3, pdataResource)
	reused := 0
	for addr := range addrs(again.ResourceLogs().All()) {
		if freed[addr] {
			reused++
		}
	}
	require.Positive(t, reused, "pdata took none of the released resources again: the test shows nothing")
	more := resourcesOf(resources, 1, r.Append)

	encodingtest.AssertSame(t, want, held)
	encodingtest.AssertSame(t, resourcesOf(resources, 3, pdataResource), again)
	encodingtest.AssertSame(t, resourcesOf(resources, 1, pdataResource), more)
}
