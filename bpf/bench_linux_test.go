//go:build linux && (amd64 || arm64)

package bpf

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/internal/privtest"
	"golang.org/x/sys/unix"
)

// The benchmarks measure what tracing costs the traced workload: each has a
// baseline without programs and a variant with the probe loaded, in the same
// process. Compare them with benchstat or the ratio of their ns/op.

// benchProbe loads a probe and drains it in the background the way the
// receiver does (Read in a loop, Flush on a timer), reporting the kernel
// counters when the benchmark ends. With the kernel's BPF statistics on
// (sysctl -w kernel.bpf_stats_enabled=1) it also reports the programs' run
// time per invocation (bpf-ns/run): the kernel's own count, independent of
// the machine's load, where ns/op is the loop's wall time. They stay off
// otherwise: counting adds two clock reads to every invocation, which
// ns/op would include. Every process's syscalls run the programs, so
// bpf-ns/run is an average over all of them.
func benchProbe(b *testing.B, opts Options) {
	b.Helper()
	privtest.Require(b)
	p, err := Load(opts)
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ev Event
		for {
			if err := p.Read(&ev); errors.Is(err, ErrClosed) {
				return
			}
		}
	}()
	stopFlushing := flushEvery(p, 100*time.Millisecond)
	b.Cleanup(func() {
		st, err := p.Stats()
		if err != nil {
			b.Error(err)
		}
		reportRunTime(b, p)
		stopFlushing()
		p.Close()
		wg.Wait()
		b.ReportMetric(float64(st.Submitted), "submitted")
		b.ReportMetric(float64(st.Lost), "lost")
		b.ReportMetric(float64(st.Throttled), "throttled")
		if st.Lost != 0 {
			b.Errorf("%d of %d events lost", st.Lost, st.Lost+st.Submitted)
		}
	})
}

// reportRunTime reports the run time per invocation of the attached
// programs together (a tail-called program counts in its caller's).
func reportRunTime(b *testing.B, p *Probe) {
	progs := make([]*ebpf.Program, 0, len(p.coll.Programs))
	for _, prog := range p.coll.Programs {
		progs = append(progs, prog)
	}
	reportPrograms(b, progs)
}

// reportPrograms reports the run time of programs per invocation
// (bpf-ns/run) and per benchmark iteration (bpf-ns/op, which other
// processes' invocations inflate on a busy machine).
func reportPrograms(b *testing.B, progs []*ebpf.Program) {
	var runs uint64
	var total time.Duration
	for _, prog := range progs {
		st, err := prog.Stats()
		if err != nil {
			b.Fatal(err)
		}
		total += st.Runtime
		runs += st.RunCount
	}
	if runs > 0 { // 0: statistics off
		b.ReportMetric(float64(total.Nanoseconds())/float64(runs), "bpf-ns/run")
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "bpf-ns/op")
	}
}

// emptySysExit attaches a program to sys_exit that returns at once: the
// floor of any program there, what enabling the syscall tracepoints and
// running a program costs every syscall before the program does anything.
func emptySysExit(b *testing.B) {
	privtest.Require(b)
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.Tracing,
		AttachType:   ebpf.AttachTraceRawTp,
		AttachTo:     "sys_exit",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
		License:      "GPL",
	})
	if err != nil {
		b.Fatal(err)
	}
	l, err := link.AttachTracing(link.TracingOptions{Program: prog})
	if err != nil {
		prog.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		reportPrograms(b, []*ebpf.Program{prog})
		l.Close()
		prog.Close()
	})
}

// selectedSyscalls is a typical selection, none of which is getppid, and
// without execve/execveat, so nothing is attached to sys_enter.
var selectedSyscalls = []uint32{2, 42, 101, 257, 319, 437, 714, 715, 716}

// defaultSet returns the ids of the "default" set.
func defaultSet(b *testing.B) []uint32 {
	var ids []uint32
	for _, name := range catalog.EventsInSet("default") {
		d, _ := catalog.LookupEvent(name)
		ids = append(ids, uint32(d.ID))
	}
	if len(ids) == 0 {
		b.Fatal("the default set is empty")
	}
	return ids
}

