package proctree

import (
	"os"
	"path/filepath"
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
