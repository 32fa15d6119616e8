//go:build linux

package kerneleventsreceiver

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/containers"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/exehash"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/hostpid"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/lossreport"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// trackingEvents are always captured: the process tree needs fork, exec and
// exit, and the container resolver learns new cgroups from cgroup_mkdir
// before their short-lived processes can vanish. Only selected events become
// records.
var trackingEvents = []catalog.EventID{catalog.IDSchedProcessFork, catalog.IDSchedProcessExec, catalog.IDSchedProcessExit, catalog.IDCgroupMkdir}

// maxTrackedProcesses bounds the process tree (see proctree.New).
const maxTrackedProcesses = 1 << 20

// ebpfSource captures events from the running kernel.
type ebpfSource struct {
	cfg       *Config
	selected  map[catalog.EventID]bool
	telemetry *metadata.TelemetryBuilder
	logger    *zap.Logger

	// probe is set by open and kept after close (Read then returns
	// ErrClosed); closed guards the telemetry callbacks, and lastStats is
	// what they see once the probe is closed.
	probe     *bpf.Probe
	mu        sync.Mutex
	closed    bool
	lastStats bpf.Stats
	closeOnce sync.Once

	// builder resolves resources for the reader; builders is how many
	// goroutines write records (builderCount, or a benchmark's choice).
	builder  *recordBuilder
	builders int
	stop     chan struct{}

	// routes says, by event id, what the reader does with a record (see
	// route); made by run.
	routes []route
	// lastRun is the header of the last record dispatched, as far as its
	// resource depends on it; inRun is false when the next record must
	// resolve its resource whatever its header (see dispatch).
	lastRun runKey
	inRun   bool
	// gate tells the flusher when a tick has something to flush.
	gate flushGate
}

// route is what the reader does with the records of one event: decode
// their arguments to keep the process tree and the containers (tracks),
// and dispatch them as records of def (nil when not selected).
type route struct {
	def    *catalog.EventDef
	tracks bool
}

// runKey is what of a record's header its resource depends on; the rest
// comes from the process tree and the containers.
type runKey struct {
	hostPID, hostPPID, pid, ppid, uid, mountNS, pidNS uint32
	cgroupID                                          uint64
	comm                                              string
}

func runKeyOf(ev *bpf.Event) runKey {
	return runKey{ev.HostPID, ev.HostPPID, ev.PID, ev.PPID, ev.UID, ev.MountNS, ev.PIDNS, ev.CgroupID, ev.Comm}
}

// archLacks is bpf.ArchLacks; a test replaces it to play another
// architecture.
var archLacks = bpf.ArchLacks

func newEBPFSource(cfg *Config, events []*catalog.EventDef, tb *metadata.TelemetryBuilder, logger *zap.Logger) source {
	capturable := capturableEvents()
	named := make(map[string]bool, len(cfg.Events))
	for _, n := range cfg.Events {
		named[n] = true
	}
	selected := make(map[catalog.EventID]bool, len(events))
	var dropped, notHere []string
	for _, d := range events {
		switch {
		case !capturable[d.ID]:
			dropped = append(dropped, d.Name)
		// A set stands for what there is: its members this architecture
		// has no syscall for (arm64: open, stat, ...) are left out. An
		// event named on its own is kept, and start-up reports it.
		case !named[d.Name] && archLacks(uint32(d.ID)) != "":
			notHere = append(notHere, d.Name)
		default:
			selected[d.ID] = true
		}
	}
	if len(dropped) > 0 {
		logger.Warn("events of the configured sets that the kernel side cannot produce yet are left out", zap.Strings("events", dropped))
	}
	if len(notHere) > 0 {
		logger.Info("events of the configured sets that this architecture has no syscall for are left out",
			zap.String("arch", runtime.GOARCH), zap.Strings("events", notHere))
	}
	return &ebpfSource{cfg: cfg, selected: selected, telemetry: tb, logger: logger, builders: builderCount(), stop: make(chan struct{})}
}

