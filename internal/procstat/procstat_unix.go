//go:build unix

// Package procstat reads what the running process uses, for benchmarks that
// report work per record and memory: on a shared machine wall time also
// counts waiting for a core, and a garbage collector working beside the
// measured goroutine is work all the same.
package procstat

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// CPU returns the CPU time the process has used, user and system, in
// nanoseconds, or 0 where it cannot be read.
func CPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime)
}

// RSS returns the memory the process has resident now, in bytes, from
// /proc/self/statm; 0 where that cannot be read (outside Linux).
func RSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
