//go:build linux && (amd64 || arm64)

package bpf

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/catalog"
)

// btfPath is where the kernel publishes its BTF; CO-RE relocations and
// tp_btf programs need it. A variable for tests.
var btfPath = "/sys/kernel/btf/vmlinux"

// Attach modes.
const (
	modeTPBTF = "tp_btf"
	modeRawTP = "raw_tracepoint"
)

// hook is one tracepoint and its program in each attach mode.
type hook struct {
	tracepoint string
	tpBTF      string
	rawTP      string
}

var (
	hookSysEnter = hook{"sys_enter", vigilProgTpBtfSysEnter, vigilProgRawTpSysEnter}
	hookSysExit  = hook{"sys_exit", vigilProgTpBtfSysExit, vigilProgRawTpSysExit}
	// derivedProgs is no hook of its own: the sys_exit program reaches it
	// by tail call (derived_progs in c/syscalls.c), so it is loaded with
	// hookSysExit and never attached.
	derivedProgs = hook{"sys_exit", vigilProgTpBtfSysExitDerived, vigilProgRawTpSysExitDerived}
	// tracepointHooks are the programs of the events with programs of
	// their own (tracepointEvents), by tracepoint.
	tracepointHooks = map[string]hook{
		"sched_process_fork": {"sched_process_fork", vigilProgTpBtfSchedProcessFork, vigilProgRawTpSchedProcessFork},
		"sched_process_exec": {"sched_process_exec", vigilProgTpBtfSchedProcessExec, vigilProgRawTpSchedProcessExec},
		"sched_process_exit": {"sched_process_exit", vigilProgTpBtfSchedProcessExit, vigilProgRawTpSchedProcessExit},
		"cgroup_mkdir":       {"cgroup_mkdir", vigilProgTpBtfCgroupMkdir, vigilProgRawTpCgroupMkdir},
		"cgroup_rmdir":       {"cgroup_rmdir", vigilProgTpBtfCgroupRmdir, vigilProgRawTpCgroupRmdir},
		"task_rename":        {"task_rename", vigilProgTpBtfTaskRename, vigilProgRawTpTaskRename},
	}
)

// Probe is a loaded and attached set of programs and the reader of their
// ring buffer. Read is for one goroutine; Flush, Backlog, Stats and Close
// may be called from others.
type Probe struct {
	coll     *ebpf.Collection
	links    []link.Link
	rd       *ringbuf.Reader
	counters *ebpf.Map
	mode     string
	rec      ringbuf.Record

	closeOnce sync.Once
	closeErr  error
}

// plan is what Load derived from Options.
type plan struct {
	syscalls map[uint32][6]uint8 // argument specs by event id (x86_64 syscall number)
	derived  map[uint32]uint32   // VIGIL_DERIVED_* bits by event id
	exec     uint32              // EXEC_EMIT_* bits
	hooks    []hook
}

func planFor(opts *Options) (*plan, error) {
	if len(opts.Events) == 0 {
		return nil, errors.New("bpf: no events selected")
	}
	p := &plan{syscalls: map[uint32][6]uint8{}, derived: map[uint32]uint32{}}
	for _, id := range opts.Events {
		d, ok := supported(id)
		if !ok {
			return nil, fmt.Errorf("bpf: event %d cannot be captured (SupportedEvents lists those that can)", id)
		}
		if tp, own := tracepointEvents[id]; own {
			h, ok := tracepointHooks[tp.tracepoint]
			if !ok {
				return nil, fmt.Errorf("bpf: event %d: no program on tracepoint %s", id, tp.tracepoint)
			}
			p.exec |= tp.emit
			if !slices.Contains(p.hooks, h) {
				p.hooks = append(p.hooks, h)
			}
			continue
		}
		if src, ok := syscallDerived[id]; ok {
			for _, nr := range src.syscalls {
				// a source this architecture lacks (arm64: open) is
				// reached through the others (openat)
				if _, ok := kernelSyscall(nr); ok {
					p.derived[nr] |= src.bit
				}
			}
			continue
		}
		if why := ArchLacks(id); why != "" {
			return nil, fmt.Errorf("bpf: event %d: %s", id, why)
		}
		spec, err := syscallSpec(d, opts.CaptureArgv, opts.CaptureEnv)
		if err != nil {
			return nil, fmt.Errorf("bpf: %w", err)
		}
		p.syscalls[id] = spec
	}
	// security_bprm_check takes the caller's comm from the rename the
	// exec makes (exec_comm in c/sched.c)
	if rename := tracepointHooks["task_rename"]; p.exec&execEmitBprm != 0 && !slices.Contains(p.hooks, rename) {
		p.hooks = append(p.hooks, rename)
	}
	if len(p.syscalls) > 0 || len(p.derived) > 0 {
		p.hooks = append(p.hooks, hookSysExit)
	}
	// Records are built at sys_exit; only execve/execveat need their
	// arguments read at entry, before a successful call replaces the
	// memory they point to, and exit/exit_group never reach sys_exit.
	// Without them nothing is attached to sys_enter, and no syscall pays
	// for it.
	// commit_creds compares the credentials at exit with those its
	// syscalls' entry saved.
	creds := slices.Contains(opts.Events, uint32(catalog.IDCommitCreds))
	for _, nr := range entrySyscalls {
		if _, ok := p.syscalls[nr]; ok || creds {
			p.hooks = append(p.hooks, hookSysEnter)
			break
		}
	}
	return p, nil
}

