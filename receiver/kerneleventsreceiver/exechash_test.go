package kerneleventsreceiver

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/bpf"
	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/exehash"
	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/proctree"
)

// execOf is a decoded sched_process_exec of the file (8, inode, ctime).
func execOf(pid uint32, inode uint64) bpf.Event {
	def, _ := catalog.LookupEvent("sched_process_exec")
	at := func(name string) uint8 { return uint8(def.ArgIndex(name)) }
	return bpf.Event{
		Timestamp: 1_000_000, EventID: uint32(def.ID), Syscall: -1,
		HostPID: pid, HostTID: pid, HostPPID: 1, PID: pid, TID: pid, PPID: 1, Comm: "tool",
		Args: []bpf.Arg{
			{Index: at("pathname"), Kind: bpf.ArgString, Str: "/usr/bin/tool"},
			{Index: at("dev"), Kind: bpf.ArgUint, Uint: 8},
			{Index: at("inode"), Kind: bpf.ArgUint, Uint: inode},
			{Index: at("ctime"), Kind: bpf.ArgUint, Uint: 1},
		},
	}
}

// fileOpener opens every requested file as content, once gate (if not nil)
// is closed.
func fileOpener(content string, gate chan struct{}) exehash.Opener {
	return func(exehash.Request) (exehash.Opened, error) {
		if gate != nil {
			<-gate
		}
		return exehash.Opened{ReadCloser: io.NopCloser(strings.NewReader(content)), Size: int64(len(content)), Ctime: 1}, nil
	}
}

// buildExecs builds the records of execs and hands them on.
func buildExecs(rb *recordBuilder, out *batcher, evs ...bpf.Event) {
	def, _ := catalog.LookupEvent("sched_process_exec")
	for i := range evs {
		rb.build(&evs[i], def, out, observedNow())
		if out.full() {
			out.flush()
		}
	}
	out.flush()
}

// hashStatuses builds execs and returns their records, once the sink has
// them.
func hashStatuses(t *testing.T, rb *recordBuilder, out *batcher, sink *consumertest.LogsSink, evs ...bpf.Event) []plog.LogRecord {
	t.Helper()
	before := sink.LogRecordCount()
	buildExecs(rb, out, evs...)
	return sunk(t, sink, before, len(evs))
}

// sunk returns the n records the sink gets after its first skip.
func sunk(t *testing.T, sink *consumertest.LogsSink, skip, n int) []plog.LogRecord {
	t.Helper()
	require.Eventually(t, func() bool { return sink.LogRecordCount() == skip+n }, waitLimit, time.Millisecond)
	var lrs []plog.LogRecord
	for _, ld := range sink.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				lrs = append(lrs, lr)
			}
		}
	}
	return lrs[skip:]
}

func TestExecRecordsCarryTheHash(t *testing.T) {
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, proctree.New(16), sink, 16)
	rb.hasher = exehash.New(exehash.Config{MaxFileSize: 1 << 20, Workers: 1, CacheSize: 16, QueueSize: 4}, fileOpener("\x7fELF tool", nil))
	t.Cleanup(rb.hasher.Close)

	first := hashStatuses(t, rb, out, sink, execOf(100, 42))[0].Attributes()
	assert.Equal(t, exehash.StatusPending, get(t, first, vigil.AttrExecutableHashStatus).Str(), "the first exec does not wait")
	_, hasSum := first.Get(vigil.AttrExecutableSHA256)
	assert.False(t, hasSum)
	assert.Equal(t, "sched_process_exec /usr/bin/tool", hashStatuses(t, rb, out, sink, execOf(100, 42))[0].Body().Str(), "the hash stays out of the body")

	require.Eventually(t, func() bool { return rb.hasher.Stats().Computed == 1 }, waitLimit, time.Millisecond)
	want := sha256.Sum256([]byte("\x7fELF tool"))
	at := hashStatuses(t, rb, out, sink, execOf(101, 42))[0].Attributes()
	assert.Equal(t, exehash.StatusOK, get(t, at, vigil.AttrExecutableHashStatus).Str(), "another process running the same file")
	assert.Equal(t, hex.EncodeToString(want[:]), get(t, at, vigil.AttrExecutableSHA256).Str())

	noFile := execOf(102, 0) // the event lost its file's arguments
	at = hashStatuses(t, rb, out, sink, noFile)[0].Attributes()
	assert.Equal(t, exehash.StatusUnreadable, get(t, at, vigil.AttrExecutableHashStatus).Str())

	rb.hasher = nil // executable_hash.enabled: false
	_, ok := hashStatuses(t, rb, out, sink, execOf(103, 42))[0].Attributes().Get(vigil.AttrExecutableHashStatus)
	assert.False(t, ok)
}

// TestExecBurstNeverWaitsForHashes: 10,000 execs of distinct files while
// no file can be read. Every record is built and handed on, each saying
// pending, and the cache stays within its bound.
func TestExecBurstNeverWaitsForHashes(t *testing.T) {
	const execs = 10_000
	sink := new(consumertest.LogsSink)
	rb, out := newTestBuilder(t, proctree.New(16), sink, 1024)
	gate := make(chan struct{})
	cfg := exehash.Config{MaxFileSize: 1 << 20, Workers: 2, CacheSize: 1024, QueueSize: 256}
	rb.hasher = exehash.New(cfg, fileOpener("ELF", gate))
	t.Cleanup(rb.hasher.Close)
	t.Cleanup(func() { close(gate) })

	evs := make([]bpf.Event, execs)
	for i := range evs {
		evs[i] = execOf(uint32(1000+i%500), uint64(i+1))
	}
	var heap0, heap1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&heap0)
	built := make(chan struct{})
	go func() {
		buildExecs(rb, out, evs...)
		close(built)
	}()
	select {
	case <-built:
	case <-time.After(2 * time.Minute):
		t.Fatal("record building waited for the hasher")
	}
	lrs := sunk(t, sink, 0, execs) // no record dropped
	for _, lr := range lrs {
		require.Equal(t, exehash.StatusPending, get(t, lr.Attributes(), vigil.AttrExecutableHashStatus).Str())
	}
	st := rb.hasher.Stats()
	runtime.GC()
	runtime.ReadMemStats(&heap1)
	assert.LessOrEqual(t, st.Entries, int64(cfg.CacheSize))
	assert.Equal(t, int64(execs), st.Pending)
	assert.GreaterOrEqual(t, st.QueueFull, int64(execs-cfg.CacheSize))
	t.Logf("cache entries %d (bound %d), not queued %d; heap %+d KiB with %d records held by the sink",
		st.Entries, cfg.CacheSize, st.QueueFull, (int64(heap1.HeapAlloc)-int64(heap0.HeapAlloc))>>10, execs)
}
