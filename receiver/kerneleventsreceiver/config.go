package kerneleventsreceiver

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
)

// Sources of events.
const (
	SourceEBPF = "ebpf" // capture from the running kernel
	SourceFile = "file" // replay Tracee v0.22.6 JSON events, one per line
)

// What to do when eBPF cannot be used.
const (
	OnUnavailableFail = "fail" // fail start-up: the collector does not run without capture
	OnUnavailableWarn = "warn" // log the reason and keep the collector running without events
)

// Origins the scope can be limited to.
const (
	OriginAny       = "any"
	OriginHost      = "host"
	OriginContainer = "container"
)

// Config is the kernelevents receiver's configuration.
type Config struct {
	// Source is "ebpf" (default) or "file".
	Source string `mapstructure:"source"`
	// File configures the replay source.
	File FileConfig `mapstructure:"file"`
	// Events lists event names and sets (default, proc, fs, net, syscalls,
	// ..., all) to capture. Default: ["default"].
	Events []string `mapstructure:"events"`
	// Scope limits which tasks are traced; filters run in the kernel.
	Scope ScopeConfig `mapstructure:"scope"`
	// Capture chooses optional, costlier argument capture.
	Capture CaptureConfig `mapstructure:"capture"`
	// RingBufferSize is the kernel ring buffer size in bytes: a power of two
	// between 64 KiB and 1 GiB. Default 8 MiB.
	RingBufferSize int `mapstructure:"ring_buffer_size"`
	// BatchSize is the most records handed to the next consumer at once.
	BatchSize int `mapstructure:"batch_size"`
	// FlushInterval is the longest a record waits for its batch to fill.
	FlushInterval time.Duration `mapstructure:"flush_interval"`
	// OnUnavailable is "fail" (default) or "warn".
	OnUnavailable string `mapstructure:"on_unavailable"`
	// ProcPath is where the host's procfs is mounted: the process tree is
	// seeded from it and container ids are read from it. Default "/proc";
	// a pod mounting the host's procfs elsewhere names that path.
	ProcPath string `mapstructure:"proc_path"`
	// DropCapabilities drops, once the eBPF programs are loaded, every
	// capability the running receiver does not need and sets no_new_privs
	// (default true; see the README's Privileges section).
	DropCapabilities bool `mapstructure:"drop_capabilities"`
	// ContainerRuntimes describes containers (name, image, pod) from the
	// runtimes that own them.
	ContainerRuntimes ContainerRuntimesConfig `mapstructure:"container_runtimes"`

	// Overload: what gives when capture outruns the pipeline.

	// QueueSize is how many batches may wait for the next consumer. The
	// reader never waits for the pipeline: when the queue is full the batch
	// is dropped and counted, and the kernel's ring buffer keeps draining.
	QueueSize int `mapstructure:"queue_size"`
	// RateLimit throttles noisy processes in the kernel.
	RateLimit RateLimitConfig `mapstructure:"rate_limit"`

	// Enrichment: what records of captured events carry besides the event.

	// AncestryDepth is how many ancestors (parent first) a record's resource
	// lists, from the process tree; 0 turns ancestry off. Default 5.
	AncestryDepth int `mapstructure:"ancestry_depth"`
	// ExecutableHash puts the SHA-256 of the executed file on exec records.
	ExecutableHash ExecutableHashConfig `mapstructure:"executable_hash"`
}

// ExecutableHashConfig bounds the hashing of executed files, which runs off
// the reader's path: a record whose file is not hashed yet says so rather
// than wait.
type ExecutableHashConfig struct {
	// Enabled turns hashing on (default true; captured events only).
	Enabled bool `mapstructure:"enabled"`
	// MaxFileSize is the largest file hashed, in bytes; larger ones are
	// marked too_large. Default 256 MiB.
	MaxFileSize int64 `mapstructure:"max_file_size"`
	// Workers is how many files are read at once. Default 2.
	Workers int `mapstructure:"workers"`
	// CacheSize is how many files' hashes are remembered. Default 16384.
	CacheSize int `mapstructure:"cache_size"`
}

