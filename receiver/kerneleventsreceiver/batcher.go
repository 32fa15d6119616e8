package kerneleventsreceiver

import (
	"hash/maphash"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/internal/addrslot"
	"github.com/vigil-sec/vigil/internal/pdataslab"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

// batcher collects records into plog.Logs batches, one resource per process
// (see vigil.Attrs), and queues them for the next consumer when a batch is
// full or when the source asks for a flush. It is owned by one goroutine:
// the source's reader, or one of its builders (see sibling).
type batcher struct {
	queue *sendQueue
	size  int
	base  pcommon.Map // the host's attributes, copied into every resource
	// distinct is true when base holds none of vigil.ProcessKeys, and
	// hostless when it holds no host.name: a resource's process (and a
	// replayed key's host) are then appended unsearched (see
	// vigil.WriteResourceFrom).
	distinct, hostless bool
	// validUTF8 says the keys' processes have valid UTF-8 strings: a
	// replay's, which tracee.Decoder guarantees (see
	// vigil.WriteResourceFrom).
	validUTF8 bool

	logs    plog.Logs
	records int
	// found holds the resources of the current batch, in their order;
	// slots finds them by their keys' hashes (see find). last is the
	// index of the most recent one, which a burst from one process hits
	// without hashing the key; -1 for none.
	found []foundResource
	slots []int32
	last  int32
	// copies holds the keys of the batch's resources that add was given
	// (the capture's, which its caller does not keep); move's are kept by
	// theirs until the batch is queued.
	copies keyCopies
	// hashes holds the hashes of the keys' strings (see stringHashes).
	hashes stringHashes
	// hashMask keeps the bits of a key's hash (hashes.resource) that
	// find uses: all of them but in tests that force collisions. (A hash
	// function in a field would make every key passed to add escape to
	// the heap.)
	hashMask uint64
	// counts per event name of the current batch, for events_emitted,
	// but for the latest name's, which lastCount holds until another name
	// comes: a burst of one event is counted without hashing its name on
	// every record.
	counts    map[string]int64
	lastName  string
	lastCount int64
	// values holds the records, and the resources' attribute values,
	// which pdata would allocate one by one; resources the batch's
	// resources and their scopes, started again with each batch.
	values    pdataslab.Slab
	resources pdataslab.Resources
}

// foundResource is a resource of the current batch: its key, the key's
// hash (masked, see hashMask), and its records. The key is a pointer
// (into a replayed chunk's line, or to a copy of the batcher's): a copy in
// found, which a replay makes for nearly every line, was some 280 bytes
// written and cleared again, a dozen pointers each behind a write barrier
// while the collector marks.
type foundResource struct {
	key     *resourceKey
	hash    uint64
	records plog.LogRecordSlice
}

// keyCopies holds copies of resource keys, in blocks that never move, so
// that found can point at them; cleared, not freed, at each batch.
type keyCopies struct {
	blocks [][]resourceKey
	n      int // the keys held: blocks[n/keyBlock][n%keyBlock] is the next
}

// keyBlock is the keys a block of keyCopies holds: a capture batch has a
// few resources, and a block of 16 is 4.5 KiB.
const keyBlock = 16

// add returns a copy of key, valid until reset.
func (c *keyCopies) add(key *resourceKey) *resourceKey {
	i := c.n / keyBlock
	if i == len(c.blocks) {
		c.blocks = append(c.blocks, make([]resourceKey, keyBlock))
	}
	p := &c.blocks[i][c.n%keyBlock]
	*p = *key
	c.n++
	return p
}

// reset drops the copies: their strings and ancestries are not kept past
// their batch.
func (c *keyCopies) reset() {
	for _, b := range c.blocks[:(c.n+keyBlock-1)/keyBlock] {
		clear(b)
	}
	c.n = 0
}

// resourceKey tells the resources of a batch apart: records with equal keys
// share one.
type resourceKey struct {
	host    string // replayed events name their own; captured ones share the base
	process vigil.Process
	// argv is the identity of the process tree's argv (its first element):
	// an exec replaces it even when nothing else in the key changes.
	argv *string
}

// newBatcher returns a batcher whose resources start with the attributes
// fillResource puts (the host's for captured events).
func newBatcher(queue *sendQueue, size int, fillResource func(pcommon.Map)) *batcher {
	b := &batcher{
		queue:    queue,
		size:     size,
		base:     pcommon.NewMap(),
		slots:    make([]int32, minSlots),
		hashMask: ^uint64(0),
	}
	fillResource(b.base)
	b.distinct = !holdsAny(b.base, vigil.ProcessKeys())
	b.hostless = !holdsAny(b.base, []string{vigil.AttrHostName})
	b.reset()
	return b
}

// sibling returns a batcher into the same queue, with batches of the same
// size and resources starting with the same attributes, for another
// goroutine to own.
func (b *batcher) sibling() *batcher {
	s := newBatcher(b.queue, b.size, b.base.CopyTo)
	s.hashMask = b.hashMask
	return s
}

func (b *batcher) reset() {
	b.logs = plog.NewLogs()
	b.records = 0
	b.counts = map[string]int64{}
	clear(b.slots)
	// the keys' strings and ancestries are not kept past their batch
	clear(b.found)
	b.found, b.last = b.found[:0], -1
	b.copies.reset()
	b.resources = pdataslab.Resources{}
}

// add appends an empty record for event name to the resource of key, and
// returns it. A resource new to the batch gets the base attributes, key's
// host and process, and argv, the process's command line where known.
// The batcher keeps a copy of key.
func (b *batcher) add(name string, key *resourceKey, argv []string) plog.LogRecord {
	return b.values.AppendRecord(b.recordsOf(name, key, nil, argv))
}

// move moves the i-th record of from, of event name, into the resource
// of key (see add), and leaves an empty record in its place. The caller
// keeps key unchanged until the batch is flushed: the batcher points at it.
func (b *batcher) move(name string, key *resourceKey, from plog.LogRecordSlice, i int) {
	to := b.recordsOf(name, key, key, nil)
	b.resources.Room(to)
	b.values.MoveRecord(from, i, to)
}

// recordsOf counts a record of event name, and returns the records of key's
// resource, which it adds if new (see add). kept is key where the caller
// keeps it until the batch is flushed (move), nil where the batcher is to
// copy it (add): a parameter of its own, so that add's key, which is not
// kept, does not escape to the heap (a record's allocation of 288 bytes,
// for the capture's key on its stack).
func (b *batcher) recordsOf(name string, key, kept *resourceKey, argv []string) plog.LogRecordSlice {
	if name != b.lastName {
		b.foldCount()
		b.lastName = name
	}
	b.lastCount++
	b.records++
	if b.last < 0 || *key != *b.found[b.last].key {
		b.find(key, kept, argv)
	}
	return b.found[b.last].records
}

// foldCount adds lastCount to counts.
func (b *batcher) foldCount() {
	if b.lastCount > 0 {
		b.counts[b.lastName] += b.lastCount
		b.lastCount = 0
	}
}

// minSlots is the slots a batcher's table starts with: a power of two, at
// least twice a capture batch's few resources.
const minSlots = 64

// find makes key's resource the last one, adding it if new (see
// recordsOf for kept). Keys are found by their hash and told apart by
// comparing them whole: two resources whose keys collide stay two.
//
// slots is a table of open addressing, probed from the hash's low bits
// one slot after another; a slot holds an index into found plus one, 0
// for none, and is at most half full. The hash's bits are uniform
// already, so they index the table as they are: a map[uint64]int32 hashed
// them again, and its failed lookup and insert, which a replay of the
// mixed stream pays for nearly every line, cost some 150 instructions.
func (b *batcher) find(key, kept *resourceKey, argv []string) {
	h := b.hashes.resource(key) & b.hashMask
	mask := uint64(len(b.slots) - 1)
	i := h & mask
	for ; b.slots[i] != 0; i = (i + 1) & mask {
		if r := &b.found[b.slots[i]-1]; r.hash == h && *r.key == *key {
			b.last = b.slots[i] - 1
			return
		}
	}
	// sized once, exactly, for the base, a replay's host.name, the process
	// and its argv: the attribute array is most of a resource's memory
	n := b.base.Len() + key.process.AttrCount()
	if key.host != "" {
		n++
	}
	if len(argv) > 0 {
		n++
	}
	rl, sl := b.resources.AppendSized(b.logs.ResourceLogs(), &b.values, n)
	attrs := rl.Resource().Attributes()
	for k, v := range b.base.All() {
		if v.Type() == pcommon.ValueTypeStr { // the host's are
			b.values.PutStr(attrs, k, v.Str())
		} else {
			v.CopyTo(attrs.PutEmpty(k))
		}
	}
	distinct := b.distinct && (key.host == "" || b.hostless)
	vigil.WriteResourceFrom(&b.values, attrs, key.host, &key.process, argv, distinct, b.validUTF8)
	sl.Scope().SetName(metadata.ScopeName)
	if kept == nil {
		kept = b.copies.add(key)
	}
	b.last = int32(len(b.found))
	b.found = append(b.found, foundResource{key: kept, hash: h, records: sl.LogRecords()})
	b.slots[i] = b.last + 1
	if 2*len(b.found) > len(b.slots) {
		b.growSlots()
	}
}

// growSlots doubles the table of slots and puts found's resources in it
// again.
func (b *batcher) growSlots() {
	b.slots = make([]int32, 2*len(b.slots))
	mask := uint64(len(b.slots) - 1)
	for n, r := range b.found {
		i := r.hash & mask
		for b.slots[i] != 0 {
			i = (i + 1) & mask
		}
		b.slots[i] = int32(n) + 1
	}
}

// holdsAny reports whether m holds any of keys.
func holdsAny(m pcommon.Map, keys []string) bool {
	for _, k := range keys {
		if _, ok := m.Get(k); ok {
			return true
		}
	}
	return false
}

// resourceSeed seeds the hashes of the resource keys of all batchers.
var resourceSeed = maphash.MakeSeed()

// resource hashes key for the batcher, cheaper than the map's hash of
// the whole key: the integers at once, and only the strings that are set,
// which most of a process's are not, their hashes kept in c. The pointers
// (argv, the ancestry) are left out: keys that differ only there collide,
// and find tells them apart.
func (c *stringHashes) resource(key *resourceKey) uint64 {
	p := &key.process
	started := int64(0)
	if p.ContainerStarted {
		started = 1
	}
	h := maphash.Comparable(resourceSeed, [...]int64{p.PID, p.ParentPID, p.VPID, p.ParentVPID, p.UserID, int64(p.CgroupID), p.MountNS, p.PIDNS, started})
	// field by field, not a loop over an array of the strings: copying
	// the twelve into it was some 160 instructions a call
	h = c.mix(h, key.host)
	h = c.mix(h, p.Name)
	h = c.mix(h, p.ExecutablePath)
	h = c.mix(h, p.ContainerID)
	h = c.mix(h, p.ContainerName)
	h = c.mix(h, p.ContainerImage)
	h = c.mix(h, p.PodName)
	h = c.mix(h, p.PodNamespace)
	h = c.mix(h, p.PodUID)
	h = c.mix(h, p.ContainerImageTag)
	h = c.mix(h, p.ContainerRuntime)
	return c.mix(h, p.K8sContainerName)
}

// mix adds s to h, the hash of the key's fields before s's: by position,
// so that a value in one field does not hash as in another.
func (c *stringHashes) mix(h uint64, s string) uint64 {
	h *= 0x9e3779b97f4a7c15
	if s != "" {
		h ^= c.of(s)
	}
	return h
}

// stringHashes holds the hashes of the strings of the keys a batcher
// hashed lately, by where the strings' bytes are (see addrslot): the
// decoder hands the same string back for a value it met on the line
// before or keeps among its known ones (a host, a comm, a path), and the
// process tree keeps a process's, so most strings of a key are met again
// at the same address, and a look here is a few instructions where
// maphash.String was some 80. Neither the decoder's strings nor the
// process tree's are made over bytes that change.
type stringHashes [1 << stringHashSlotBits]struct {
	s string
	h uint64
}

// stringHashSlotBits gives the strings a stringHashes holds, by their
// address: 256, room for the mixed stream's hosts, comms and paths as two
// decoders hand them out, in 6 KiB (1,024 did no better).
const stringHashSlotBits = 8

// of returns the hash of s, from c if c holds it, and keeps it there.
func (c *stringHashes) of(s string) uint64 {
	e := &c[addrslot.Of(s, stringHashSlotBits)]
	if !addrslot.Same(e.s, s) {
		e.s, e.h = s, maphash.String(resourceSeed, s)
	}
	return e.h
}

func (b *batcher) full() bool { return b.records >= b.size }

// flush queues the current batch for the next consumer.
func (b *batcher) flush() {
	if b.records == 0 {
		return
	}
	b.foldCount()
	b.queue.put(batch{logs: b.logs, records: b.records, counts: b.counts})
	b.reset()
}

func attributeSetFor(eventName string) attribute.Set {
	return attribute.NewSet(attribute.String("event.name", eventName))
}
