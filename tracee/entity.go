package tracee

import (
	"encoding/binary"
	"math/bits"

	"github.com/vigil-sec/vigil"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// taskHashSeed is the murmur3 seed of Tracee's task hashes (its eBPF code
// and userland share it).
const taskHashSeed = 0x18273645

// userHZTick is the precision of a task's start time in /proc (USER_HZ,
// 100 Hz): Tracee rounds start times down to it, so that ids computed from
// events and from /proc agree.
const userHZTick = 10_000_000

// TaskEntityID is Tracee v0.22.6's entity id of a task (utils.HashTaskID):
// the 32-bit murmur3 of the task's host id and its start time (epoch ns,
// rounded down to a USER_HZ tick), both big-endian.
func TaskEntityID(id uint32, startTime uint64) uint32 {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], id)
	binary.BigEndian.PutUint64(b[4:], startTime/userHZTick*userHZTick)
	return murmur3(b[:], taskHashSeed)
}

// murmur3 is MurmurHash3's x86 32-bit variant.
func murmur3(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	mix := func(k uint32) uint32 { return bits.RotateLeft32(k*c1, 15) * c2 }
	h := seed
	n := len(data) / 4 * 4
	for i := 0; i < n; i += 4 {
		h ^= mix(binary.LittleEndian.Uint32(data[i:]))
		h = bits.RotateLeft32(h, 13)*5 + 0xe6546b64
	}
	var k uint32
	for i := len(data) - 1; i >= n; i-- {
		k = k<<8 | uint32(data[i])
	}
	if len(data) > n {
		h ^= mix(k)
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// task is what a record says of its thread: enough to derive the entity
// ids Tracee would give it.
type task struct {
	tid, pid  int64
	startTime int64 // the thread's; 0: unknown
}

// entityIDs derives threadEntityId, 0 when the start time is not known,
// and processEntityId where a record can: for the thread group leader,
// whose start time is the process's, the same id. The task is hashed once
// for both.
func (t task) entityIDs() (thread, process uint32) {
	if t.startTime == 0 {
		return 0, 0
	}
	thread = TaskEntityID(uint32(t.tid), uint64(t.startTime))
	if t.tid == t.pid {
		process = thread
	}
	return thread, process
}

// A Derivation derives the fields one record's attributes lack
// (Field.Derived): it reads the record's task and hashes it once, on the
// first field it derives, for the thread's entity id and the process's.
type Derivation struct {
	at              vigil.Attrs
	done            bool
	thread, process uint32
}

// Reset makes d the derivation of the record of attributes at.
func (d *Derivation) Reset(at vigil.Attrs) { *d = Derivation{at: at} }

func (d *Derivation) entityIDs() (thread, process uint32) {
	if !d.done {
		d.thread, d.process = taskOfAttrs(d.at).entityIDs()
		d.done = true
	}
	return d.thread, d.process
}

func taskOfAttrs(at vigil.Attrs) task {
	get := func(key string) int64 {
		if v, ok := at.Get(key); ok && v.Type() == pcommon.ValueTypeInt {
			return v.Int()
		}
		return 0
	}
	return task{tid: get(vigil.AttrThreadID), pid: get(vigil.AttrProcessPID), startTime: get(vigil.AttrThreadStartTime)}
}
