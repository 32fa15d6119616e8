//go:build !unix

// Package procstat reads what the running process uses, for benchmarks that
// report work per record and memory.
package procstat

// CPU is not measured here: benchmarks report 0.
func CPU() int64 { return 0 }

// RSS is not measured here: benchmarks report 0.
func RSS() int64 { return 0 }
