package exehash

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// keyOf is the Key an exec event of path carries.
func keyOf(t *testing.T, path string) Key {
	t.Helper()
	var st unix.Stat_t
	require.NoError(t, unix.Stat(path, &st))
	return Key{Dev: kernelDev(st.Dev), Inode: st.Ino, Ctime: uint64(st.Ctim.Sec)*1e9 + uint64(st.Ctim.Nsec)}
}

func TestProcOpenerFindsTheExecutedFile(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	want, err := os.ReadFile(exe)
	require.NoError(t, err)
	k := keyOf(t, exe)
	// a procfs of two processes: this one and the host's init
	procfs, pid := t.TempDir(), uint32(os.Getpid())
	for _, link := range [][2]string{{"1/root", "/"}, {strconv.Itoa(os.Getpid()) + "/root", "/"}, {strconv.Itoa(os.Getpid()) + "/exe", exe}} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(procfs, link[0])), 0o755))
		require.NoError(t, os.Symlink(link[1], filepath.Join(procfs, link[0])))
	}
	open := ProcOpener(procfs)

	for name, req := range map[string]Request{
		"through exe":        {Key: k, PID: pid, Path: "/no/such/path", Executed: true},
		"through its root":   {Key: k, PID: pid, Path: exe},
		"unknown ctime":      {Key: Key{Dev: k.Dev, Inode: k.Inode}, PID: pid, Path: exe},
		"through the host's": {Key: k, PID: 1 << 22, Path: exe}, // no such process
	} {
		f, err := open(req)
		require.NoError(t, err, name)
		got, err := io.ReadAll(f)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		assert.Equal(t, int64(len(want)), f.Size, name)
		assert.Equal(t, k.Ctime, f.Ctime, name)
		assert.Equal(t, sha256.Sum256(want), sha256.Sum256(got), name)
	}

	for name, key := range map[string]Key{
		"another inode":  {Dev: k.Dev, Inode: k.Inode + 1, Ctime: k.Ctime},
		"another device": {Dev: k.Dev + 1, Inode: k.Inode, Ctime: k.Ctime},
		"changed since":  {Dev: k.Dev, Inode: k.Inode, Ctime: k.Ctime + 1},
	} {
		_, err := open(Request{Key: key, PID: pid, Path: exe, Executed: true})
		assert.Error(t, err, name)
	}
}

func TestHasherHashesARealFile(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	content, err := os.ReadFile(exe)
	require.NoError(t, err)
	h := New(Config{MaxFileSize: 1 << 30, Workers: 1, CacheSize: 4, QueueSize: 1}, ProcOpener("/proc"))
	defer h.Close()
	req := Request{Key: keyOf(t, exe), PID: uint32(os.Getpid()), Path: exe, Executed: true}
	h.Lookup(req)
	sum, st := eventually(t, h, req)
	assert.Equal(t, StatusOK, st)
	want := sha256.Sum256(content)
	assert.Equal(t, hex.EncodeToString(want[:]), sum)
}