// Load loads the programs, attaches them (tp_btf, falling back to
// raw_tracepoint when the kernel refuses tracing programs), and starts
// capturing. Pass the caller's own pid in ExcludeTGIDs: a reader that traces
// itself feeds on its own events.
func Load(opts Options) (*Probe, error) {
	return load(opts, []string{modeTPBTF, modeRawTP})
}

func load(opts Options, modes []string) (*Probe, error) {
	ringSize := opts.RingBufferBytes
	if ringSize == 0 {
		ringSize = DefaultRingBufferBytes
	}
	if ringSize < os.Getpagesize() || ringSize&(ringSize-1) != 0 || ringSize > 1<<30 {
		return nil, fmt.Errorf("bpf: ring buffer size %d is not a power of two between the page size (%d) and 1 GiB", ringSize, os.Getpagesize())
	}
	wakeup := opts.WakeupEvents
	if wakeup == 0 {
		wakeup = DefaultWakeupEvents
	}
	if wakeup < 0 {
		return nil, fmt.Errorf("bpf: negative WakeupEvents %d", wakeup)
	}
	pl, err := planFor(&opts)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(btfPath); err != nil {
		return nil, fmt.Errorf("bpf: kernel BTF not found at %s (%w); a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed: %w",
			btfPath, err, errors.ErrUnsupported)
	}
	if err := runningKernel.check(); err != nil {
		return nil, err
	}

	var errs []error
	for _, mode := range modes {
		p, err := loadMode(&opts, pl, mode, uint64(ringSize), uint64(wakeup))
		if err == nil {
			return p, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", mode, err))
	}
	err = errors.Join(errs...)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return nil, fmt.Errorf("bpf: %w: the kernel refused the eBPF programs; run as root or grant CAP_BPF, CAP_PERFMON (and CAP_SYS_RESOURCE on kernels before 5.11): %w",
			os.ErrPermission, err)
	}
	return nil, fmt.Errorf("bpf: loading the eBPF programs: %w", err)
}

func loadMode(opts *Options, pl *plan, mode string, ringSize, wakeup uint64) (_ *Probe, err error) {
	spec, err := loadVigil()
	if err != nil {
		return nil, err
	}
	// Load only the programs of this mode that are attached.
	keep := map[string]bool{}
	for _, h := range pl.hooks {
		keep[h.name(mode)] = true
	}
	if len(pl.derived) > 0 {
		keep[derivedProgs.name(mode)] = true
	}
	for name := range spec.Programs {
		if !keep[name] {
			delete(spec.Programs, name)
		}
	}
	spec.Maps[vigilMapEvents].MaxEntries = uint32(ringSize)
	if err := setVariables(spec, opts, pl, ringSize, wakeup); err != nil {
		return nil, err
	}

	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		var verr *ebpf.VerifierError
		if errors.As(err, &verr) {
			return nil, fmt.Errorf("%w (verifier log tail: %v)", err, verr.Log[max(0, len(verr.Log)-5):])
		}
		return nil, err
	}
	p := &Probe{coll: coll, mode: mode, counters: coll.Maps[vigilMapCounters]}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if err := fillMaps(coll, opts, pl); err != nil {
		return nil, err
	}
	if len(pl.derived) > 0 {
		// DERIVED_PROG of c/syscalls.c
		if err := coll.Maps[vigilMapDerivedProgs].Put(uint32(0), coll.Programs[derivedProgs.name(mode)]); err != nil {
			return nil, fmt.Errorf("installing the derived events' program: %w", err)
		}
	}
	p.rd, err = ringbuf.NewReader(coll.Maps[vigilMapEvents])
	if err != nil {
		return nil, err
	}
	for _, h := range pl.hooks {
		prog := coll.Programs[h.name(mode)]
		var l link.Link
		if mode == modeTPBTF {
			l, err = link.AttachTracing(link.TracingOptions{Program: prog})
		} else {
			l, err = link.AttachRawTracepoint(link.RawTracepointOptions{Name: h.tracepoint, Program: prog})
		}
		if err != nil {
			return nil, fmt.Errorf("attaching to %s: %w", h.tracepoint, err)
		}
		p.links = append(p.links, l)
	}
	return p, nil
}

