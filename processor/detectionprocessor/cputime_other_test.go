//go:build !unix

package detectionprocessor

// cpuTime is not measured here; the benchmarks report 0 cpu-ns/record.
func cpuTime() int64 { return 0 }