func BenchmarkGetppid(b *testing.B) {
	run := func(b *testing.B) {
		for b.Loop() {
			unix.Getppid()
		}
	}
	self := []uint32{uint32(os.Getpid())}
	b.Run("baseline", run)
	b.Run("empty_sys_exit_program", func(b *testing.B) {
		emptySysExit(b)
		run(b)
	})
	// Only this process: other processes' events would make the drain
	// goroutine compete with the benchmark for the CPUs.
	b.Run("probe_loaded_unselected", func(b *testing.B) {
		benchProbe(b, Options{Events: selectedSyscalls, PIDs: self})
		run(b)
	})
	// The receiver's default: the events of the "default" set, with every
	// event of the catalog in the object: what an unselected syscall pays
	// whatever the catalog's breadth.
	b.Run("probe_loaded_default_set", func(b *testing.B) {
		benchProbe(b, Options{Events: defaultSet(b), PIDs: self, CaptureArgv: true})
		run(b)
	})
	// Selecting execve attaches sys_enter as well: what that costs every
	// other syscall.
	b.Run("probe_loaded_unselected_with_execve", func(b *testing.B) {
		benchProbe(b, Options{Events: append([]uint32{59 /* execve */}, selectedSyscalls...), PIDs: self, CaptureArgv: true})
		run(b)
	})
}

func BenchmarkOpenatClose(b *testing.B) {
	file := filepath.Join(b.TempDir(), "bench")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B) {
		for b.Loop() {
			fd, err := unix.Openat(unix.AT_FDCWD, file, unix.O_RDONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			unix.Close(fd)
		}
	}
	self := []uint32{uint32(os.Getpid())}
	b.Run("baseline", run)
	// Only this process, as above: it traces itself.
	b.Run("probe_selected", func(b *testing.B) {
		benchProbe(b, Options{Events: selectedSyscalls, PIDs: self})
		run(b)
	})
	// The same with the reader woken every 64 records per CPU, the old
	// default: what wake-ups cost the traced workload.
	b.Run("probe_selected_wakeup64", func(b *testing.B) {
		benchProbe(b, Options{Events: selectedSyscalls, PIDs: self, WakeupEvents: 64})
		run(b)
	})
	// With a rate limit the loop never reaches: what the per-process
	// check costs every submitted record.
	b.Run("probe_selected_rate_limit", func(b *testing.B) {
		benchProbe(b, Options{Events: selectedSyscalls, PIDs: self, RateLimit: RateLimit{PerSecond: MaxRatePerSecond, Burst: 1 << 30}})
		run(b)
	})
	// With a limit the loop exceeds at once: a throttled event costs the
	// check, no record, no ring buffer room and no reading.
	b.Run("probe_selected_throttled", func(b *testing.B) {
		benchProbe(b, Options{Events: selectedSyscalls, PIDs: self, RateLimit: RateLimit{PerSecond: 1, Burst: 1}})
		run(b)
	})
	// security_file_open alone: the path walk and inode reads instead of
	// the user's string.
	b.Run("security_file_open", func(b *testing.B) {
		benchProbe(b, Options{Events: []uint32{uint32(catalog.IDSecurityFileOpen)}, PIDs: self})
		run(b)
	})
	// The same over its limit, as the default configuration's
	// rate_limit leaves most opens of a busy process: the decision comes
	// before the path walk, so this is near the cost of an unselected open.
	b.Run("security_file_open_throttled", func(b *testing.B) {
		benchProbe(b, Options{Events: []uint32{uint32(catalog.IDSecurityFileOpen)}, PIDs: self,
			RateLimit: RateLimit{PerSecond: 1, Burst: 1}})
		run(b)
	})
}

// BenchmarkExec measures what capturing an exec's environment costs the
// exec, with a short environment and with one past the 32 entries kept
// whole, whose rest the programs scan for loader variables. Every exec on
// the machine runs the program, so compare bpf-ns/run (the kernel's own
// count) more than ns/op, which a fork and exec dominate.
func BenchmarkExec(b *testing.B) {
	short := []string{"PATH=/usr/bin:/bin", "HOME=/root"}
	long := slices.Clone(short)
	for i := range 200 {
		long = append(long, fmt.Sprintf("FILLER%d=%s", i, strings.Repeat("f", 40)))
	}
	long = append(long, "LD_PRELOAD=libc.so.6")
	run := func(env []string) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command("/bin/true")
				cmd.Env = env
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	opts := Options{Events: []uint32{715 /* sched_process_exec */}, CaptureArgv: true, CaptureEnv: true}
	b.Run("baseline", run(short))
	b.Run("probe_short_env", func(b *testing.B) {
		benchProbe(b, opts)
		run(short)(b)
	})
	b.Run("probe_long_env", func(b *testing.B) {
		benchProbe(b, opts)
		run(long)(b)
	})
}
