// Package proctree keeps what the receiver knows about each live process —
// parent, executable path, argv — so every record can carry them, including
// records of processes that started before the collector. It is seeded from
// /proc and then kept current by fork, exec and exit events.
package proctree

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	vigil "github.com/vigil-sec/vigil"
)

// Process is what the tree knows about one thread group.
type Process struct {
	PPID           uint32
	ExecutablePath string
	Argv           []string
}

// node is a process in the tree, with the ancestry that starts at it (see
// Tree.Ancestry) cached to chainDepth, valid while the tree's generation is
// chainGen.
type node struct {
	Process
	chain      *vigil.Ancestry
	chainGen   uint64
	chainDepth int
}

// Tree maps host tgids to processes. It is safe for concurrent use; the
// receiver's reader is its only writer.
type Tree struct {
	mu    sync.RWMutex
	procs map[uint32]*node
	// maxProcs bounds memory when exit events are lost: past it, new
	// processes are not added (records then lack path/argv, nothing breaks).
	maxProcs int
	// gen changes whenever a process execs: every cached chain through it
	// then names an executable it no longer runs. Forks and exits leave
	// existing chains true (an exited ancestor did run what they say).
	gen uint64
}

// New returns an empty tree holding at most maxProcs processes.
func New(maxProcs int) *Tree {
	return &Tree{procs: make(map[uint32]*node), maxProcs: maxProcs}
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
	t.putLocked(pid, p)
}

// putLocked is put with t.mu held.
func (t *Tree) putLocked(pid uint32, p *Process) {
	if _, exists := t.procs[pid]; !exists && len(t.procs) >= t.maxProcs {
		return
	}
	t.procs[pid] = &node{Process: *p}
}

// Get returns a copy of what is known about pid.
func (t *Tree) Get(pid uint32) (Process, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p, ok := t.procs[pid]
	if !ok {
		return Process{}, false
	}
	return p.Process, true
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
	t.mu.Lock()
	defer t.mu.Unlock()
	// under the same lock: no chain is cached with the new executable at
	// the old generation
	t.putLocked(pid, &Process{PPID: ppid, ExecutablePath: path, Argv: argv})
	t.gen++
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

// Ancestry returns the chain of at most depth processes that starts at pid
// (a record's parent) and goes up by parent pids: pid's executable and argv
// as the parent's, and every member's pid and executable. The chain stops at
// pid 0, at a pid the tree does not know (listed with an empty path: its
// parent is unknown), and at a pid already in it (a loop left by pid
// reuse). The value is built once per process and tree generation and must
// not be modified; nil when depth is 0 or pid is 0.
func (t *Tree) Ancestry(pid uint32, depth int) *vigil.Ancestry {
	_, a := t.Lookup(0, pid, depth) // no process has pid 0
	return a
}

// Lookup returns what Get does of pid and the Ancestry of parent: the
// reader's call for every record, so it takes the lock once when the chain
// is cached.
func (t *Tree) Lookup(pid, parent uint32, depth int) (Process, *vigil.Ancestry) {
	var p Process
	t.mu.RLock()
	if n, ok := t.procs[pid]; ok {
		p = n.Process
	}
	a, hit := t.cachedChain(parent, depth)
	t.mu.RUnlock()
	if !hit {
		a = t.buildChain(parent, depth)
	}
	return p, a
}

// cachedChain returns the Ancestry of pid if it needs none built; t.mu is
// held.
func (t *Tree) cachedChain(pid uint32, depth int) (*vigil.Ancestry, bool) {
	if depth <= 0 || pid == 0 {
		return nil, true
	}
	n, ok := t.procs[pid]
	if ok && n.chain != nil && n.chainGen == t.gen && n.chainDepth == depth {
		return n.chain, true
	}
	return nil, false
}

// buildChain returns the Ancestry of pid and caches it in pid's node. A
// cached chain the tree still describes is kept, checked without building
// another: an exec anywhere on the host makes every chain be checked again,
// and records keep sharing a resource only if the value they key it with
// stays the same.
func (t *Tree) buildChain(pid uint32, depth int) *vigil.Ancestry {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, ok := t.procs[pid]
	if ok && n.chain != nil && n.chainDepth == depth && t.describes(n.chain, pid, depth) {
		n.chainGen = t.gen
		return n.chain
	}
	a := t.chainFrom(pid, depth)
	if ok {
		n.chain, n.chainGen, n.chainDepth = a, t.gen, depth
	}
	return a
}

// walkChain visits the members of pid's chain in order, as Ancestry lists
// them: at most depth, stopping at pid 0, at a pid already visited (a loop
// left by pid reuse), and after a pid the tree does not know (n nil). It
// stops early when visit returns false. t.mu is held.
func (t *Tree) walkChain(pid uint32, depth int, visit func(i int, pid uint32, n *node) bool) {
	// on the stack for chains of up to 8, which is most configurations
	seen := make([]uint32, 0, 8)
	for len(seen) < depth && pid != 0 && !slices.Contains(seen, pid) {
		seen = append(seen, pid)
		n, known := t.procs[pid]
		if !known {
			visit(len(seen)-1, pid, nil)
			return
		}
		if !visit(len(seen)-1, pid, n) {
			return
		}
		pid = n.PPID
	}
}

// chainFrom builds the chain of Ancestry; t.mu is held.
func (t *Tree) chainFrom(pid uint32, depth int) *vigil.Ancestry {
	a := &vigil.Ancestry{PIDs: make([]int64, 0, depth), ExecutablePaths: make([]string, 0, depth)}
	t.walkChain(pid, depth, func(i int, pid uint32, n *node) bool {
		a.PIDs = append(a.PIDs, int64(pid))
		if n == nil {
			a.ExecutablePaths = append(a.ExecutablePaths, "")
			return false
		}
		if i == 0 {
			a.ParentExecutablePath, a.ParentArgs = n.ExecutablePath, n.Argv
		}
		a.ExecutablePaths = append(a.ExecutablePaths, n.ExecutablePath)
		return true
	})
	return a
}

// describes reports whether a equals the chain chainFrom would build for
// pid now, without building it; t.mu is held.
func (t *Tree) describes(a *vigil.Ancestry, pid uint32, depth int) bool {
	same, members := true, 0
	t.walkChain(pid, depth, func(i int, pid uint32, n *node) bool {
		members++
		path := ""
		if n != nil {
			path = n.ExecutablePath
		}
		same = i < len(a.PIDs) && a.PIDs[i] == int64(pid) && a.ExecutablePaths[i] == path
		if same && i == 0 {
			var argv []string
			if n != nil {
				argv = n.Argv
			}
			same = a.ParentExecutablePath == path && slices.Equal(a.ParentArgs, argv)
		}
		return same
	})
	return same && members == len(a.PIDs)
}
