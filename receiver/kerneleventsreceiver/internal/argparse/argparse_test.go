package argparse

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOpenFlags(t *testing.T) {
	tests := []struct {
		in   uint64
		want string
	}{
		{0, "O_RDONLY"},
		{0o2000000, "O_RDONLY|O_CLOEXEC"},
		{0o1 | 0o100 | 0o1000, "O_WRONLY|O_CREAT|O_TRUNC"},
		{0o2 | 0o2000, "O_RDWR|O_APPEND"},
		{0o4010000, "O_RDONLY|O_SYNC"},
		{0o10000, "O_RDONLY|O_DSYNC"},
		{0o20200000 | 0o2, "O_RDWR|O_TMPFILE"},
		{0o200000 | 0o4000, "O_RDONLY|O_NONBLOCK|O_DIRECTORY"},
		{0o1 | 0o40000000000, "O_WRONLY|0x100000000"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, OpenFlags(tt.in), "flags %#o", tt.in)
	}
}

func TestMmapProtAndFlags(t *testing.T) {
	assert.Equal(t, "PROT_NONE", MmapProt(0))
	assert.Equal(t, "PROT_READ|PROT_EXEC", MmapProt(5))
	assert.Equal(t, "PROT_READ|PROT_WRITE|PROT_EXEC", MmapProt(7))
	assert.Equal(t, "MAP_PRIVATE|MAP_ANONYMOUS", MmapFlags(0x22))
	assert.Equal(t, "MAP_SHARED|MAP_FIXED", MmapFlags(0x11))
	assert.Equal(t, "MAP_SHARED_VALIDATE", MmapFlags(0x3))
}

func TestPtraceRequest(t *testing.T) {
	assert.Equal(t, "PTRACE_TRACEME", PtraceRequest(0))
	assert.Equal(t, "PTRACE_POKETEXT", PtraceRequest(4))
	assert.Equal(t, "PTRACE_ATTACH", PtraceRequest(16))
	assert.Equal(t, "PTRACE_SEIZE", PtraceRequest(0x4206))
	assert.Equal(t, "12345", PtraceRequest(12345))
}

func TestSocketAndMisc(t *testing.T) {
	assert.Equal(t, "AF_INET", SocketDomain(2))
	assert.Equal(t, "AF_INET6", SocketDomain(10))
	assert.Equal(t, "999", SocketDomain(999))
	assert.Equal(t, "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC", SocketType(1|0o4000|0o2000000))
	assert.Equal(t, "SOCK_DGRAM", SocketType(2))
	assert.Equal(t, "BPF_PROG_LOAD", BPFCommand(5))
	assert.Equal(t, "MFD_CLOEXEC|MFD_ALLOW_SEALING", MemfdFlags(3))
	assert.Equal(t, "0", MemfdFlags(0))
	assert.Equal(t, "S_IFREG|S_IRWXU|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH", InodeMode(0o100755))
	assert.Equal(t, "S_IRUSR|S_IWUSR|S_IRGRP|S_IROTH", InodeMode(0o644))
	assert.Equal(t, "S_IFDIR|S_ISVTX|S_IRWXU|S_IRWXG|S_IRWXO", InodeMode(0o41777))
	assert.Equal(t, "S_ISUID|S_ISGID|S_IRWXU|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH", InodeMode(0o6755))
	assert.Equal(t, "", InodeMode(0))
	assert.Equal(t, "kernel-module", KernelReadFileType(2))
	assert.Equal(t, "Protection changed from W to E!", MemProtAlert(4))
}

