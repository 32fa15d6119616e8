package engine

import (
	"encoding/binary"
	"hash/maphash"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
)

// verdictSlots is the most guard verdicts a worker remembers: a power of
// two. They start at minSlots and grow as they thrash (slots.go), as the
// results do: a worker seeing few distinct records (a flood) stays
// small, and one seeing many (an offline replay, a busy host) grows until
// they stop evicting each other. The benchmark stream (10k records, 6.4k
// of them candidates, over 900 distinct verdict keys) found 67% of its
// verdicts in a fixed 256; the table grown to 4096 finds 95%.
const verdictSlots = 4096

// maxVerdictKey bounds the encoded values a verdict is remembered under; a
// record whose guarded values encode longer has its guards tested every
// time. An exec's environment makes keys of 1-3 KiB on real hosts.
const maxVerdictKey = 4096

// verdictKeyBytes bounds the bytes a worker's remembered keys hold, as
// 256 slots of maxVerdictKey did before the table grew: 4096 slots of
// such keys would be 16 MiB a worker, one worker per CPU, which an exec
// storm of distinct multi-KiB environments could fill in seconds. A key
// that would take the keys past it is not remembered (its record's
// guards are tested, as a long key's are); short keys, the common case
// (paths, names), fill every slot well within it.
const verdictKeyBytes = 1 << 20

// verdicts remember which candidates' guards held on a record, keyed on the
// values the group's guards read (Group.reads). A flood repeats itself: the
// same process opening the same file differs from one record to the next
// only in attributes no guard reads (time, thread, cpu), so its records
// find their verdict here in one look-up instead of testing every
// candidate's guard on the same values again.
//
// It is exact: a slot is found by a hash of the group and the encoded
// values, and used only when the encodings are equal byte for byte, so a
// record differing in any value a guard reads is tested afresh. A slot
// is overwritten by the next key it is found by; the table grows as it
// thrashes (slots.go).
type verdicts struct {
	seed  maphash.Seed
	key   keyEncoder // the record being evaluated's, reused
	slots slotTable[verdictSlot]
	// keyBytes is what the keys of slots hold (their capacity), within
	// verdictKeyBytes
	keyBytes int
	// results of the groups that remember them (results.go)
	results slotTable[resultSlot]
}

type verdictSlot struct {
	group *Group
	hash  uint64
	key   []byte
	held  []int // indices in group.sigs of the candidates whose guards held
}

// slot returns the slot of the record's verdict on group g and whether it
// holds that verdict; nil when the record's values are too long to
// remember, or would take the keys past verdictKeyBytes.
func (v *verdicts) slot(g *Group, attrs vigil.Attrs, eventName string) (*verdictSlot, bool) {
	k := &v.key
	k.reset()
	if g.readsName {
		k.string(eventName)
	}
	for _, key := range g.reads {
		k.attr(attrs, key)
	}
	if k.over {
		return nil, false
	}
	h := v.hash(g)
	s := v.slots.slot(h)
	if s.group == g && s.hash == h && string(s.key) == string(k.b) {
		return s, true
	}
	if s.group != nil {
		before := len(v.slots.slots)
		if s = v.slots.evict(h); len(v.slots.slots) != before {
			v.keyBytes = 0 // a new, empty table
		}
	}
	if grows := len(k.b) - cap(s.key); grows > 0 && v.keyBytes+grows > verdictKeyBytes {
		// too much for the budget: the slot, which held another key or
		// none, holds none
		v.keyBytes -= cap(s.key)
		*s = verdictSlot{}
		return nil, false
	}
	held := cap(s.key)
	s.group, s.hash, s.key, s.held = g, h, append(s.key[:0], k.b...), s.held[:0]
	v.keyBytes += cap(s.key) - held
	return s, false
}

// hash is the hash of group g and the encoded values, which its verdicts
// and results are found by.
func (v *verdicts) hash(g *Group) uint64 {
	return maphash.Bytes(v.seed, v.key.b) ^ uint64(g.id)*0x9e3779b97f4a7c15
}

// keyEncoder encodes values unambiguously (each with its type, lengths
// before contents), up to maxVerdictKey bytes.
type keyEncoder struct {
	b    []byte
	over bool // the encoding exceeded maxVerdictKey and was abandoned
}

func (k *keyEncoder) reset() { k.b, k.over = k.b[:0], false }

// attr encodes the attribute key of attrs, or that it is missing.
func (k *keyEncoder) attr(attrs vigil.Attrs, key string) {
	val, ok := attrs.Get(key)
	if !ok {
		k.byte(0)
		return
	}
	k.byte(1)
	k.value(val)
}

func (k *keyEncoder) byte(c byte) {
	if !k.room(1) {
		return
	}
	k.b = append(k.b, c)
}

func (k *keyEncoder) uint(n uint64) {
	if !k.room(binary.MaxVarintLen64) {
		return
	}
	k.b = binary.AppendUvarint(k.b, n)
}

func (k *keyEncoder) string(s string) {
	k.uint(uint64(len(s)))
	if !k.room(len(s)) {
		return
	}
	k.b = append(k.b, s...)
}

func (k *keyEncoder) raw(p []byte) {
	k.uint(uint64(len(p)))
	if !k.room(len(p)) {
		return
	}
	k.b = append(k.b, p...)
}

// room reports whether n more bytes fit, abandoning the encoding if not.
func (k *keyEncoder) room(n int) bool {
	if k.over || len(k.b)+n > maxVerdictKey {
		k.over = true
		return false
	}
	return true
}

func (k *keyEncoder) value(v pcommon.Value) {
	t := v.Type()
	k.byte(byte(t))
	switch t {
	case pcommon.ValueTypeStr:
		k.string(v.Str())
	case pcommon.ValueTypeInt:
		k.uint(uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		k.uint(math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		if v.Bool() {
			k.byte(1)
		} else {
			k.byte(0)
		}
	case pcommon.ValueTypeBytes:
		k.raw(v.Bytes().AsRaw())
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		k.uint(uint64(s.Len()))
		for _, e := range s.All() {
			k.value(e)
		}
	case pcommon.ValueTypeMap:
		m := v.Map()
		k.uint(uint64(m.Len()))
		for name, e := range m.All() {
			k.string(name)
			k.value(e)
		}
	}
}
