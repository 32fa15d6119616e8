//go:build !linux

package bpf

import "time"

// BootTimeToWall has no boot clock to go by outside Linux, where no events
// are captured anyway; it reads bootNs as Unix time.
func BootTimeToWall(bootNs uint64) time.Time {
	return time.Unix(0, int64(bootNs))
}
