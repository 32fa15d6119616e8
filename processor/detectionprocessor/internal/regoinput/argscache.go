package regoinput

import (
	"hash/maphash"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
)

// argsCacheSlots is the number of args arrays an ArgsCache holds.
const argsCacheSlots = 256

// An ArgsCache remembers the args arrays of recent records by their
// argument attributes: a flood's records carry the same arguments, and
// building the array (an object per argument) is most of the cost of an
// input. It is exact: an array is reused only for attributes equal to
// those it was built from. Not safe for concurrent use; each worker has
// its own.
type ArgsCache struct {
	seed  maphash.Seed
	slots [argsCacheSlots]argsSlot
}

type argsSlot struct {
	def  *catalog.EventDef
	hash uint64
	keys []string
	vals []pcommon.Value
	term *ast.Term
}

// NewArgsCache returns an empty cache.
func NewArgsCache() *ArgsCache { return &ArgsCache{seed: maphash.MakeSeed()} }

// get returns the args of a record of attributes at, from the cache or
// built and remembered.
func (c *ArgsCache) get(at pcommon.Map, def *catalog.EventDef, known bool) *ast.Term {
	if !known {
		return ast.NewTerm(buildArgs(at, def, known))
	}
	var h maphash.Hash
	h.SetSeed(c.seed)
	cacheable := true
	for k, v := range at.All() {
		if !strings.HasPrefix(k, vigil.AttrArgPrefix) {
			continue
		}
		h.WriteString(k)
		if !hashValue(&h, v) {
			cacheable = false
			break
		}
	}
	if !cacheable {
		return ast.NewTerm(buildArgs(at, def, known))
	}
	sum := h.Sum64()
	s := &c.slots[sum%argsCacheSlots]
	if s.term != nil && s.def == def && s.hash == sum && s.matches(at) {
		return s.term
	}
	s.def, s.hash, s.term = def, sum, ast.NewTerm(buildArgs(at, def, known))
	s.keys, s.vals = s.keys[:0], s.vals[:0]
	for k, v := range at.All() {
		if strings.HasPrefix(k, vigil.AttrArgPrefix) {
			cp := pcommon.NewValueEmpty()
			v.CopyTo(cp)
			s.keys, s.vals = append(s.keys, k), append(s.vals, cp)
		}
	}
	return s.term
}

// matches reports whether at's argument attributes are the slot's, in
// the same order.
func (s *argsSlot) matches(at pcommon.Map) bool {
	i := 0
	for k, v := range at.All() {
		if !strings.HasPrefix(k, vigil.AttrArgPrefix) {
			continue
		}
		if i >= len(s.keys) || s.keys[i] != k || !s.vals[i].Equal(v) {
			return false
		}
		i++
	}
	return i == len(s.keys)
}

// hashValue adds a scalar value to h; it returns false for the kinds it
// does not hash (slices and maps: argv, sockaddrs), whose records are not
// cached.
func hashValue(h *maphash.Hash, v pcommon.Value) bool {
	h.WriteByte(byte(v.Type()))
	switch v.Type() {
	case pcommon.ValueTypeStr:
		h.WriteString(v.Str())
	case pcommon.ValueTypeInt:
		maphash.WriteComparable(h, v.Int())
	case pcommon.ValueTypeBool:
		maphash.WriteComparable(h, v.Bool())
	case pcommon.ValueTypeDouble:
		maphash.WriteComparable(h, v.Double())
	case pcommon.ValueTypeBytes:
		h.Write(v.Bytes().AsRaw())
	case pcommon.ValueTypeEmpty:
	default:
		return false
	}
	return true
}
