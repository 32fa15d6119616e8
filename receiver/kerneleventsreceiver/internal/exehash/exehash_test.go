package exehash

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitLimit bounds a wait for the hasher's workers to act: generous,
// since CI tests other packages on the same two cores meanwhile; a wait
// ends as soon as its condition holds.
const waitLimit = 30 * time.Second

// fakeFS serves file contents by key, counting the opens; gate, when set,
// holds every open until it is closed, and tracks how many wait at once.
type fakeFS struct {
	mu       sync.Mutex
	files    map[Key]string
	opens    atomic.Int64
	gate     chan struct{}
	inside   atomic.Int64
	maxInner atomic.Int64
}

func (fs *fakeFS) open(req Request) (Opened, error) {
	fs.opens.Add(1)
	if fs.gate != nil {
		n := fs.inside.Add(1)
		for m := fs.maxInner.Load(); n > m && !fs.maxInner.CompareAndSwap(m, n); m = fs.maxInner.Load() {
		}
		<-fs.gate
		fs.inside.Add(-1)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for k, content := range fs.files {
		if k.Dev == req.Key.Dev && k.Inode == req.Key.Inode && (req.Key.Ctime == 0 || k.Ctime == req.Key.Ctime) {
			return Opened{ReadCloser: io.NopCloser(strings.NewReader(content)), Size: int64(len(content)), Ctime: k.Ctime}, nil
		}
	}
	return Opened{}, errors.New("no such file")
}

func sumOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func cfg() Config { return Config{MaxFileSize: 64, Workers: 2, CacheSize: 8, QueueSize: 4} }

// eventually polls Lookup until it says something other than pending.
func eventually(t *testing.T, h *Hasher, req Request) (string, string) {
	t.Helper()
	var sum, status string
	require.Eventually(t, func() bool {
		sum, status = h.Lookup(req)
		return status != StatusPending
	}, waitLimit, time.Millisecond)
	return sum, status
}

func TestHashIsCachedByDeviceInodeAndCtime(t *testing.T) {
	fs := &fakeFS{files: map[Key]string{{8, 100, 1}: "ELF one"}}
	h := New(cfg(), fs.open)
	defer h.Close()
	req := Request{Key: Key{8, 100, 1}, PID: 1, Path: "/bin/one", Executed: true}

	sum, status := h.Lookup(req)
	assert.Equal(t, StatusPending, status, "the first lookup never waits for the file")
	assert.Empty(t, sum)
	sum, status = eventually(t, h, req)
	assert.Equal(t, StatusOK, status)
	assert.Equal(t, sumOf("ELF one"), sum)
	for range 10 {
		s, st := h.Lookup(req)
		require.Equal(t, StatusOK, st)
		require.Equal(t, sumOf("ELF one"), s)
	}
	assert.Equal(t, int64(1), fs.opens.Load(), "hits do not read the file again")

	// security_bprm_check has no ctime: the known version serves
	s, st := h.Lookup(Request{Key: Key{8, 100, 0}, PID: 2, Path: "/bin/one"})
	assert.Equal(t, StatusOK, st)
	assert.Equal(t, sumOf("ELF one"), s)

	// the same inode on another device is another file (not in the fake)
	other := Request{Key: Key{9, 100, 1}, PID: 3, Path: "/bin/one"}
	_, st = h.Lookup(other)
	assert.Equal(t, StatusPending, st)
	_, st = eventually(t, h, other)
	assert.Equal(t, StatusUnreadable, st)

	// rewritten in place: a new ctime is a new version, read again
	fs.mu.Lock()
	fs.files = map[Key]string{{8, 100, 2}: "ELF two"}
	fs.mu.Unlock()
	changed := Request{Key: Key{8, 100, 2}, PID: 4, Path: "/bin/one", Executed: true}
	_, st = h.Lookup(changed)
	assert.Equal(t, StatusPending, st)
	s, st = eventually(t, h, changed)
	assert.Equal(t, StatusOK, st)
	assert.Equal(t, sumOf("ELF two"), s)

	stats := h.Stats()
	assert.Equal(t, int64(2), stats.Computed, "one and two")
	assert.Equal(t, int64(1), stats.Unreadable, "the other device's")
}

func TestTooLargeAndUnreadableAreSaidSo(t *testing.T) {
	fs := &fakeFS{files: map[Key]string{{8, 1, 1}: strings.Repeat("x", 65), {8, 2, 1}: strings.Repeat("y", 64)}}
	h := New(cfg(), fs.open)
	defer h.Close()

	big := Request{Key: Key{8, 1, 1}, PID: 1, Path: "/big"}
	h.Lookup(big)
	_, st := eventually(t, h, big)
	assert.Equal(t, StatusTooLarge, st)
	_, st = h.Lookup(big)
	assert.Equal(t, StatusTooLarge, st, "kept: the same version stays too large")

	limit := Request{Key: Key{8, 2, 1}, PID: 1, Path: "/limit"}
	h.Lookup(limit)
	sum, st := eventually(t, h, limit)
	assert.Equal(t, StatusOK, st, "a file of exactly the limit is hashed")
	assert.Equal(t, sumOf(strings.Repeat("y", 64)), sum)

	gone := Request{Key: Key{8, 3, 1}, PID: 1, Path: "/gone"}
	h.Lookup(gone)
	_, st = eventually(t, h, gone)
	assert.Equal(t, StatusUnreadable, st)
	_, st = h.Lookup(gone)
	assert.Equal(t, StatusPending, st, "said once, then tried again")

	stats := h.Stats()
	assert.Equal(t, int64(1), stats.TooLarge)
	assert.GreaterOrEqual(t, stats.Unreadable, int64(1))
	assert.Equal(t, int64(1), stats.Computed)
}

// TestConcurrencyAndMemoryAreBounded: with every read held, no more than
// Workers files are open at once, lookups still answer at once, and the
// cache holds at most CacheSize files.
func TestConcurrencyAndMemoryAreBounded(t *testing.T) {
	fs := &fakeFS{files: map[Key]string{}, gate: make(chan struct{})}
	for i := range uint64(100) {
		fs.files[Key{8, i, 1}] = "content"
	}
	c := cfg()
	h := New(c, fs.open)
	lookup := func(i uint64) {
		_, st := h.Lookup(Request{Key: Key{8, i, 1}, PID: 1, Path: "/f"})
		require.Equal(t, StatusPending, st)
	}
	// every worker busy first, so that what the queue takes is known
	for i := range uint64(c.Workers) {
		lookup(i)
	}
	require.Eventually(t, func() bool { return fs.inside.Load() == int64(c.Workers) }, waitLimit, time.Millisecond)
	for i := uint64(c.Workers); i < 100; i++ {
		lookup(i)
	}
	stats := h.Stats()
	assert.LessOrEqual(t, stats.Entries, int64(c.CacheSize))
	assert.Equal(t, int64(100-c.Workers-c.QueueSize), stats.QueueFull, "the rest could not be queued")
	close(fs.gate)
	require.Eventually(t, func() bool { return h.Stats().Computed == int64(c.Workers+c.QueueSize) }, waitLimit, time.Millisecond)
	h.Close()
	assert.Equal(t, int64(c.Workers), fs.maxInner.Load())
}
