package pdataslab

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/internal/encodingtest"
)

// TestLayoutOfPinnedPdata fails when a pdata upgrade changes the layout
// this package relies on: the slab would then allocate per value again,
// silently.
func TestLayoutOfPinnedPdata(t *testing.T) {
	require.True(t, Supported(), "pdata's internal layout is not the one expected: update this package for the new version")
}

// logsOf writes the same attributes and body with the slab or with pdata's
// setters.
func logsOf(s *Slab, records int) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range records {
		lr := lrs.AppendEmpty()
		m := lr.Attributes()
		if s == nil {
			m.PutInt("i", int64(i))
			m.PutStr("s", "v")
			m.PutBool("b", i%2 == 0)
			m.PutInt("i", -int64(i)) // put again: replaced, not added
			lr.Body().SetStr("body")
			continue
		}
		s.PutInt(m, "i", int64(i))
		s.PutStr(m, "s", "v")
		s.PutBool(m, "b", i%2 == 0)
		s.PutInt(m, "i", -int64(i))
		s.SetStr(lr.Body(), "body")
	}
	return ld
}

// TestValuesAreThoseOfPdata: what the slab writes reads, compares and
// marshals as what pdata's own setters write.
func TestValuesAreThoseOfPdata(t *testing.T) {
	const records = 600 // past several arrays of each type
	want, got := logsOf(nil, records), logsOf(&Slab{}, records)
	lr := got.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(7)
	assert.Equal(t, map[string]any{"i": int64(-7), "s": "v", "b": false}, lr.Attributes().AsRaw())
	v, _ := lr.Attributes().Get("i")
	assert.Equal(t, pcommon.ValueTypeInt, v.Type())
	assert.Equal(t, "body", lr.Body().Str())

	encodingtest.AssertSame(t, want, got)
}

// TestValuesAreIndependent: values sharing an array are still separate
// values; setting, copying or removing one leaves the others as they were.
func TestValuesAreIndependent(t *testing.T) {
	var s Slab
	a, b := pcommon.NewMap(), pcommon.NewMap()
	s.PutInt(a, "n", 1)
	s.PutInt(b, "n", 2)
	s.PutStr(a, "s", "x")
	s.PutStr(b, "s", "y")
	s.PutBool(a, "f", true)
	s.PutBool(b, "f", false)

	va, _ := a.Get("n")
	va.SetInt(10)
	vs, _ := a.Get("s")
	vs.SetStr("changed")
	vf, _ := a.Get("f")
	vf.SetBool(false)
	a.PutStr("n", "now a string") // the type changes
	assert.Equal(t, map[string]any{"n": int64(2), "s": "y", "f": false}, b.AsRaw())

	c := pcommon.NewMap()
	b.CopyTo(c)
	vc, _ := c.Get("n")
	vc.SetInt(3)
	assert.Equal(t, map[string]any{"n": int64(2), "s": "y", "f": false}, b.AsRaw())
	assert.Equal(t, map[string]any{"n": int64(3), "s": "y", "f": false}, c.AsRaw())
	b.Remove("s")
	assert.Equal(t, map[string]any{"n": int64(3), "s": "y", "f": false}, c.AsRaw())
}

// TestValuesShareArrays: a writer of many values allocates per array, not
// per value.
func TestValuesShareArrays(t *testing.T) {
	var s Slab
	m := pcommon.NewMap()
	m.EnsureCapacity(3)
	allocs := testing.AllocsPerRun(1000, func() {
		m.Clear()
		m.EnsureCapacity(3)
		s.PutInt(m, "i", 1)
		s.PutStr(m, "s", "v")
		s.PutBool(m, "b", true)
	})
	// the map's array, and a share of three arrays of 256
	assert.Less(t, allocs, 1.1)
}

// TestMapsShareArrays: maps given their room from a shared array hold
// what pdata's would, grow past their room without touching the next map's,
// and take one allocation per array, not per map.
func TestMapsShareArrays(t *testing.T) {
	var s Slab
	maps := make([]pcommon.Map, 3)
	for i := range maps {
		maps[i] = pcommon.NewMap()
		s.EnsureCapacity(maps[i], 2)
		s.PutInt(maps[i], "a", int64(i))
		s.PutStr(maps[i], "b", "x")
	}
	maps[0].PutStr("c", "past its room")
	maps[0].PutInt("d", 4)
	maps[1].Remove("a")
	assert.Equal(t, map[string]any{"a": int64(0), "b": "x", "c": "past its room", "d": int64(4)}, maps[0].AsRaw())
	assert.Equal(t, map[string]any{"b": "x"}, maps[1].AsRaw())
	assert.Equal(t, map[string]any{"a": int64(2), "b": "x"}, maps[2].AsRaw())

	want := pcommon.NewMap()
	want.PutInt("a", 2)
	want.PutStr("b", "x")
	assert.True(t, want.Equal(maps[2]))

	allocs := testing.AllocsPerRun(wrappers.pairs.max, func() {
		m := pcommon.NewMap()
		s.EnsureCapacity(m, 2)
		s.PutInt(m, "a", 1)
		s.PutStr(m, "b", "x")
	})
	// NewMap's own two, and shares of the arrays
	assert.Less(t, allocs, 2.1)
}