func (h hook) name(mode string) string {
	if mode == modeTPBTF {
		return h.tpBTF
	}
	return h.rawTP
}

func setVariables(spec *ebpf.CollectionSpec, opts *Options, pl *plan, ringSize, wakeup uint64) error {
	var filters, capture uint32
	if len(opts.PIDs) > 0 {
		filters |= filterPIDs
	}
	if len(opts.UIDs) > 0 {
		filters |= filterUIDs
	}
	if len(opts.Comms) > 0 {
		filters |= filterComms
	}
	if opts.CaptureArgv {
		capture |= captureArgv
	}
	if opts.CaptureEnv {
		capture |= captureEnv
	}
	if opts.Origin > OriginContainer {
		return fmt.Errorf("unknown origin %d", opts.Origin)
	}
	interval, tolerance, err := opts.RateLimit.pacing()
	if err != nil {
		return err
	}
	passes, err := exitPassesGroupDead()
	if err != nil {
		return err
	}
	var groupDeadArg uint32
	if passes {
		groupDeadArg = 1
	}
	vars := []struct {
		name  string
		value any
	}{
		{vigilVarCfgFilters, filters},
		{vigilVarCfgOrigin, uint32(opts.Origin)},
		{vigilVarCfgCapture, capture},
		{vigilVarCfgExecEvents, pl.exec},
		{vigilVarCfgWakeupEvents, wakeup},
		// Wake the reader when a quarter of the ring waits, whatever the
		// count: a burst must not fill the ring before anyone reads it.
		{vigilVarCfgWakeupBytes, ringSize / 4},
		{vigilVarCfgRateInterval, interval},
		{vigilVarCfgRateTolerance, tolerance},
		{vigilVarCfgExitGroupDeadArg, groupDeadArg},
	}
	for _, v := range vars {
		if err := spec.Variables[v.name].Set(v.value); err != nil {
			return fmt.Errorf("setting %s: %w", v.name, err)
		}
	}
	return nil
}

// syscallEntries returns the entries of the syscalls map (c/syscalls.c)
// by the kernel's syscall number. On x86_64 that is the event id, and a
// number can be selected both as an x86_64 syscall and as the ia32 twin of
// another. On arm64 the numbers are the generic table's, and each entry
// carries the event id its records report (native).
func syscallEntries(pl *plan) (map[uint32]*vigilVigilSyscall, error) {
	entries := map[uint32]*vigilVigilSyscall{}
	at := func(nr uint32) *vigilVigilSyscall {
		if entries[nr] == nil {
			entries[nr] = &vigilVigilSyscall{}
		}
		return entries[nr]
	}
	entry := func(id uint32) (*vigilVigilSyscall, error) {
		nr, ok := kernelSyscall(id)
		if !ok {
			return nil, fmt.Errorf("bpf: event %d: %s", id, ArchLacks(id))
		}
		e := at(nr)
		if arch != "amd64" {
			e.Native = uint16(id)
			return e, nil
		}
		for _, compat := range ia32Syscalls[id] {
			c := at(compat)
			c.Selected |= selectedCompat
			c.Native = uint16(id)
		}
		return e, nil
	}
	for id, spec := range pl.syscalls {
		e, err := entry(id)
		if err != nil {
			return nil, err
		}
		e.Selected |= selectedNative
		e.Args = spec
	}
	// A syscall that only feeds derived events keeps Selected clear, so its
	// own record is not emitted.
	for id, bits := range pl.derived {
		e, err := entry(id)
		if err != nil {
			return nil, err
		}
		e.Derived |= bits
	}
	return entries, nil
}