// RateLimitConfig limits the records each process may produce, in the
// kernel, so that a few noisy processes cannot fill the ring buffer and the
// queue with records that crowd out everyone else's. Fork, exec, exit and
// cgroup_mkdir are never throttled.
type RateLimitConfig struct {
	// EventsPerSecond is a process's average allowance; 0 turns the limit
	// off.
	EventsPerSecond uint64 `mapstructure:"events_per_second"`
	// Burst is how many records a process may produce at once; 0 means
	// one second's worth (EventsPerSecond).
	Burst uint64 `mapstructure:"burst"`
}

// FileConfig configures the replay source.
type FileConfig struct {
	Path string `mapstructure:"path"`
	// MaxLineBytes bounds one line of the file; longer lines are skipped
	// and counted.
	MaxLineBytes int `mapstructure:"max_line_bytes"`
}

// ScopeConfig limits the traced tasks. Ids are int64 rather than the
// kernel's 32-bit types so that a value that does not fit is an error of
// Validate, not a number that silently wraps while decoding.
type ScopeConfig struct {
	Comms       []string `mapstructure:"comms"`        // only these process names
	PIDs        []int64  `mapstructure:"pids"`         // only these host pids
	UIDs        []int64  `mapstructure:"uids"`         // only these user ids
	ExcludeSelf bool     `mapstructure:"exclude_self"` // never trace the collector itself (default true)
	Origin      string   `mapstructure:"origin"`       // any (default), host, container
}

// CaptureConfig chooses optional argument capture.
type CaptureConfig struct {
	Argv bool `mapstructure:"argv"` // argv of exec events (default true)
	Env  bool `mapstructure:"env"`  // environment of exec events (default false: secrets live there)
}

const (
	minRingBuffer = 64 << 10
	maxRingBuffer = 1 << 30
	maxCommLen    = 15 // TASK_COMM_LEN - 1
	// A batch is built in memory before it is handed on.
	maxBatchSize = 1 << 16
	// Below this the flusher wakes the reader so often that an idle
	// collector burns CPU (at 1ns, well over a core).
	minFlushInterval = time.Millisecond
	// A replayed line is held in memory whole; Tracee events with full argv
	// and env stay well below the default.
	defaultMaxLineBytes = 4 << 20
	minMaxLineBytes     = 4 << 10
	maxMaxLineBytes     = 256 << 20
	// PID_MAX_LIMIT on 64-bit kernels: no pid is larger.
	maxPID = 4 << 20
	// uid_t is 32 bits and (uid_t)-1 means "no uid" to the kernel.
	maxUID       = math.MaxUint32 - 1
	maxQueueSize = 1024
	maxBurst     = 1 << 30
	// Deeper chains than this are rare and would make every resource bigger.
	maxAncestryDepth = 64
	// A hash of a larger file costs seconds of a worker's CPU.
	minHashFileSize = 4 << 10
	maxHashFileSize = 4 << 30
	maxHashWorkers  = 64
	minHashCache    = 16
	maxHashCache    = 1 << 20
)

var _ component.Config = (*Config)(nil)

func createDefaultConfig() component.Config {
	return &Config{
		Source:           SourceEBPF,
		File:             FileConfig{MaxLineBytes: defaultMaxLineBytes},
		Events:           []string{"default"},
		Scope:            ScopeConfig{ExcludeSelf: true, Origin: OriginAny},
		Capture:          CaptureConfig{Argv: true},
		RingBufferSize:   8 << 20,
		BatchSize:        1024,
		FlushInterval:    200 * time.Millisecond,
		OnUnavailable:    OnUnavailableFail,
		ProcPath:         "/proc",
		DropCapabilities: true,
		QueueSize:        defaultQueueSize,

		ContainerRuntimes: defaultContainerRuntimes(),
		AncestryDepth:     5,
		ExecutableHash:    ExecutableHashConfig{Enabled: true, MaxFileSize: 256 << 20, Workers: 2, CacheSize: 16384},
	}
}

// defaultQueueSize holds about three seconds of capture at the rate
// examples/default.yaml's pipeline keeps up with (see the README's Overload
// section), in 1024-record batches of under 1 MB each.
const defaultQueueSize = 16

