//go:build linux

package bpf

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// bootOffset is CLOCK_REALTIME - CLOCK_BOOTTIME in ns, measured once: the
// programs stamp events with the boot clock, which keeps counting through
// suspend and never jumps.
var bootOffset = sync.OnceValue(func() int64 {
	var rt, bt unix.Timespec
	// Read the boot clock between two wall clock reads and take the middle,
	// so the offset is off by at most half the time the reads took.
	_ = unix.ClockGettime(unix.CLOCK_REALTIME, &rt)
	_ = unix.ClockGettime(unix.CLOCK_BOOTTIME, &bt)
	var rt2 unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_REALTIME, &rt2)
	return (rt.Nano()+rt2.Nano())/2 - bt.Nano()
})

// BootTimeToWall converts a boot-clock time in ns (Event.Timestamp,
// Event.ThreadStartTime) to wall-clock time.
func BootTimeToWall(bootNs uint64) time.Time {
	return time.Unix(0, int64(bootNs)+bootOffset())
}
