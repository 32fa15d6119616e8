package pdataslab

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/vigil-sec/vigil/internal/encodingtest"
)

// containerLogs writes records holding an array of n strings, one of n
// integers and a map of n attributes, each given room for n: with a
// Slab's SetEmptySlice and SetEmptyMap, or with pdata's own (s nil).
func containerLogs(s *Slab, records, n int) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	keys := []string{"family", "addr", "port", "flow", "scope", "x", "y", "z"}
	for i := range records {
		m := lrs.AppendEmpty().Attributes()
		strs := s.SetEmptySlice(m.PutEmpty("argv"), n)
		ints := s.SetEmptySlice(m.PutEmpty("pids"), n)
		kv := s.SetEmptyMap(m.PutEmpty("addr"), n)
		w := s.Adding(kv)
		for j := range n {
			s.AppendStr(strs, keys[j%len(keys)])
			s.AppendInt(ints, int64(i*n+j))
			w.Str(keys[j%len(keys)]+string(rune('0'+j/len(keys))), keys[(i+j)%len(keys)])
		}
		m.PutStr("after", "x") // a pair written after the containers, in the same map
	}
	return ld
}

// TestContainersAreThoseOfPdata: array and map values given their room by
// the slab marshal, in proto and JSON, byte for byte as pdata's own, for
// no room, room within one array, room for past the most an array holds
// (pdata's own then), and past several arrays of each.
func TestContainersAreThoseOfPdata(t *testing.T) {
	for _, n := range []int{0, 1, 3, 8, containerTypes.values.max + 1} {
		records := 600
		if n > 8 {
			records = 3
		}
		encodingtest.AssertSame(t, containerLogs(nil, records, n), containerLogs(&Slab{}, records, n))
	}
	lr := containerLogs(&Slab{}, 2, 2).ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(1)
	assert.Equal(t, map[string]any{
		"argv":  []any{"family", "addr"},
		"pids":  []any{int64(2), int64(3)},
		"addr":  map[string]any{"family0": "addr", "addr0": "port"},
		"after": "x",
	}, lr.Attributes().AsRaw())
}

// TestContainersAreIndependent: arrays and maps whose room and lists
// share the slab's arrays are separate values: appending past one's room,
// setting, removing or copying leaves the others as they were.
func TestContainersAreIndependent(t *testing.T) {
	var s Slab
	a, b := pcommon.NewValueEmpty(), pcommon.NewValueEmpty()
	sa, sb := s.SetEmptySlice(a, 2), s.SetEmptySlice(b, 2)
	for _, sl := range []pcommon.Slice{sa, sb} {
		s.AppendStr(sl, "x")
		s.AppendStr(sl, "y")
	}
	sa.AppendEmpty().SetStr("past its room")
	sa.At(0).SetInt(7)
	assert.Equal(t, []any{int64(7), "y", "past its room"}, a.Slice().AsRaw())
	assert.Equal(t, []any{"x", "y"}, b.Slice().AsRaw())

	c, d := pcommon.NewValueEmpty(), pcommon.NewValueEmpty()
	mc, md := s.SetEmptyMap(c, 2), s.SetEmptyMap(d, 2)
	for _, m := range []pcommon.Map{mc, md} {
		w := s.Adding(m)
		w.Str("k", "v")
		w.Int("n", 1)
	}
	mc.PutStr("more", "past its room")
	mc.Remove("k")
	assert.Equal(t, map[string]any{"n": int64(1), "more": "past its room"}, c.Map().AsRaw())
	assert.Equal(t, map[string]any{"k": "v", "n": int64(1)}, d.Map().AsRaw())

	e := pcommon.NewValueEmpty()
	b.CopyTo(e)
	e.Slice().At(1).SetStr("changed")
	b.SetStr("no longer a slice") // its list is dropped, not reused
	assert.Equal(t, []any{"x", "changed"}, e.Slice().AsRaw())
	assert.Equal(t, map[string]any{"k": "v", "n": int64(1)}, d.Map().AsRaw())
}

// TestContainersShareArrays: an array value costs shares of the slab's
// arrays, not allocations of its own (pdata's: the wrapper, the list and
// the room, three).
func TestContainersShareArrays(t *testing.T) {
	var s Slab
	v := pcommon.NewValueEmpty()
	allocs := testing.AllocsPerRun(1000, func() {
		sl := s.SetEmptySlice(v, 4)
		for range 4 {
			s.AppendStr(sl, "arg")
		}
		m := s.SetEmptyMap(v, 2)
		s.Adding(m).Str("k", "v")
	})
	assert.Less(t, allocs, 0.5)
}

// TestContainersUnderCollection fills the arrays to their last element
// many times while the collector runs, keeping some values: a pointer
// left past an array's end, or a list written outside its element, shows
// as a runtime fatal error or a changed value.
func TestContainersUnderCollection(t *testing.T) {
	var s Slab
	var kept []pcommon.Value
	underCollection(func(i int) {
		v := pcommon.NewValueEmpty()
		m := s.SetEmptyMap(v, 1)
		sl := s.SetEmptySlice(s.Adding(m).Empty("argv"), 4) // divides every array's size
		for j := range 4 {
			s.AppendInt(sl, int64(i+j))
		}
		s.AppendInt(sl, int64(i)) // one past the room
		if i%97 == 0 {
			kept = append(kept, v)
		}
	})
	for j, v := range kept {
		argv, ok := v.Map().Get("argv")
		require.True(t, ok)
		i := int64(j * 97)
		require.Equal(t, []any{i, i + 1, i + 2, i + 3, i}, argv.Slice().AsRaw())
	}
}
