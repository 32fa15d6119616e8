package kerneleventsreceiver

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := createDefaultConfig()
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg.(*Config)
}

func TestLoadConfig(t *testing.T) {
	def := loadConfig(t, "")
	assert.Equal(t, createDefaultConfig(), def)
	require.NoError(t, confmap.Validate(def))

	custom := loadConfig(t, "custom")
	require.NoError(t, confmap.Validate(custom))
	assert.Equal(t, &Config{
		Source: SourceEBPF,
		Events: []string{"proc", "openat", "connect"},
		Scope: ScopeConfig{
			Comms: []string{"nginx", "bash"}, UIDs: []int64{0, 33}, ExcludeSelf: false, Origin: OriginContainer,
		},
		File:             FileConfig{MaxLineBytes: 4 << 20},
		Capture:          CaptureConfig{Argv: false, Env: true},
		RingBufferSize:   16 << 20,
		BatchSize:        256,
		FlushInterval:    50 * time.Millisecond,
		OnUnavailable:    OnUnavailableWarn,
		ProcPath:         "/host/proc",
		DropCapabilities: true,
		QueueSize:        32,
		RateLimit:        RateLimitConfig{EventsPerSecond: 5000, Burst: 20000},
		ContainerRuntimes: ContainerRuntimesConfig{
			Enabled:    true,
			Containerd: RuntimeSocket{Socket: "/host/run/containerd/containerd.sock"},
			Podman:     RuntimeSocket{Socket: "/run/podman/podman.sock"},
			CRIO:       RuntimeSocket{Socket: "/var/run/crio/crio.sock"},
			Timeout:    500 * time.Millisecond,
			CacheSize:  1024,
		},
		AncestryDepth:  3,
		ExecutableHash: ExecutableHashConfig{Enabled: true, MaxFileSize: 64 << 20, Workers: 4, CacheSize: 4096},
	}, custom)

	replay := loadConfig(t, "replay")
	require.NoError(t, confmap.Validate(replay))
	assert.Equal(t, SourceFile, replay.Source)
	assert.Equal(t, 65536, replay.File.MaxLineBytes)
	assert.False(t, replay.DropCapabilities)
}

func TestValidateNamesTheField(t *testing.T) {
	tests := map[string][]string{
		"bad_event": {`events: unknown event or set "no_such_event", "also_bad"`},
		"bad_sizes": {"ring_buffer_size: 100000", "batch_size: 0 must be between 1 and 65536", "flush_interval: 0s must be at least 1ms"},
		"too_large": {
			"batch_size: 65537 must be between 1 and 65536",
			"flush_interval: 999µs must be at least 1ms",
			"file.max_line_bytes: 268435457 must be between 4096 and 268435456 bytes",
		},
		"too_small": {"flush_interval: 1ns must be at least 1ms", "file.max_line_bytes: 4095 must be between"},
		// values beyond 32 bits would have wrapped when decoded into uint32
		"bad_ids": {
			"scope.pids[1]: -1 is not a process id (1 to 4194304)",
			"scope.pids[2]: 4194305 is not a process id",
			"scope.pids[3]: 4294967297 is not a process id",
			"scope.uids[1]: -1 is not a user id (0 to 4294967294)",
			"scope.uids[2]: 4294967295 is not a user id",
			"scope.uids[3]: 4294967296 is not a user id",
		},
		"conflicts": {
			`file.path: set, but source is "ebpf"`,
			`scope.origin: "everywhere"`,
			`scope.comms: "a-very-long-process-name"`,
			"scope.pids[0]: 0 is not a process id",
			`on_unavailable: "ignore"`,
			`proc_path: "host/proc" must be an absolute path`,
		},
		"file_without_path": {`file.path: required when source is "file"`},
		"bad_overload": {
			"queue_size: 0 must be between 1 and 1024",
			"rate_limit.events_per_second: 2000000000 is above 1000000000",
			"rate_limit.burst: 2000000000 is above 1073741824",
		},
		"bad_container_runtimes": {
			`container_runtimes.crio.socket: "var/run/crio/crio.sock" must be an absolute path`,
			"container_runtimes.timeout: 0s must be between 10ms and 1m0s",
			"container_runtimes.cache_size: 2 must be between 16 and 1048576 containers",
		},
		"burst_without_rate": {"rate_limit.burst: 100 is set but rate_limit.events_per_second is 0"},
		"bad_enrichment": {
			"ancestry_depth: 65 must be between 0 (off) and 64",
			"executable_hash.max_file_size: 100 must be between 4096 and 4294967296 bytes",
			"executable_hash.workers: 0 must be between 1 and 64",
			"executable_hash.cache_size: 2000000 must be between 16 and 1048576 files",
		},
		"negative_depth": {"ancestry_depth: -1 must be between 0 (off) and 64"},
		"rate_limit_on_replay": {
			"queue_size: 1025 must be between 1 and 1024",
			`rate_limit.events_per_second: set, but source is "file"`,
		},
	}
	for name, wants := range tests {
		t.Run(name, func(t *testing.T) {
			err := confmap.Validate(loadConfig(t, name))
			require.Error(t, err)
			for _, w := range wants {
				assert.Contains(t, err.Error(), w)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), len(wants), "no other field is reported: %v", err)
		})
	}
}