// TestArraysUnderCollection fills arrays to their last element many times
// while the garbage collector runs and keeps some of the maps: a pointer
// left past an array's end, or a value written outside its array, shows as
// a runtime fatal error or a changed value.
func TestArraysUnderCollection(t *testing.T) {
	var s Slab
	var kept []pcommon.Map
	underCollection(func(i int) {
		m := pcommon.NewMap()
		s.EnsureCapacity(m, 8) // divides every array's size: each is filled exactly
		for k := range 8 {
			if k%2 == 0 {
				s.PutInt(m, string(rune('a'+k)), int64(i))
			} else {
				s.AddInt(m, string(rune('a'+k)), int64(i))
			}
		}
		s.AddStr(m, "s", "x") // one past the room
		if i%97 == 0 {
			kept = append(kept, m)
		}
	})
	for j, m := range kept {
		v, _ := m.Get("h")
		require.Equal(t, int64(j*97), v.Int())
		require.Equal(t, 9, m.Len())
	}
}

// underCollection runs step 20,000 times, the collector running every
// 1,000 steps and once at the end.
func underCollection(step func(i int)) {
	for i := range 20000 {
		step(i)
		if i%1000 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
}

func TestReadOnlyMapStillPanics(t *testing.T) {
	logs := plog.NewLogs()
	attrs := logs.ResourceLogs().AppendEmpty().Resource().Attributes()
	logs.MarkReadOnly()
	var s Slab
	assert.Panics(t, func() { s.EnsureCapacity(attrs, 4) }, "a read-only map given room out of the slab")
	assert.Equal(t, 0, attrs.Len())
}

// addedLogs writes records of the same attributes with pdata's setters
// (add nil) or with add, which adds the attributes with a Slab.
func addedLogs(records int, add func(m pcommon.Map, i int)) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range records {
		m := lrs.AppendEmpty().Attributes()
		if add != nil {
			add(m, i)
			continue
		}
		m.PutInt("i", int64(i))
		m.PutStr("s", "v")
		m.PutBool("b", i%2 == 0)
		m.PutEmptySlice("l").AppendEmpty().SetStr("x")
	}
	return ld
}

// TestAddedAreThoseOfPdata: attributes added without the key search
// marshal, in proto and JSON, byte for byte as pdata's setters write them,
// whatever room the map has: the slab's, pdata's own with what a removal
// left past its length, none (pdata's setters then grow it), or a nil
// slab's.
func TestAddedAreThoseOfPdata(t *testing.T) {
	const records = 600 // past several arrays of each type
	addAll := func(s *Slab, m pcommon.Map, i int) {
		s.AddInt(m, "i", int64(i))
		s.AddStr(m, "s", "v")
		s.AddBool(m, "b", i%2 == 0)
		s.AddEmpty(m, "l").SetEmptySlice().AppendEmpty().SetStr("x")
	}
	want := addedLogs(records, nil)
	// the same attributes, with "i" and "j" written by Ints
	wantInts := addedLogs(records, func(m pcommon.Map, i int) {
		m.PutInt("i", int64(i))
		m.PutInt("j", -int64(i))
		m.PutStr("s", "v")
	})
	addInts := func(s *Slab, m pcommon.Map, i int) {
		w := s.Adding(m)
		w.Ints([]string{"i", "j"}, []int64{int64(i), -int64(i)})
		w.Str("s", "v")
	}
	for name, add := range map[string]func(s *Slab, m pcommon.Map, i int){
		"slab's room": func(s *Slab, m pcommon.Map, i int) {
			s.EnsureCapacity(m, 4)
			addAll(s, m, i)
		},
		"room left by a removal": func(s *Slab, m pcommon.Map, i int) {
			m.EnsureCapacity(5)
			m.PutStr("gone", "stale")
			m.PutInt("i", 99)
			require.True(t, m.Remove("gone")) // the last pair stays past the length
			require.True(t, m.Remove("i"))
			addAll(s, m, i)
		},
		"past the room": func(s *Slab, m pcommon.Map, i int) {
			s.EnsureCapacity(m, 2)
			addAll(s, m, i)
		},
		"no room": addAll,
		"a writer made again for each (AddingAgain)": func(s *Slab, m pcommon.Map, i int) {
			s.EnsureCapacity(m, 4)
			s.Adding(m).Int("i", int64(i))
			s.AddingAgain(m).Str("s", "v")
			s.AddingAgain(m).Bool("b", i%2 == 0)
			s.AddingAgain(m).Empty("l").SetEmptySlice().AppendEmpty().SetStr("x")
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := &Slab{}
			got := addedLogs(records, func(m pcommon.Map, i int) { add(s, m, i) })
			encodingtest.AssertSame(t, want, got)
			s = nil
			got = addedLogs(records, func(m pcommon.Map, i int) { add(s, m, i) })
			encodingtest.AssertSame(t, want, got)
		})
	}
	// Ints with room for both (past several arrays of integers, a run
	// never split between two), for one only, and for none
	for room := range 4 {
		t.Run(fmt.Sprintf("Ints, room for %d", room), func(t *testing.T) {
			s := &Slab{}
			got := addedLogs(records, func(m pcommon.Map, i int) {
				s.EnsureCapacity(m, room)
				addInts(s, m, i)
			})
			encodingtest.AssertSame(t, wantInts, got)
		})
	}
}

