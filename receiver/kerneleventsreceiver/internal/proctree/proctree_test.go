package proctree

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeProc(t *testing.T, root, pid, stat, cmdline, exe string) {
	t.Helper()
	dir := filepath.Join(root, pid)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cmdline"), []byte(cmdline), 0o644))
	if exe != "" {
		require.NoError(t, os.Symlink(exe, filepath.Join(dir, "exe")))
	}
}

func TestSeedFromFakeProc(t *testing.T) {
	root := t.TempDir()
	writeProc(t, root, "1", "1 (systemd) S 0 1 1 0", "/sbin/init\x00splash\x00", "/usr/lib/systemd/systemd")
	// A comm with spaces and a ')' must not shift the fields.
	writeProc(t, root, "42", "42 (my (odd) prog) S 1 42 42 0", "./prog\x00-x\x00", "/opt/prog")
	writeProc(t, root, "7", "7 (kworker/0:1) I 2 0 0 0", "", "")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "self"), 0o755))

	tree := New(100)
	require.NoError(t, tree.SeedFromProc(root))
	assert.Equal(t, 3, tree.Len())

	p, ok := tree.Get(42)
	require.True(t, ok)
	assert.Equal(t, Process{PPID: 1, ExecutablePath: "/opt/prog", Argv: []string{"./prog", "-x"}}, p)
	k, ok := tree.Get(7)
	require.True(t, ok)
	assert.Equal(t, Process{PPID: 2}, k)
}

func TestSeedFromRealProcFindsSelf(t *testing.T) {
	tree := New(1 << 20)
	require.NoError(t, tree.SeedFromProc("/proc"))
	self, ok := tree.Get(uint32(os.Getpid()))
	require.True(t, ok)
	exe, err := os.Executable()
	require.NoError(t, err)
	assert.Equal(t, exe, self.ExecutablePath)
	assert.Equal(t, uint32(os.Getppid()), self.PPID)
	assert.Equal(t, os.Args, self.Argv)
}

func TestForkExecExit(t *testing.T) {
	tree := New(10)
	tree.Exec(100, 1, "/bin/bash", []string{"bash"})
	tree.Fork(100, 101)
	child, ok := tree.Get(101)
	require.True(t, ok)
	assert.Equal(t, Process{PPID: 100, ExecutablePath: "/bin/bash", Argv: []string{"bash"}}, child)

	tree.Exec(101, 100, "/usr/bin/cat", []string{"cat", "/etc/hostname"})
	child, _ = tree.Get(101)
	assert.Equal(t, "/usr/bin/cat", child.ExecutablePath)
	parent, _ := tree.Get(100)
	assert.Equal(t, "/bin/bash", parent.ExecutablePath, "exec of the child leaves the parent alone")

	tree.Exit(101)
	_, ok = tree.Get(101)
	assert.False(t, ok)
}

func TestBoundedSize(t *testing.T) {
	tree := New(2)
	tree.Exec(1, 0, "/a", nil)
	tree.Exec(2, 0, "/b", nil)
	tree.Exec(3, 0, "/c", nil)
	assert.Equal(t, 2, tree.Len())
	tree.Exec(2, 0, "/b2", nil) // updating a known process is always allowed
	p, _ := tree.Get(2)
	assert.Equal(t, "/b2", p.ExecutablePath)
}

// chainOf builds init(1) -> sshd(10) -> bash(20) -> make(30) -> cc(40).
func chainOf(t *testing.T) *Tree {
	t.Helper()
	tree := New(100)
	tree.Exec(1, 0, "/sbin/init", []string{"init"})
	tree.Exec(10, 1, "/usr/sbin/sshd", []string{"sshd", "-D"})
	tree.Exec(20, 10, "/bin/bash", []string{"-bash"})
	tree.Exec(30, 20, "/usr/bin/make", []string{"make", "all"})
	tree.Exec(40, 30, "/usr/bin/cc", []string{"cc", "-c", "x.c"})
	return tree
}

func TestAncestryWalksParentsUpToTheDepth(t *testing.T) {
	tree := chainOf(t)
	a := tree.Ancestry(30, 5)
	require.NotNil(t, a)
	assert.Equal(t, "/usr/bin/make", a.ParentExecutablePath)
	assert.Equal(t, []string{"make", "all"}, a.ParentArgs)
	assert.Equal(t, []int64{30, 20, 10, 1}, a.PIDs, "stops at pid 0, above init")
	assert.Equal(t, []string{"/usr/bin/make", "/bin/bash", "/usr/sbin/sshd", "/sbin/init"}, a.ExecutablePaths)

	short := tree.Ancestry(30, 2)
	assert.Equal(t, []int64{30, 20}, short.PIDs)
	assert.Equal(t, []string{"/usr/bin/make", "/bin/bash"}, short.ExecutablePaths)

	assert.Nil(t, tree.Ancestry(30, 0), "depth 0 turns ancestry off")
	cached := tree.Ancestry(30, 5)
	p, same := tree.Lookup(40, 30, 5)
	assert.Equal(t, "/usr/bin/cc", p.ExecutablePath)
	assert.Same(t, cached, same, "Lookup gives the cached chain")
	assert.Equal(t, a, cached)
	_, none := tree.Lookup(40, 30, 0)
	assert.Nil(t, none)
	assert.Nil(t, tree.Ancestry(0, 5), "pid 0 has no process")
}