func (s *ebpfSource) options() (bpf.Options, error) {
	opts := bpf.Options{
		PIDs:            kernelIDs(s.cfg.Scope.PIDs),
		UIDs:            kernelIDs(s.cfg.Scope.UIDs),
		Comms:           s.cfg.Scope.Comms,
		CaptureArgv:     s.cfg.Capture.Argv,
		CaptureEnv:      s.cfg.Capture.Env,
		RingBufferBytes: s.cfg.RingBufferSize,
		RateLimit:       s.rateLimit(),
	}
	switch s.cfg.Scope.Origin {
	case OriginHost:
		opts.Origin = bpf.OriginHost
	case OriginContainer:
		opts.Origin = bpf.OriginContainer
	}
	if s.cfg.Scope.ExcludeSelf {
		self, err := hostpid.Self() // not os.Getpid(): in a container that is another process's host pid
		if err != nil {
			return opts, fmt.Errorf("scope.exclude_self: %w (set scope.exclude_self: false to trace the collector too)", err)
		}
		opts.ExcludeTGIDs = []uint32{self}
	}
	ids := map[catalog.EventID]bool{}
	for id := range s.selected {
		// built from other events' records, which are captured instead
		if srcs, ok := fromRecords[id]; ok {
			for _, src := range srcs {
				ids[src] = true
			}
			continue
		}
		ids[id] = true
	}
	for _, id := range trackingEvents {
		ids[id] = true
	}
	for id := range ids {
		opts.Events = append(opts.Events, uint32(id))
	}
	return opts, nil
}

// unavailableEvents is bpf.Unavailable; a test replaces it to play a kernel
// that lacks a tracepoint.
var unavailableEvents = bpf.Unavailable

// leaveOutUnavailable checks the selected events against the running
// kernel. One it cannot provide fails start-up, naming the event and what
// the kernel lacks; with on_unavailable: warn it is left out, with a
// warning, and the rest is captured.
func (s *ebpfSource) leaveOutUnavailable() error {
	// What each selected event needs captured: itself, or the events it is
	// built from in the receiver.
	needs := map[catalog.EventID][]uint32{}
	var ids []uint32
	for id := range s.selected {
		srcs, built := fromRecords[id]
		if !built {
			srcs = []catalog.EventID{id}
		}
		for _, src := range srcs {
			needs[id] = append(needs[id], uint32(src))
			ids = append(ids, uint32(src))
		}
	}
	missing, err := unavailableEvents(ids)
	if err != nil {
		return fmt.Errorf("kernelevents: %w", err)
	}
	var left []string
	for id, srcs := range needs {
		for _, src := range srcs {
			if why, ok := missing[src]; ok {
				d, _ := catalog.LookupEventID(id) // selected events are the catalog's
				left = append(left, fmt.Sprintf("%s (%s)", d.Name, why))
				delete(s.selected, id)
				break
			}
		}
	}
	if len(left) == 0 {
		return nil
	}
	slices.Sort(left)
	if s.cfg.OnUnavailable != OnUnavailableWarn {
		return fmt.Errorf("kernelevents: events: this kernel cannot provide %s; select other events, or set on_unavailable: warn to capture the rest without them",
			strings.Join(left, ", "))
	}
	s.logger.Warn("events this kernel cannot provide are left out (on_unavailable: warn)", zap.Strings("events", left))
	return nil
}

