package engine

import (
	"time"

	"golang.org/x/sys/unix"
)

// currentThread is the calling thread's id.
func currentThread() int64 { return int64(unix.Gettid()) }

// threadCPUTime is the CPU time a thread of this process has used, read from
// its CPU clock: MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED).
func threadCPUTime(tid int64) (time.Duration, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(int32(^uint32(tid)<<3|6), &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