// Validate checks the configuration and names the offending field.
func (c *Config) Validate() error {
	var errs []error
	switch c.Source {
	case SourceEBPF:
		if c.File.Path != "" {
			errs = append(errs, errors.New(`file.path: set, but source is "ebpf"; set source: file to replay it`))
		}
	case SourceFile:
		if c.File.Path == "" {
			errs = append(errs, errors.New(`file.path: required when source is "file"`))
		}
	default:
		errs = append(errs, fmt.Errorf("source: %q is not one of %q, %q", c.Source, SourceEBPF, SourceFile))
	}
	if c.File.MaxLineBytes < minMaxLineBytes || c.File.MaxLineBytes > maxMaxLineBytes {
		errs = append(errs, fmt.Errorf("file.max_line_bytes: %d must be between %d and %d bytes", c.File.MaxLineBytes, minMaxLineBytes, maxMaxLineBytes))
	}
	if _, err := resolveEvents(c.Events); err != nil {
		errs = append(errs, fmt.Errorf("events: %w", err))
	} else if c.Source == SourceEBPF {
		if err := checkCapturable(c.Events, capturableEvents()); err != nil {
			errs = append(errs, fmt.Errorf("events: %w", err))
		}
	}
	if c.RingBufferSize < minRingBuffer || c.RingBufferSize > maxRingBuffer || bits.OnesCount(uint(c.RingBufferSize)) != 1 {
		errs = append(errs, fmt.Errorf("ring_buffer_size: %d must be a power of two between %d and %d bytes", c.RingBufferSize, minRingBuffer, maxRingBuffer))
	}
	if c.BatchSize <= 0 || c.BatchSize > maxBatchSize {
		errs = append(errs, fmt.Errorf("batch_size: %d must be between 1 and %d", c.BatchSize, maxBatchSize))
	}
	if c.FlushInterval < minFlushInterval {
		errs = append(errs, fmt.Errorf("flush_interval: %s must be at least %s", c.FlushInterval, minFlushInterval))
	}
	if c.OnUnavailable != OnUnavailableFail && c.OnUnavailable != OnUnavailableWarn {
		errs = append(errs, fmt.Errorf("on_unavailable: %q is not one of %q, %q", c.OnUnavailable, OnUnavailableFail, OnUnavailableWarn))
	}
	if c.Source == SourceEBPF && !strings.HasPrefix(c.ProcPath, "/") {
		errs = append(errs, fmt.Errorf("proc_path: %q must be an absolute path to a procfs mount", c.ProcPath))
	}
	errs = append(errs, c.Scope.validate()...)
	errs = append(errs, c.ContainerRuntimes.validate()...)
	errs = append(errs, c.validateOverload()...)
	errs = append(errs, c.validateEnrichment()...)
	return errors.Join(errs...)
}

func (c *Config) validateOverload() []error {
	var errs []error
	if c.QueueSize < 1 || c.QueueSize > maxQueueSize {
		errs = append(errs, fmt.Errorf("queue_size: %d must be between 1 and %d batches", c.QueueSize, maxQueueSize))
	}
	r := c.RateLimit
	if r.EventsPerSecond > bpf.MaxRatePerSecond {
		errs = append(errs, fmt.Errorf("rate_limit.events_per_second: %d is above %d", r.EventsPerSecond, uint64(bpf.MaxRatePerSecond)))
	}
	if r.Burst > maxBurst {
		errs = append(errs, fmt.Errorf("rate_limit.burst: %d is above %d", r.Burst, maxBurst))
	}
	if r.Burst != 0 && r.EventsPerSecond == 0 {
		errs = append(errs, fmt.Errorf("rate_limit.burst: %d is set but rate_limit.events_per_second is 0 (no limit); set both", r.Burst))
	}
	if r.EventsPerSecond != 0 && c.Source == SourceFile {
		errs = append(errs, errors.New(`rate_limit.events_per_second: set, but source is "file"; the limit applies to kernel capture`))
	}
	return errs
}