func (s *ebpfSource) open() error {
	if err := checkCapabilitiesKept(); err != nil {
		return err
	}
	// Seed before loading so no fork/exec between the two is missed for
	// long: events read afterwards overwrite what the seed found.
	tree := proctree.New(maxTrackedProcesses)
	procPath := s.cfg.ProcPath
	if err := tree.SeedFromProc(procPath); err != nil {
		return fmt.Errorf("kernelevents: proc_path: reading %s for the process tree: %w", procPath, err)
	}
	// The cgroup hierarchy is where this process sees it mounted.
	s.builder = newRecordBuilder(tree, containers.NewResolver(procPath, containers.Cgroup2Mount("/proc/self/mountinfo")))
	if err := s.openRuntimes(); err != nil {
		return err
	}
	s.builder.ancestryDepth = s.cfg.AncestryDepth

	if err := s.leaveOutUnavailable(); err != nil {
		return err
	}
	opts, err := s.options()
	if err != nil {
		return fmt.Errorf("kernelevents: %w", err)
	}
	probe, err := bpf.Load(opts)
	if err != nil {
		return fmt.Errorf("kernelevents: %w", err)
	}
	s.probe = probe
	s.dropCapabilities()
	s.logger.Info("kernelevents receiver capturing", zap.String("attach_mode", probe.AttachMode()),
		zap.Int("selected_events", len(s.selected)), zap.Int("known_processes", tree.Len()), zap.Int("builders", s.builders))

	if h := s.cfg.ExecutableHash; h.Enabled {
		// close stops it, whether open succeeds or not
		s.builder.hasher = exehash.New(exehash.Config{
			MaxFileSize: h.MaxFileSize, Workers: h.Workers, CacheSize: h.CacheSize,
			QueueSize: min(h.CacheSize, maxHashQueue),
		}, exehash.ProcOpener(procPath))
		if err := s.registerHashTelemetry(); err != nil {
			return err
		}
	}
	if err := s.telemetry.RegisterKerneleventsEventsLostCallback(s.observeStats(lostOf)); err != nil {
		return err
	}
	if err := s.telemetry.RegisterKerneleventsEventsThrottledCallback(s.observeStats(throttledOf)); err != nil {
		return err
	}
	return s.telemetry.RegisterKerneleventsEventsSubmittedCallback(s.observeStats(func(st bpf.Stats) uint64 { return st.Submitted }))
}

// maxHashQueue bounds the files waiting for a hash worker.
const maxHashQueue = 1024

// registerHashTelemetry reports the executable hasher's counts.
func (s *ebpfSource) registerHashTelemetry() error {
	h, t := s.builder.hasher, s.telemetry
	observe := func(field func(exehash.Stats) int64) metric.Int64Callback {
		return func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(field(h.Stats()))
			return nil
		}
	}
	skipped := func(_ context.Context, o metric.Int64Observer) error {
		st := h.Stats()
		for reason, n := range map[string]int64{"too_large": st.TooLarge, "unreadable": st.Unreadable, "queue_full": st.QueueFull} {
			o.Observe(n, metric.WithAttributeSet(attribute.NewSet(attribute.String("skip_reason", reason))))
		}
		return nil
	}
	return errors.Join(
		t.RegisterKerneleventsExecutableHashCacheEntriesCallback(observe(func(st exehash.Stats) int64 { return st.Entries })),
		t.RegisterKerneleventsExecutableHashesComputedCallback(observe(func(st exehash.Stats) int64 { return st.Computed })),
		t.RegisterKerneleventsExecutableHashesPendingCallback(observe(func(st exehash.Stats) int64 { return st.Pending })),
		t.RegisterKerneleventsExecutableHashesSkippedCallback(skipped),
	)
}

func lostOf(st bpf.Stats) uint64      { return st.Lost }
func throttledOf(st bpf.Stats) uint64 { return st.Throttled }

func (s *ebpfSource) observeStats(field func(bpf.Stats) uint64) metric.Int64Callback {
	return func(_ context.Context, o metric.Int64Observer) error {
		st, err := s.stats()
		if err != nil {
			return err
		}
		o.Observe(int64(field(st)))
		return nil
	}
}

// stats reads the kernel's counters. Once the probe is closed, or when the
// read fails, it returns the last ones read (and the error).
func (s *ebpfSource) stats() (bpf.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.lastStats, nil
	}
	st, err := s.probe.Stats()
	if err != nil {
		return s.lastStats, err
	}
	s.lastStats = st
	return st, nil
}

// statsField reads one counter for a loss layer; a failed read repeats the
// last value, so it reports nothing.
func (s *ebpfSource) statsField(field func(bpf.Stats) uint64) func() uint64 {
	return func() uint64 {
		st, _ := s.stats()
		return field(st)
	}
}

