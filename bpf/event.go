// Package bpf is the kernel side of Vigil: BPF programs on the syscall and
// scheduler tracepoints that filter in the kernel and write one record per
// event into a ring buffer, and the Go code that loads them and decodes the
// records.
//
// The record format is described in c/wire.h; Decode mirrors it. Loading
// needs Linux on x86_64 with BTF, and root (or CAP_BPF and CAP_PERFMON).
package bpf

import "errors"

// Origin restricts events to tasks on the host or in containers: OriginAny,
// OriginHost or OriginContainer (events_gen.go).
type Origin uint8

// Options says what to capture. The zero value captures nothing: Events must
// name at least one event.
type Options struct {
	Events       []uint32 // Tracee event ids to capture (SupportedEvents lists those that can be)
	ExcludeTGIDs []uint32 // never traced (the collector's own pid goes here)
	PIDs         []uint32 // when non-empty: only these host tgids
	UIDs         []uint32 // when non-empty: only these uids
	Comms        []string // when non-empty: only these comms (truncated to 15 bytes)
	Origin       Origin
	CaptureArgv  bool // argv of execve, execveat and sched_process_exec
	CaptureEnv   bool // envp of execve, execveat and env of sched_process_exec
	// RingBufferBytes is the ring buffer size: a power of two, at least
	// os.Getpagesize(); 0 means DefaultRingBufferBytes.
	RingBufferBytes int
	// WakeupEvents batches wake-ups: the reader is woken after this many
	// records per CPU (or when a quarter of the ring buffer is filled);
	// records in between wait for the next wake-up or Flush. 0 means
	// DefaultWakeupEvents; 1 wakes the reader for every record.
	WakeupEvents int
	// RateLimit throttles processes that produce records faster than it
	// allows; the zero value is no limit.
	RateLimit RateLimit
}

// RateLimit is a per-process limit on records, applied in the kernel before
// a record takes room in the ring buffer. Each process (thread group) may
// produce Burst records at once and PerSecond records a second on average;
// the records beyond are dropped and counted in Stats.Throttled. Fork, exec,
// exit and cgroup_mkdir records are never throttled: the receiver's process
// tree depends on them.
type RateLimit struct {
	PerSecond uint64 // 0: no limit
	Burst     uint64 // records a process may produce at once; 0 means PerSecond
}

// BurstSize is the burst in effect: Burst, or PerSecond when Burst is 0.
func (r RateLimit) BurstSize() uint64 {
	if r.Burst == 0 {
		return r.PerSecond
	}
	return r.Burst
}

// MaxRatePerSecond bounds RateLimit.PerSecond: one record per nanosecond is
// what the kernel side's pacing can express.
const MaxRatePerSecond = 1_000_000_000

// Defaults of Options.
const (
	DefaultRingBufferBytes = 8 << 20
	DefaultWakeupEvents    = 4096
)

// Stats are the kernel side's counters, summed over CPUs.
type Stats struct {
	Submitted uint64 // records written to the ring buffer
	Lost      uint64 // records dropped because the ring buffer was full
	Throttled uint64 // records dropped because their process exceeded Options.RateLimit
}

var (
	// ErrClosed is returned by Read after Close.
	ErrClosed = errors.New("bpf: probe closed")
	// ErrDecode is wrapped by errors about malformed records. Reading can go
	// on after one.
	ErrDecode = errors.New("bpf: malformed record")
	// ErrFlushed is returned by Read once it has returned every record that
	// was pending when Flush was called: a point to hand a batch on. Reading
	// goes on after it.
	ErrFlushed = errors.New("bpf: flushed")
)

// ArgKind is how an argument value is encoded, and which Arg field holds it.
type ArgKind uint8

// The ArgKind values (ArgInt, ArgUint, ArgString, ArgStrings, ArgBytes) are
// generated with the C side's: see events_gen.go.

// Arg is one captured argument. Index is its position in the event's Args
// list of the catalog (package vigil).
type Arg struct {
	Index uint8
	Kind  ArgKind
	Int   int64
	Uint  uint64
	Str   string
	Strs  []string
	Bytes []byte
}

// Event is one decoded record.
type Event struct {
	Timestamp       uint64 // bpf_ktime_get_boot_ns; see BootTimeToWall
	ThreadStartTime uint64 // task start_boottime, ns
	CgroupID        uint64
	ReturnValue     int64
	EventID         uint32
	Syscall         int32 // originating syscall number, -1 if none
	HostPID         uint32
	HostTID         uint32
	HostPPID        uint32
	PID             uint32 // in the task's own pid namespace
	TID             uint32
	PPID            uint32 // 0 when the parent is outside the task's pid namespace
	UID             uint32
	GID             uint32
	MountNS         uint32
	PIDNS           uint32
	CPU             uint32
	Flags           uint32 // FlagCompat, FlagContainer
	Comm            string
	Args            []Arg // in increasing Index order; missing ones were not captured
}

// Arg returns the argument at catalog position index, or nil.
func (e *Event) Arg(index int) *Arg {
	for i := range e.Args {
		if int(e.Args[i].Index) == index {
			return &e.Args[i]
		}
	}
	return nil
}