func TestAncestryIsCachedUntilAnExecChangesIt(t *testing.T) {
	tree := chainOf(t)
	first := tree.Ancestry(30, 5)
	assert.Same(t, first, tree.Ancestry(30, 5), "one value per process while nothing execs")
	tree.Fork(30, 31)
	tree.Exit(31)
	assert.Same(t, first, tree.Ancestry(30, 5), "forks and exits leave chains true")
	tree.Exec(40, 30, "/usr/bin/ld", []string{"ld"})
	assert.Same(t, first, tree.Ancestry(30, 5), "an exec below leaves the value as it was")

	tree.Exec(20, 10, "/usr/bin/zsh", []string{"zsh"})
	again := tree.Ancestry(30, 5)
	assert.NotSame(t, first, again)
	assert.Equal(t, []string{"/usr/bin/make", "/usr/bin/zsh", "/usr/sbin/sshd", "/sbin/init"}, again.ExecutablePaths)
	assert.Equal(t, "/bin/bash", first.ExecutablePaths[1], "a value handed out is never changed")
}

func TestAncestryStopsAtAnExitedAncestor(t *testing.T) {
	tree := chainOf(t)
	tree.Exit(20) // bash exits while make runs: make's parent pid is now unknown
	tree.Exec(40, 30, "/usr/bin/cc", []string{"cc"})
	a := tree.Ancestry(30, 5)
	assert.Equal(t, []int64{30, 20}, a.PIDs)
	assert.Equal(t, []string{"/usr/bin/make", ""}, a.ExecutablePaths, "the unknown one is listed without a path, and ends the chain")

	gone := tree.Ancestry(20, 5)
	assert.Equal(t, []int64{20}, gone.PIDs)
	assert.Empty(t, gone.ParentExecutablePath)
	assert.Nil(t, gone.ParentArgs)
}

func TestAncestryStopsAtALoop(t *testing.T) {
	tree := New(10)
	// pid reuse can leave parent pids that point in a circle
	tree.Exec(5, 6, "/a", nil)
	tree.Exec(6, 7, "/b", nil)
	tree.Exec(7, 5, "/c", nil)
	a := tree.Ancestry(5, 10)
	assert.Equal(t, []int64{5, 6, 7}, a.PIDs)
	assert.Equal(t, []string{"/a", "/b", "/c"}, a.ExecutablePaths)

	tree.Exec(9, 9, "/self", nil)
	assert.Equal(t, []int64{9}, tree.Ancestry(9, 10).PIDs)
}

func TestAncestryOfSeededProcesses(t *testing.T) {
	tree := New(1 << 20)
	require.NoError(t, tree.SeedFromProc("/proc"))
	a := tree.Ancestry(uint32(os.Getppid()), 3)
	require.NotNil(t, a)
	require.NotEmpty(t, a.PIDs)
	assert.Equal(t, int64(os.Getppid()), a.PIDs[0])
	parentExe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(os.Getppid()), "exe"))
	require.NoError(t, err)
	assert.Equal(t, parentExe, a.ParentExecutablePath)
	assert.Equal(t, parentExe, a.ExecutablePaths[0])
}

// TestAncestryCheckedAgainWithoutBuilding: after an exec elsewhere, a
// cached chain the tree still describes is kept without building another
// (the reader does this for the next record of every process); one that
// changed in any member, its parent's argv or its length is built anew.
func TestAncestryCheckedAgainWithoutBuilding(t *testing.T) {
	tree := chainOf(t)
	first := tree.Ancestry(30, 5)
	execElsewhere := func() { tree.Exec(40, 30, "/usr/bin/ld", nil) }
	execOnly := testing.AllocsPerRun(50, execElsewhere)
	execAndCheck := testing.AllocsPerRun(50, func() {
		execElsewhere()
		assert.Same(t, first, tree.Ancestry(30, 5))
	})
	assert.Equal(t, execOnly, execAndCheck, "checking the cached chain allocates nothing")

	tree.Exec(30, 20, "/usr/bin/make", []string{"make", "install"})
	argv := tree.Ancestry(30, 5)
	assert.NotSame(t, first, argv)
	assert.Equal(t, []string{"make", "install"}, argv.ParentArgs, "the parent's new argv, same executable")
	assert.Equal(t, first.PIDs, argv.PIDs)

	tree.Exit(20)
	execElsewhere()
	shorter := tree.Ancestry(30, 5)
	assert.Equal(t, []int64{30, 20}, shorter.PIDs, "an ancestor gone shortens the chain")
	assert.Equal(t, []string{"/usr/bin/make", ""}, shorter.ExecutablePaths)

	tree.Exec(20, 10, "/bin/bash", nil)
	execElsewhere()
	longer := tree.Ancestry(30, 5)
	assert.Equal(t, []int64{30, 20, 10, 1}, longer.PIDs, "and one back lengthens it")
	execElsewhere()
	assert.Same(t, longer, tree.Ancestry(30, 5))
}