func (s *ebpfSource) rateLimit() bpf.RateLimit {
	return bpf.RateLimit{PerSecond: s.cfg.RateLimit.EventsPerSecond, Burst: s.cfg.RateLimit.Burst}
}

// lossLayers are the kernel's: the ring buffer when full, and the rate
// limit.
func (s *ebpfSource) lossLayers() []lossLayer {
	ring := s.cfg.RingBufferSize
	layers := []lossLayer{newLossLayer(s.logger, "kernel_ring_buffer", s.statsField(lostOf), func(count, window string) string {
		return fmt.Sprintf("kernel dropped %s events in the last %s (ring buffer %s full); the reader fell behind: raise ring_buffer_size, set rate_limit, or narrow events or scope",
			count, window, formatBytes(ring))
	})}
	if r := s.rateLimit(); r.PerSecond > 0 {
		layers = append(layers, newLossLayer(s.logger, "kernel_rate_limit", s.statsField(throttledOf), func(count, window string) string {
			return fmt.Sprintf("kernel rate-limited %s events from noisy processes in the last %s (rate_limit %s/s, burst %s)",
				count, window, lossreport.Count(r.PerSecond), lossreport.Count(r.BurstSize()))
		}))
	}
	return layers
}

// behind reports whether more than 7/8 of the ring buffer waits to be
// read: a reader waiting for the pipeline any longer would make the kernel
// drop records. The last eighth (1 MiB of the default 8) is room for what
// arrives while the reader notices (it looks every behindCheck) and starts
// dropping batches to catch up; the rest holds bursts.
func (s *ebpfSource) behind() bool {
	pending, size := s.backlog()
	return pending > size-size/8
}

// backlog is the probe's Backlog, or nothing once it is closed (its ring is
// unmapped then).
func (s *ebpfSource) backlog() (pending, size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, 0
	}
	return s.probe.Backlog()
}

// formatBytes shows a ring buffer size (a power of two) in KiB or MiB.
func formatBytes(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func (s *ebpfSource) resource(m pcommon.Map) { putHostResource(m) }

// run reads until the probe is closed. A flusher goroutine wakes the reader
// every flush interval so a quiet system still delivers within it, unless
// there is nothing to deliver (see flushGate). The
// reader keeps the process tree and resolves each record's resource in the
// ring's order, from the records' headers and the arguments of the events
// that change the tree; builders decode the other arguments and write the
// records, a batch each (see builders).
func (s *ebpfSource) run(ctx context.Context, out *batcher) {
	probe := s.probe
	gate := &s.gate
	go s.flushEvery(probe, gate, s.cfg.FlushInterval)
	malformed := func() { s.telemetry.KerneleventsDecodeErrors.Add(ctx, 1) }
	bs := startBuilders(s.builder, out, s.builders, malformed)
	defer bs.stop()
	s.routes = s.makeRoutes()

	var ev bpf.Event
	for {
		raw, err := probe.ReadRaw()
		switch {
		case err == nil:
		case errors.Is(err, bpf.ErrFlushed):
			bs.flush()
			gate.flushed()
			continue
		case errors.Is(err, bpf.ErrClosed):
			return
		default:
			s.logger.Error("reading kernel events failed; capture stopped", zap.Error(err))
			return
		}
		if gate.read() {
			probe.Flush()
		}
		if !s.handle(bs, raw, &ev) {
			malformed()
		}
	}
}

// handle does the reader's part for one record, raw, with ev to decode
// it into: keeps the tree and the containers, and hands the record (and
// any event made from it) to the builders if selected. It returns false,
// and hands on nothing, if raw does not decode.
func (s *ebpfSource) handle(bs *builders, raw []byte, ev *bpf.Event) bool {
	if bpf.DecodeHeader(raw, ev) != nil {
		return false
	}
	var r route
	if int(ev.EventID) < len(s.routes) {
		r = s.routes[ev.EventID]
	}
	if r.tracks {
		// the tree or the containers may change: the next record
		// resolves its resource again
		s.inRun = false
		if bpf.Decode(raw, ev) != nil {
			return false
		}
		s.track(ev)
		if cev, def, ok := containerEvent(ev); ok && s.selected[def.ID] {
			key, argv, _ := s.builder.resourceOf(cev)
			bs.addEvent(cev, def, &key, argv)
		}
	}
	if r.def != nil {
		s.dispatch(bs, raw, ev, r.def)
	}
	return true
}

// makeRoutes returns the routes by event id: the events the tree and the
// containers follow are tracked, the selected ones dispatched.
func (s *ebpfSource) makeRoutes() []route {
	var routes []route
	at := func(id catalog.EventID) *route {
		if int(id) >= len(routes) {
			routes = append(routes, make([]route, int(id)+1-len(routes))...)
		}
		return &routes[id]
	}
	for _, id := range trackingEvents {
		at(id).tracks = true
	}
	for id := range containerEvents {
		at(id).tracks = true
	}
	for id := range s.selected {
		if def, ok := catalog.LookupEventID(id); ok {
			at(id).def = def
		}
	}
	return routes
}

// dispatch resolves the resource of ev, the header of raw, now, before a
// later event changes the process tree, and adds raw to the batch the
// builders write next. A record whose header says what the previous one's
// did joins that one's resource without resolving it again, within a
// batch, while no tracked event came between: the tree is as it was. A
// process in a container its runtime has not described yet starts no run:
// the description arrives in the background, with nothing in the ring to
// say so, and the next record must carry it.
func (s *ebpfSource) dispatch(bs *builders, raw []byte, ev *bpf.Event, def *catalog.EventDef) {
	k := runKeyOf(ev)
	if s.inRun && bs.filling() && k == s.lastRun {
		bs.add(raw, def, nil, nil)
		return
	}
	key, argv, awaiting := s.builder.resourceOf(ev)
	bs.add(raw, def, &key, argv)
	s.lastRun, s.inRun = k, !awaiting
}

// flushEvery flushes probe every interval when gate says it is due.
func (s *ebpfSource) flushEvery(probe *bpf.Probe, gate *flushGate, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if pending, _ := s.backlog(); gate.due(pending) {
				probe.Flush()
			}
		}
	}
}

