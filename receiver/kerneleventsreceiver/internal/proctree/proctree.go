// Package proctree keeps what the receiver knows about each live process —
// parent, executable path, argv — so every record can carry them, including
// records of processes that started before the collector. It is seeded from
// /proc and then kept current by fork, exec and exit events.
package proctree

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Process is what the tree knows about one thread group.
type Process struct {
	PPID           uint32
	ExecutablePath string
	Argv           []string
}

// Tree maps host tgids to processes. It is safe for concurrent use; the
// receiver's reader is its only writer.
type Tree struct {
	mu    sync.RWMutex
	procs map[uint32]*Process
	// maxProcs bounds memory when exit events are lost: past it, new
	// processes are not added (records then lack path/argv, nothing breaks).
	maxProcs int
}

// New returns an empty tree holding at most maxProcs processes.
func New(maxProcs int) *Tree {
	return &Tree{procs: make(map[uint32]*Process), maxProcs: maxProcs}
}

// SeedFromProc adds every process listed under procRoot (normally "/proc").
// Processes that vanish while being read are skipped.
func (t *Tree) SeedFromProc(procRoot string) error {
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return err
	}
	for _, e := range entries {
		pid, err := strconv.ParseUint(e.Name(), 10, 32)
		if err != nil || !e.IsDir() {
			continue
		}
		p, ok := readProc(filepath.Join(procRoot, e.Name()))
		if !ok {
			continue
		}
		t.put(uint32(pid), p)
	}
	return nil
}

// readProc reads one /proc/<pid> directory. Kernel threads have no exe link
// and no cmdline; they are kept with what there is.
func readProc(dir string) (*Process, bool) {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return nil, false
	}
	ppid, ok := parseStatPPID(stat)
	if !ok {
		return nil, false
	}
	p := &Process{PPID: ppid}
	p.ExecutablePath, _ = os.Readlink(filepath.Join(dir, "exe"))
	if cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		p.Argv = splitNul(cmdline)
	}
	return p, true
}

// parseStatPPID returns field 4 of /proc/<pid>/stat. The comm field (2) may
// hold spaces and parentheses, so fields are counted after its last ')'.
func parseStatPPID(stat []byte) (uint32, bool) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, false
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.ParseUint(fields[1], 10, 32)
	return uint32(ppid), err == nil
}

func splitNul(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	parts := bytes.Split(b, []byte{0})
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

func (t *Tree) put(pid uint32, p *Process) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, exists := t.procs[pid]; !exists && len(t.procs) >= t.maxProcs {
		return
	}
	t.procs[pid] = p
}

// Get returns a copy of what is known about pid.
func (t *Tree) Get(pid uint32) (Process, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p, ok := t.procs[pid]
	if !ok {
		return Process{}, false
	}
	return *p, true
}

// Fork records a new process: it inherits its parent's executable and argv
// until it execs.
func (t *Tree) Fork(parentPID, childPID uint32) {
	child := &Process{PPID: parentPID}
	t.mu.RLock()
	if parent, ok := t.procs[parentPID]; ok {
		child.ExecutablePath = parent.ExecutablePath
		child.Argv = parent.Argv
	}
	t.mu.RUnlock()
	t.put(childPID, child)
}

// Exec records that pid now runs path with argv. An argv of nil keeps the
// previous one unknown rather than stale.
func (t *Tree) Exec(pid, ppid uint32, path string, argv []string) {
	t.put(pid, &Process{PPID: ppid, ExecutablePath: path, Argv: argv})
}

// Exit forgets pid.
func (t *Tree) Exit(pid uint32) {
	t.mu.Lock()
	delete(t.procs, pid)
	t.mu.Unlock()
}

// Len returns the number of processes known.
func (t *Tree) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.procs)
}
