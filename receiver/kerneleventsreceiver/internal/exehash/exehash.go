// Package exehash computes the SHA-256 of executed files off the reader's
// path: a record asks for the hash of the file its exec ran and gets it at
// once when it is known, or "pending" while a bounded pool of workers reads
// the file. Results are cached by (device, inode, ctime), so each version of
// a binary is read once however often it runs.
package exehash

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync"
	"sync/atomic"
)

// What a record says of its executable's hash.
const (
	StatusOK         = "ok"         // the hash is the file's
	StatusPending    = "pending"    // not known yet: being computed, or no worker was free
	StatusTooLarge   = "too_large"  // the file is larger than the configured limit
	StatusUnreadable = "unreadable" // the file could not be opened or read, or was no longer the one executed
)

// Key names a file's content as the kernel saw it at exec: its device and
// inode, and its ctime (ns), which any change of content or metadata moves.
// Ctime is 0 when the event does not carry it (security_bprm_check): any
// verified version of the file serves.
type Key struct {
	Dev, Inode, Ctime uint64
}

// Request asks for the hash of the file a process executed.
type Request struct {
	Key Key
	PID uint32
	// Path is the file's path in the process's mount namespace.
	Path string
	// Executed tells that the exec completed, so /proc/<pid>/exe is the
	// file (for security_bprm_check it is still the previous one).
	Executed bool
}

// Opened is a file an Opener opened for hashing: what it verified to be the
// requested one.
type Opened struct {
	io.ReadCloser
	Size  int64
	Ctime uint64 // the file's ctime (ns) when opened
}

// An Opener opens the file of a request, or fails when it cannot find it,
// or finds another file (the process and its file are gone).
type Opener func(Request) (Opened, error)

// Config bounds the hasher.
type Config struct {
	MaxFileSize int64 // larger files are not read
	Workers     int   // files read at once
	CacheSize   int   // files remembered, computed or pending
	QueueSize   int   // requests waiting for a worker; more are not queued
}

// Stats counts what the hasher did; Entries is the cache's size now.
type Stats struct {
	Entries                        int64
	Computed, TooLarge, Unreadable int64
	// Pending counts lookups answered "pending"; QueueFull those of them
	// whose file could not even be queued.
	Pending, QueueFull int64
}

// Hasher hashes executables asynchronously. Lookup is called by one
// goroutine, the receiver's reader, and never waits for a file.
type Hasher struct {
	cfg  Config
	open Opener

	mu    sync.Mutex
	cache map[fileID]*entry

	jobs chan job
	wg   sync.WaitGroup
	// closed is set, under mu, when jobs is closed.
	closed bool

	computed, tooLarge, unreadable, pending, queueFull atomic.Int64
}

type fileID struct{ dev, inode uint64 }

// entry is the cache's knowledge of one file. pending entries are being
// computed; ctime is the requested one until the worker has read the file.
type entry struct {
	ctime   uint64
	pending bool
	status  string
	sum     string
}

type job struct {
	req Request
	e   *entry
}

// New starts cfg.Workers workers reading files with open.
func New(cfg Config, open Opener) *Hasher {
	h := &Hasher{
		cfg:   cfg,
		open:  open,
		cache: make(map[fileID]*entry, cfg.CacheSize),
		jobs:  make(chan job, cfg.QueueSize),
	}
	h.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go h.work()
	}
	return h
}

// Close stops the workers: the files being read are finished, the queued
// ones left. Lookups afterwards answer from the cache, or pending.
func (h *Hasher) Close() {
	h.mu.Lock()
	h.closed = true
	close(h.jobs)
	h.mu.Unlock()
	h.wg.Wait()
}

// Lookup returns the hex SHA-256 of the requested file and StatusOK, or the
// status that says why there is none. A file not known yet is queued for a
// worker and answered StatusPending: the caller never waits.
func (h *Hasher) Lookup(req Request) (sum, status string) {
	id := fileID{req.Key.Dev, req.Key.Inode}
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.cache[id]; ok && e.serves(req.Key.Ctime) {
		if e.pending {
			h.pending.Add(1)
			return "", StatusPending
		}
		if e.status == StatusUnreadable {
			// said once; the next exec tries again, as the file may be
			// readable through its process then
			delete(h.cache, id)
		}
		return e.sum, e.status
	}
	h.pending.Add(1)
	if h.closed {
		return "", StatusPending
	}
	e := &entry{ctime: req.Key.Ctime, pending: true}
	select {
	case h.jobs <- job{req, e}:
		if _, known := h.cache[id]; !known && len(h.cache) >= h.cfg.CacheSize {
			h.evictOne()
		}
		h.cache[id] = e
	default:
		// every worker busy and the queue full: nothing is remembered,
		// so a later exec of the file asks again
		h.queueFull.Add(1)
	}
	return "", StatusPending
}

// serves tells whether e answers for the file version of ctime: a pending
// request of unknown version waits for any, and an unknown version takes
// any known one.
func (e *entry) serves(ctime uint64) bool {
	return ctime == 0 || e.ctime == ctime || (e.pending && e.ctime == 0)
}

// evictOne drops an arbitrary entry (Go's map order is random): cheap, and
// fair enough for a cache whose misses cost one read of a file; h.mu is held.
func (h *Hasher) evictOne() {
	for id := range h.cache {
		delete(h.cache, id)
		return
	}
}

func (h *Hasher) work() {
	defer h.wg.Done()
	for j := range h.jobs {
		h.mu.Lock()
		closed := h.closed
		h.mu.Unlock()
		if closed {
			continue
		}
		sum, status, ctime := h.hash(j.req)
		h.mu.Lock()
		// an evicted entry is no one's any more: the result is dropped
		j.e.sum, j.e.status, j.e.pending = sum, status, false
		if ctime != 0 {
			j.e.ctime = ctime
		}
		h.mu.Unlock()
	}
}

// hash reads the requested file and returns its hash, status and ctime.
func (h *Hasher) hash(req Request) (sum, status string, ctime uint64) {
	f, err := h.open(req)
	if err != nil {
		h.unreadable.Add(1)
		return "", StatusUnreadable, 0
	}
	defer f.Close()
	if f.Size > h.cfg.MaxFileSize {
		h.tooLarge.Add(1)
		return "", StatusTooLarge, f.Ctime
	}
	d := sha256.New()
	// the limit holds even when the file grew after the size was read
	n, err := io.Copy(d, io.LimitReader(f, h.cfg.MaxFileSize+1))
	switch {
	case err != nil:
		h.unreadable.Add(1)
		return "", StatusUnreadable, 0
	case n > h.cfg.MaxFileSize:
		h.tooLarge.Add(1)
		return "", StatusTooLarge, f.Ctime
	}
	h.computed.Add(1)
	return hex.EncodeToString(d.Sum(nil)), StatusOK, f.Ctime
}

// Stats returns the counts so far.
func (h *Hasher) Stats() Stats {
	h.mu.Lock()
	entries := len(h.cache)
	h.mu.Unlock()
	return Stats{
		Entries:    int64(entries),
		Computed:   h.computed.Load(),
		TooLarge:   h.tooLarge.Load(),
		Unreadable: h.unreadable.Load(),
		Pending:    h.pending.Load(),
		QueueFull:  h.queueFull.Load(),
	}
}