// track keeps the process tree current from fork, exec and exit, and tells
// the container resolver about new cgroups.
func (s *ebpfSource) track(ev *bpf.Event) {
	tree := s.builder.tree
	switch catalog.EventID(ev.EventID) {
	case catalog.IDCgroupMkdir:
		// Only the unified (v2) hierarchy, id 0: event cgroup ids are v2
		// ids, and a v1 hierarchy's ids are another numbering.
		if argUint(ev, "cgroup_mkdir", "hierarchy_id") == 0 {
			s.builder.containers.Learn(argUint(ev, "cgroup_mkdir", "cgroup_id"), argString(ev, "cgroup_mkdir", "cgroup_path"))
		}
	case catalog.IDSchedProcessFork:
		childPID, childTID := argUint(ev, "sched_process_fork", "child_pid"), argUint(ev, "sched_process_fork", "child_tid")
		if childPID != 0 && childPID == childTID { // a new process, not a new thread
			tree.Fork(ev.HostPID, uint32(childPID))
		}
	case catalog.IDSchedProcessExec:
		path := argString(ev, "sched_process_exec", "pathname")
		tree.Exec(ev.HostPID, ev.HostPPID, path, argStrings(ev, "sched_process_exec", "argv"))
	case catalog.IDSchedProcessExit:
		if argUint(ev, "sched_process_exit", "process_group_exit") != 0 {
			tree.Exit(ev.HostPID)
		}
	}
}

func (s *ebpfSource) close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		s.mu.Lock()
		if s.probe != nil {
			if st, err := s.probe.Stats(); err == nil {
				s.lastStats = st
			}
		}
		s.closed = true
		s.mu.Unlock()
		if s.probe != nil { // nil when open failed
			err = s.probe.Close()
		}
		if s.builder != nil && s.builder.runtimes != nil {
			err = errors.Join(err, s.builder.runtimes.Close())
		}
		if s.builder != nil && s.builder.hasher != nil {
			s.builder.hasher.Close()
		}
	})
	return err
}
