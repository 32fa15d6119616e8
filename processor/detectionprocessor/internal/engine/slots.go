package engine

// minSlots is the number of slots a worker's memo and results start with:
// a power of two.
const minSlots = 256

// A slotTable holds the slots of a direct-mapped cache (the memo's, the
// results'): a key's slot is found by the low bits of its hash, and the
// next key mapped to it overwrites it.
//
// It starts at minSlots and doubles, up to max, each time as many slots
// have been overwritten while holding another key as it has: a worker that
// sees few distinct records (a flood repeats itself) keeps a small table,
// and one that sees many grows to the size that stops them evicting each
// other (memoSlots). Preallocated at their largest, the two took a worker
// 536 KB at start (73 KB now), one worker per CPU, whatever they came to
// hold.
// Growing forgets what the table held: a forgotten result is evaluated
// again, never answered wrong.
type slotTable[S any] struct {
	slots      []S
	max        int
	overwrites int // since the table last grew
}

func newSlotTable[S any](max int) slotTable[S] {
	return slotTable[S]{slots: make([]S, min(minSlots, max)), max: max}
}

// slot returns the slot of a key of this hash.
func (t *slotTable[S]) slot(hash uint64) *S {
	return &t.slots[hash&uint64(len(t.slots)-1)]
}

// evict is for a key about to take its slot while the slot holds another
// key: it counts the overwrite, growing the table when enough have been
// counted, and returns the key's slot, which is in the new (empty) table
// after a growth.
func (t *slotTable[S]) evict(hash uint64) *S {
	t.overwrites++
	if t.overwrites >= len(t.slots) && len(t.slots) < t.max {
		t.slots, t.overwrites = make([]S, 2*len(t.slots)), 0
	}
	return t.slot(hash)
}