// pacing turns the limit into the kernel side's terms (cfg_rate_* in
// c/common.h): nanoseconds per record, and how far ahead of that pace a
// burst may run. Zero interval: no limit.
func (r RateLimit) pacing() (interval, tolerance uint64, err error) {
	if r.PerSecond == 0 {
		return 0, 0, nil
	}
	if r.PerSecond > MaxRatePerSecond {
		return 0, 0, fmt.Errorf("rate limit of %d records per second is above %d", r.PerSecond, MaxRatePerSecond)
	}
	burst := r.BurstSize()
	interval = 1e9 / r.PerSecond
	if burst-1 > math.MaxUint64/interval {
		return 0, 0, fmt.Errorf("rate limit burst %d is too large", burst)
	}
	return interval, interval * (burst - 1), nil
}

func fillMaps(coll *ebpf.Collection, opts *Options, pl *plan) error {
	one := uint8(1)
	entries, err := syscallEntries(pl)
	if err != nil {
		return err
	}
	for nr, e := range entries {
		if err := coll.Maps[vigilMapSyscalls].Put(nr, e); err != nil {
			return fmt.Errorf("selecting syscall %d: %w", nr, err)
		}
	}
	sets := []struct {
		m    string
		keys []uint32
	}{
		{vigilMapExcludedTgids, opts.ExcludeTGIDs},
		{vigilMapAllowedTgids, opts.PIDs},
		{vigilMapAllowedUids, opts.UIDs},
	}
	for _, s := range sets {
		for _, k := range s.keys {
			if err := coll.Maps[s.m].Put(k, one); err != nil {
				return fmt.Errorf("filling %s with %d: %w", s.m, k, err)
			}
		}
	}
	for _, c := range opts.Comms {
		var k vigilCommKey
		for i := 0; i < len(k.Comm)-1 && i < len(c); i++ {
			k.Comm[i] = int8(c[i])
		}
		if err := coll.Maps[vigilMapAllowedComms].Put(&k, one); err != nil {
			return fmt.Errorf("filling %s with %q: %w", vigilMapAllowedComms, c, err)
		}
	}
	return nil
}

// AttachMode returns how the programs are attached: "tp_btf" or
// "raw_tracepoint".
func (p *Probe) AttachMode() string { return p.mode }

// Read blocks until the next record and decodes it into ev, reusing its
// slices. It returns ErrClosed after Close, and ErrFlushed after the records
// pending at a Flush. A decode failure returns an error wrapping ErrDecode.
// Reading goes on after ErrFlushed and ErrDecode.
//
// Records written without a wake-up (see Options.WakeupEvents) reach Read
// only at the next wake-up or Flush: call Flush periodically.
func (p *Probe) Read(ev *Event) error {
	raw, err := p.ReadRaw()
	if err != nil {
		return err
	}
	return Decode(raw, ev)
}

// ReadRaw is Read without the decoding: it returns the record's bytes
// (c/wire.h), which DecodeHeader and Decode read. They are valid until the
// next Read or ReadRaw; a reader that hands records to other goroutines
// copies them, and can leave their arguments to be decoded there.
func (p *Probe) ReadRaw() ([]byte, error) {
	err := p.rd.ReadInto(&p.rec)
	switch {
	case err == nil:
		return p.rec.RawSample, nil
	case errors.Is(err, ringbuf.ErrFlushed):
		return nil, ErrFlushed
	case errors.Is(err, ringbuf.ErrClosed), errors.Is(err, os.ErrClosed):
		return nil, ErrClosed
	default:
		return nil, fmt.Errorf("bpf: reading the ring buffer: %w", err)
	}
}

// Flush makes a blocked Read return the records pending now, then
// ErrFlushed.
func (p *Probe) Flush() {
	_ = p.rd.Flush() // fails only once the reader is closed, when Read returns ErrClosed anyway
}

// Backlog returns how many bytes of records wait in the ring buffer, and its
// size: how close the kernel is to dropping. Not after Close.
func (p *Probe) Backlog() (pending, size int) {
	return p.rd.AvailableBytes(), p.rd.BufferSize()
}

// Stats returns the kernel side's counters, summed over CPUs.
func (p *Probe) Stats() (Stats, error) {
	var perCPU []vigilVigilCounters
	if err := p.counters.Lookup(uint32(0), &perCPU); err != nil {
		return Stats{}, fmt.Errorf("bpf: reading counters: %w", err)
	}
	var s Stats
	for _, c := range perCPU {
		s.Submitted += c.Submitted
		s.Lost += c.Lost
		s.Throttled += c.Throttled
	}
	return s, nil
}

// Close detaches the programs, unblocks Read and frees everything.
func (p *Probe) Close() error {
	p.closeOnce.Do(func() {
		var errs []error
		for _, l := range p.links {
			errs = append(errs, l.Close())
		}
		if p.rd != nil {
			errs = append(errs, p.rd.Close())
		}
		p.coll.Close()
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}