func TestValidateBounds(t *testing.T) {
	// the bounds themselves are valid
	cfg := createDefaultConfig().(*Config)
	cfg.BatchSize = 65536
	cfg.FlushInterval = time.Millisecond
	cfg.File.MaxLineBytes = 4096
	cfg.Scope.PIDs = []int64{1, 4194304}
	cfg.Scope.UIDs = []int64{0, 4294967294}
	require.NoError(t, cfg.Validate())
	cfg.File.MaxLineBytes = 256 << 20
	cfg.BatchSize = 1
	require.NoError(t, cfg.Validate())

	cfg.AncestryDepth = 0
	cfg.ExecutableHash = ExecutableHashConfig{Enabled: true, MaxFileSize: 4096, Workers: 64, CacheSize: 16}
	require.NoError(t, cfg.Validate())
	cfg.AncestryDepth = 64
	cfg.ExecutableHash = ExecutableHashConfig{Enabled: true, MaxFileSize: 4 << 30, Workers: 1, CacheSize: 1 << 20}
	require.NoError(t, cfg.Validate())
	cfg.ExecutableHash = ExecutableHashConfig{Enabled: false} // off: the limits do not matter
	require.NoError(t, cfg.Validate())

	assert.Equal(t, []uint32{1, 4194304}, kernelIDs(cfg.Scope.PIDs))
	assert.Equal(t, []uint32{0, 4294967294}, kernelIDs(cfg.Scope.UIDs))
}

func TestResolveEventsExpandsSets(t *testing.T) {
	defs, err := resolveEvents([]string{"proc_life", "openat", "openat"})
	require.NoError(t, err)
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	assert.ElementsMatch(t, append(catalog.EventsInSet("proc_life"), "openat"), names)
	for i := 1; i < len(defs); i++ {
		assert.Less(t, defs[i-1].ID, defs[i].ID, "sorted by id, no duplicates")
	}
}

func TestCheckCapturable(t *testing.T) {
	openat, _ := catalog.LookupEvent("openat")
	only := map[catalog.EventID]bool{openat.ID: true}
	assert.NoError(t, checkCapturable([]string{"openat"}, only))
	err := checkCapturable([]string{"openat", "connect", "proc"}, only)
	require.Error(t, err)
	assert.Equal(t, `"connect" cannot be captured from the kernel yet (replay them with source: file)`, err.Error(),
		"named events are checked, sets are not")

	// Everything the catalog names can be captured by the kernel side today.
	var all []string
	for _, d := range catalog.Events() {
		all = append(all, d.Name)
	}
	assert.NoError(t, checkCapturable(all, capturableEvents()))
}
