//go:build !linux

package engine

import "time"

// Elsewhere threads have no CPU clock this package reads: the budget is wall
// time (see watch).
func currentThread() int64 { return 0 }

func threadCPUTime(int64) (time.Duration, bool) { return 0, false }