// TestAddsWithoutSearching: an added key is appended, not looked up, so
// adding one twice holds it twice (what callers must never do): the proof
// that the search is gone, and why keys must be distinct by construction.
func TestAddsWithoutSearching(t *testing.T) {
	var s Slab
	m := pcommon.NewMap()
	s.EnsureCapacity(m, 2)
	s.AddInt(m, "k", 1)
	s.AddInt(m, "k", 2)
	assert.Equal(t, 2, m.Len())
}

func TestReadOnlyMapPanicsOnAdd(t *testing.T) {
	logs := plog.NewLogs()
	attrs := logs.ResourceLogs().AppendEmpty().Resource().Attributes()
	attrs.EnsureCapacity(4)
	logs.MarkReadOnly()
	var s Slab
	assert.Panics(t, func() { s.AddInt(attrs, "k", 1) })
	assert.Panics(t, func() { s.AddEmpty(attrs, "k") })
	assert.Equal(t, 0, attrs.Len())
}

// TestArraysFillTheirSizeClass: an array of pairs, and one of records, is
// one object of exactly maxArrayBytes, the size class it is sized for (see
// maxArrayBytes): one element more, or a header not counted, and it would
// take the next class, with the room of that element and more wasted.
func TestArraysFillTheirSizeClass(t *testing.T) {
	for name, typ := range map[string]*arrayType{"pairs": &wrappers.pairs, "records": &recordTypes.records, "values": &containerTypes.values} {
		var a arrays
		a.take(typ, typ.max) // the first makes reflect's pointer type, kept
		bytes, objects := arrayAllocation(&a, typ)
		// Go's size classes decide this: on a Go whose table has no class
		// of maxArrayBytes, choose maxArrayBytes again from its table
		assert.Equal(t, uint64(maxArrayBytes), bytes, "the bytes of an array of %s (is maxArrayBytes a size class of this Go?)", name)
		assert.Equal(t, uint64(1), objects, "the objects of an array of %s", name)
		assert.Less(t, maxArrayBytes-mallocHeader-uintptr(typ.max)*typ.size, typ.size, "room for one more of %s", name)
	}
}

// TestBlocksAreSmallObjects: a block's array of values grows to fill
// maxBlockBytes, an object the collector marks by a bit in its span, and
// no more.
func TestBlocksAreSmallObjects(t *testing.T) {
	var b block[string]
	size := int(unsafe.Sizeof(""))
	for range 100 {
		b.take("s")
		assert.LessOrEqual(t, cap(b.array)*size, maxBlockBytes)
	}
	assert.Greater(t, (cap(b.array)+1)*size, maxBlockBytes, "the block grown to its most")
	run := b.takeRun(cap(b.array))
	assert.Len(t, run, cap(b.array), "a run of a whole block")
	assert.Equal(t, blockMax[int64](), 2*blockMax[string]())
}

// arrayAllocation returns the bytes and objects allocated for a new array
// of typ.max by a: the least of a few tries, since the counts are the
// process's and other goroutines allocate too (after
// TestReleasedRecordsStayOutOfHeldBatches, a window now and then counted 7
// objects more, whatever collection came before).
func arrayAllocation(a *arrays, typ *arrayType) (bytes, objects uint64) {
	bytes, objects = math.MaxUint64, math.MaxUint64
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		a.take(typ, typ.max)
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(a.array)
		bytes, objects = min(bytes, after.TotalAlloc-before.TotalAlloc), min(objects, after.Mallocs-before.Mallocs)
	}
	return bytes, objects
}