func TestProcessFlags(t *testing.T) {
	// what glibc's fork() and pthread_create() pass
	assert.Equal(t, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID", CloneFlags(0x01200011))
	assert.Equal(t, "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID",
		CloneFlags(0x3d0f00))
	assert.Equal(t, "", CloneFlags(17), "the exit signal alone")
	assert.Equal(t, "CLONE_NEWUSER|CLONE_NEWPID", CloneFlags(0x30000000))
	assert.Equal(t, "R_OK|X_OK", AccessMode(5))
	assert.Equal(t, "", AccessMode(0))
	assert.Equal(t, "AT_EMPTY_PATH", ExecFlags(0x1000))
	assert.Equal(t, "", ExecFlags(0))
	assert.Equal(t, "PR_SET_NAME", PrctlOption(15))
	assert.Equal(t, "PR_SET_PTRACER", PrctlOption(0x59616d61))
	assert.Equal(t, "PR_SET_NO_NEW_PRIVS", PrctlOption(0xffffffff00000026), "an int: high bits ignored")
	assert.Equal(t, "999", PrctlOption(999))
}

func TestSockaddr(t *testing.T) {
	in4 := make([]byte, 16)
	binary.LittleEndian.PutUint16(in4, 2)
	binary.BigEndian.PutUint16(in4[2:], 8080)
	copy(in4[4:], []byte{127, 0, 0, 1})
	assert.Equal(t, map[string]string{"sa_family": "AF_INET", "sin_addr": "127.0.0.1", "sin_port": "8080"}, Sockaddr(in4))

	in6 := make([]byte, 28)
	binary.LittleEndian.PutUint16(in6, 10)
	binary.BigEndian.PutUint16(in6[2:], 443)
	in6[23] = 1 // ::1
	binary.LittleEndian.PutUint32(in6[24:], 3)
	assert.Equal(t, map[string]string{
		"sa_family": "AF_INET6", "sin6_addr": "::1", "sin6_port": "443", "sin6_flowinfo": "0", "sin6_scopeid": "3",
	}, Sockaddr(in6))

	un := append([]byte{1, 0}, []byte("/run/docker.sock\x00garbage")...)
	assert.Equal(t, map[string]string{"sa_family": "AF_UNIX", "sun_path": "/run/docker.sock"}, Sockaddr(un))
	abstract := append([]byte{1, 0, 0}, []byte("hidden")...)
	assert.Equal(t, "@hidden", Sockaddr(abstract)["sun_path"])

	// Truncated: the family is known but the address is not there.
	assert.Equal(t, map[string]string{"sa_family": "AF_INET"}, Sockaddr(in4[:6]))
	assert.Equal(t, map[string]string{"sa_family": "AF_UNSPEC"}, Sockaddr(nil))
}

func FuzzSockaddr(f *testing.F) {
	f.Add([]byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1})
	f.Add([]byte{10, 0})
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Sockaddr(raw)
		if m["sa_family"] == "" {
			t.Fatalf("no sa_family for %x", raw)
		}
	})
}

func TestForInt(t *testing.T) {
	f, ok := ForInt("openat", "flags")
	assert.True(t, ok)
	assert.Equal(t, "O_WRONLY|O_CREAT", f(0o101))
	f, ok = ForInt("ptrace", "request")
	assert.True(t, ok)
	assert.Equal(t, "PTRACE_TRACEME", f(0))
	f, ok = ForInt("sched_process_exec", "stdin_type")
	assert.True(t, ok)
	assert.Equal(t, "S_IFCHR", f(0o20620))
	f, ok = ForInt("clone", "flags")
	assert.True(t, ok)
	assert.Equal(t, "CLONE_NEWNS", f(0x20011))
	f, ok = ForInt("fchmodat", "mode")
	assert.True(t, ok)
	assert.Equal(t, "S_IRWXU", f(0o700))
	_, ok = ForInt("openat", "dirfd")
	assert.False(t, ok, "dirfd stays a number")
	_, ok = ForInt("kill", "sig")
	assert.False(t, ok)
}

func TestSlimCred(t *testing.T) {
	raw := make([]byte, 0, 80)
	for i := range uint32(10) {
		raw = binary.LittleEndian.AppendUint32(raw, 1000+i)
	}
	for i := range uint64(5) {
		raw = binary.LittleEndian.AppendUint64(raw, 1<<40|i)
	}
	got := SlimCred(raw)
	if len(got) != 15 || got[0] != (CredField{"Uid", 1000}) || got[4] != (CredField{"Euid", 1004}) ||
		got[9] != (CredField{"SecureBits", 1009}) || got[12] != (CredField{"CapEffective", 1<<40 | 2}) ||
		got[14] != (CredField{"CapAmbient", 1<<40 | 4}) {
		t.Errorf("SlimCred = %v", got)
	}
	if SlimCred(raw[:79]) != nil {
		t.Error("a short credential set decodes")
	}
}