func (c *Config) validateEnrichment() []error {
	var errs []error
	if c.AncestryDepth < 0 || c.AncestryDepth > maxAncestryDepth {
		errs = append(errs, fmt.Errorf("ancestry_depth: %d must be between 0 (off) and %d", c.AncestryDepth, maxAncestryDepth))
	}
	h := c.ExecutableHash
	if !h.Enabled {
		return errs
	}
	if h.MaxFileSize < minHashFileSize || h.MaxFileSize > maxHashFileSize {
		errs = append(errs, fmt.Errorf("executable_hash.max_file_size: %d must be between %d and %d bytes", h.MaxFileSize, minHashFileSize, int64(maxHashFileSize)))
	}
	if h.Workers < 1 || h.Workers > maxHashWorkers {
		errs = append(errs, fmt.Errorf("executable_hash.workers: %d must be between 1 and %d", h.Workers, maxHashWorkers))
	}
	if h.CacheSize < minHashCache || h.CacheSize > maxHashCache {
		errs = append(errs, fmt.Errorf("executable_hash.cache_size: %d must be between %d and %d files", h.CacheSize, minHashCache, maxHashCache))
	}
	return errs
}

func (s *ScopeConfig) validate() []error {
	var errs []error
	switch s.Origin {
	case OriginAny, OriginHost, OriginContainer:
	default:
		errs = append(errs, fmt.Errorf("scope.origin: %q is not one of %q, %q, %q", s.Origin, OriginAny, OriginHost, OriginContainer))
	}
	for _, c := range s.Comms {
		if c == "" || len(c) > maxCommLen {
			errs = append(errs, fmt.Errorf("scope.comms: %q must be 1 to %d bytes (the kernel keeps only %d of a process name)", c, maxCommLen, maxCommLen))
		}
	}
	for i, p := range s.PIDs {
		if p <= 0 || p > maxPID {
			errs = append(errs, fmt.Errorf("scope.pids[%d]: %d is not a process id (1 to %d)", i, p, maxPID))
		}
	}
	for i, u := range s.UIDs {
		if u < 0 || u > maxUID {
			errs = append(errs, fmt.Errorf("scope.uids[%d]: %d is not a user id (0 to %d)", i, u, maxUID))
		}
	}
	return errs
}

// kernelIDs converts pids or uids that passed Validate to the kernel's
// 32-bit ids.
func kernelIDs(ids []int64) []uint32 {
	out := make([]uint32, len(ids))
	for i, id := range ids {
		out[i] = uint32(id)
	}
	return out
}

// resolveEvents expands names and sets into the catalog definitions they
// name, sorted by id. An unknown name is an error that lists what exists.
func resolveEvents(names []string) ([]*catalog.EventDef, error) {
	if len(names) == 0 {
		return nil, errors.New("empty: name at least one event or set (e.g. default)")
	}
	seen := map[catalog.EventID]*catalog.EventDef{}
	var unknown []string
	for _, n := range names {
		if d, ok := catalog.LookupEvent(n); ok {
			seen[d.ID] = d
			continue
		}
		members := catalog.EventsInSet(n)
		if len(members) == 0 {
			unknown = append(unknown, n)
			continue
		}
		for _, m := range members {
			d, _ := catalog.LookupEvent(m)
			seen[d.ID] = d
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown event or set %s (see the event catalog in the receiver README)", strings.Join(quoteAll(unknown), ", "))
	}
	out := make([]*catalog.EventDef, 0, len(seen))
	for _, d := range seen {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// checkCapturable rejects events named one by one that the kernel side
// cannot produce. Sets are not checked: they stand for "what there is", and
// the eBPF source drops (and logs) their members it cannot capture.
func checkCapturable(names []string, capturable map[catalog.EventID]bool) error {
	var missing []string
	for _, n := range names {
		if d, ok := catalog.LookupEvent(n); ok && !capturable[d.ID] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s cannot be captured from the kernel yet (replay them with source: file)", strings.Join(quoteAll(missing), ", "))
	}
	return nil
}

// capturableEvents is the set of event ids the eBPF programs produce, and
// those the receiver builds from their records.
func capturableEvents() map[catalog.EventID]bool {
	ids := bpf.SupportedEvents()
	out := make(map[catalog.EventID]bool, len(ids))
	for _, id := range ids {
		out[catalog.EventID(id)] = true
	}
	for id := range fromRecords {
		out[id] = true
	}
	return out
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}
