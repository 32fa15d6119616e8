//go:build linux && (amd64 || arm64)

package bpf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/vigil-sec/vigil/catalog"
)

// Names the derived helper gives what it makes, for the test to find.
const (
	derivedMapName  = "vigil_test_map"
	derivedProgName = "vigil_test_prog"
	derivedComm     = "vigil-renamed"
)

// derivedActions performs, in one process, each action a derived event of
// the second batch reports, in dir: unlink, the socket calls, a file mapped
// executable, mprotect, unshare, a rename, bpf map and program calls and a
// failed exec. Each step depends on nothing the test sees.
func derivedActions(dir string) error {
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("x"), 0o644); err != nil {
		return err
	}
	if err := unix.Unlink(victim); err != nil {
		return err
	}

	// socket, bind, setsockopt, listen, then accept a connection
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1); err != nil {
		return err
	}
	if err := unix.Listen(fd, 7); err != nil {
		return err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return err
	}
	conn, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port))
	if err != nil {
		return err
	}
	defer conn.Close()
	nfd, _, err := unix.Accept(fd)
	if err != nil {
		return err
	}
	unix.Close(nfd)

	// a file mapped executable, as a shared library is
	lib := filepath.Join(dir, "libvigil.so")
	if err := os.WriteFile(lib, make([]byte, 4096), 0o755); err != nil {
		return err
	}
	f, err := os.Open(lib)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_PRIVATE)
	if err != nil {
		return err
	}
	if err := unix.Mprotect(m, unix.PROT_READ); err != nil {
		return err
	}
	if err := unix.Munmap(m); err != nil {
		return err
	}

	if err := unix.Unshare(unix.CLONE_NEWUTS); err != nil {
		return err
	}
	comm := append([]byte(derivedComm), 0)
	if err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&comm[0])), 0, 0, 0); err != nil {
		return err
	}

	mp, err := ebpf.NewMap(&ebpf.MapSpec{Name: derivedMapName, Type: ebpf.Array, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	if err != nil {
		return err
	}
	defer mp.Close()
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: derivedProgName, Type: ebpf.RawTracepoint, License: "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		return err
	}
	defer prog.Close()
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: prog})
	if err != nil {
		return err
	}
	defer l.Close()

	// neither ELF nor script: the kernel opens it, then finds no format
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte{0, 1, 2, 3}, 0o755); err != nil {
		return err
	}
	if err := unix.Exec(junk, []string{junk, "first-arg"}, nil); !errors.Is(err, unix.ENOEXEC) {
		return fmt.Errorf("exec of junk: %v, want ENOEXEC", err)
	}
	return nil
}

// TestDerivedEventsLive selects the derived events of the second batch and
// task_rename in both attach modes, has a helper perform the actions they
// report, and checks each record's key arguments.
func TestDerivedEventsLive(t *testing.T) {
	ids := []catalog.EventID{
		catalog.IDSecurityInodeUnlink, catalog.IDSecuritySocketCreate, catalog.IDSecuritySocketBind,
		catalog.IDSecuritySocketSetsockopt, catalog.IDSecuritySocketListen, catalog.IDSecuritySocketAccept,
		catalog.IDSecurityMmapFile, catalog.IDSharedObjectLoaded, catalog.IDSecurityFileMprotect,
		catalog.IDSwitchTaskNs, catalog.IDTaskRename, catalog.IDSecurityBpf, catalog.IDSecurityBpfMap,
		catalog.IDBpfAttach, catalog.IDProcessExecuteFailed,
	}
	var events []uint32
	for _, id := range ids {
		events = append(events, uint32(id))
	}
	for _, mode := range []string{modeTPBTF, modeRawTP} {
		t.Run(mode, func(t *testing.T) {
			dir, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			c := startCapture(t, Options{Events: events, ExcludeTGIDs: []uint32{self()}, CaptureArgv: true}, mode)
			pid := runHelperCmd(t, "derived", dir)
			at := func(id catalog.EventID, match func(*Event) bool) *Event {
				return c.await(t, name(uint32(id)), func(e *Event) bool {
					return from(pid, uint32(id))(e) && (match == nil || match(e))
				})
			}

			if got := argStr(t, at(catalog.IDSecurityInodeUnlink, nil), 0); got != filepath.Join(dir, "victim") {
				t.Errorf("security_inode_unlink pathname %q", got)
			}
			create := at(catalog.IDSecuritySocketCreate, func(e *Event) bool { return argInt(t, e, 0) == unix.AF_INET })
			if argInt(t, create, 1)&0xf != unix.SOCK_STREAM || argInt(t, create, 3) != 0 {
				t.Errorf("security_socket_create: %+v", create.Args)
			}
			bind := at(catalog.IDSecuritySocketBind, nil)
			if addr := bind.Arg(1); addr == nil || len(addr.Bytes) < 8 || binary.LittleEndian.Uint16(addr.Bytes) != unix.AF_INET ||
				!slices.Equal(addr.Bytes[4:8], []byte{127, 0, 0, 1}) {
				t.Errorf("security_socket_bind local_addr %+v", bind.Arg(1))
			}
			sockfd := argInt(t, bind, 0)
			opt := at(catalog.IDSecuritySocketSetsockopt, nil)
			if argInt(t, opt, 0) != sockfd || argInt(t, opt, 1) != unix.SOL_SOCKET || argInt(t, opt, 2) != unix.SO_KEEPALIVE {
				t.Errorf("security_socket_setsockopt: %+v", opt.Args)
			}
			listen := at(catalog.IDSecuritySocketListen, nil)
			port := localPort(t, listen, 1)
			if argInt(t, listen, 0) != sockfd || argInt(t, listen, 2) != 7 || port == 0 {
				t.Errorf("security_socket_listen: %+v", listen.Args)
			}
			accept := at(catalog.IDSecuritySocketAccept, nil)
			if argInt(t, accept, 0) != sockfd || localPort(t, accept, 1) != port {
				t.Errorf("security_socket_accept: %+v, want the listening socket on port %d", accept.Args, port)
			}

			lib := filepath.Join(dir, "libvigil.so")
			mmapFile := at(catalog.IDSecurityMmapFile, func(e *Event) bool { return argStr(t, e, 0) == lib })
			if argInt(t, mmapFile, 5) != unix.PROT_READ|unix.PROT_EXEC || argInt(t, mmapFile, 6)&unix.MAP_PRIVATE == 0 {
				t.Errorf("security_mmap_file: %+v", mmapFile.Args)
			}
			at(catalog.IDSharedObjectLoaded, func(e *Event) bool { return argStr(t, e, 0) == lib })
			mprot := at(catalog.IDSecurityFileMprotect, func(e *Event) bool { return argStr(t, e, 0) == lib })
			if argInt(t, mprot, 1) != unix.PROT_READ || argInt(t, mprot, 6) != -1 {
				t.Errorf("security_file_mprotect: %+v", mprot.Args)
			}

			ns := at(catalog.IDSwitchTaskNs, nil)
			if uts, err := os.Readlink("/proc/self/ns/uts"); err != nil || argInt(t, ns, 3) == 0 ||
				fmt.Sprintf("uts:[%d]", argInt(t, ns, 3)) == uts {
				t.Errorf("switch_task_ns new_uts %d, want a namespace other than ours (%s, %v)", argInt(t, ns, 3), uts, err)
			}
			rename := at(catalog.IDTaskRename, func(e *Event) bool { return argStr(t, e, 1) == derivedComm })
			if argStr(t, rename, 0) == derivedComm {
				t.Errorf("task_rename old_name is the new name")
			}

			at(catalog.IDSecurityBpf, func(e *Event) bool { return argInt(t, e, 0) == 0 }) // BPF_MAP_CREATE
			bpfMap := at(catalog.IDSecurityBpfMap, func(e *Event) bool { return argStr(t, e, 1) == derivedMapName })
			if argInt(t, bpfMap, 0) == 0 {
				t.Errorf("security_bpf_map without a map id")
			}
			attach := at(catalog.IDBpfAttach, func(e *Event) bool { return argStr(t, e, 1) == derivedProgName })
			if argInt(t, attach, 0) != int64(ebpf.RawTracepoint) || argInt(t, attach, 2) == 0 {
				t.Errorf("bpf_attach: %+v", attach.Args)
			}
			if a := attach.Arg(4); a != nil && a.Str != "sys_enter" {
				t.Errorf("bpf_attach symbol_name %q, want sys_enter", a.Str)
			}

			failed := at(catalog.IDProcessExecuteFailed, nil)
			junk := filepath.Join(dir, "junk")
			if argStr(t, failed, 2) != junk || !slices.Equal(argStrs(t, failed, 12), []string{junk, "first-arg"}) ||
				failed.ReturnValue != -int64(unix.ENOEXEC) || failed.Syscall != 59 {
				t.Errorf("process_execute_failed: %+v (ret %d)", failed.Args, failed.ReturnValue)
			}
			if argInt(t, failed, 9) != unix.S_IFCHR || argStr(t, failed, 10) != os.DevNull {
				t.Errorf("process_execute_failed stdin: %+v, want %s", failed.Args, os.DevNull)
			}
		})
	}
}

// localPort returns the port of the AF_INET address in argument i.
func localPort(t *testing.T, e *Event, i int) uint16 {
	t.Helper()
	a := e.Arg(i)
	if a == nil || len(a.Bytes) < 4 || binary.LittleEndian.Uint16(a.Bytes) != unix.AF_INET {
		t.Fatalf("event %d: argument %d is %+v, want an AF_INET address", e.EventID, i, a)
	}
	return binary.BigEndian.Uint16(a.Bytes[2:4])
}

// TestCommitCredsLive checks commit_creds in both attach modes: a
// setresuid that changes nothing makes no record, one that drops the
// effective uid makes one with the credentials before and after.
func TestCommitCredsLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to change its credentials")
	}
	for _, mode := range []string{modeTPBTF, modeRawTP} {
		t.Run(mode, func(t *testing.T) {
			c := startCapture(t, Options{Events: []uint32{uint32(catalog.IDCommitCreds)}, ExcludeTGIDs: []uint32{self()}}, mode)
			pid := runHelperCmd(t, "setresuid", "")
			ev := c.await(t, "commit_creds", from(pid, uint32(catalog.IDCommitCreds)))
			// records number syscalls as x86_64 does, on arm64 too
			if d, _ := catalog.LookupEvent("setresuid"); ev.Syscall != int32(d.ID) {
				t.Errorf("syscall %d, want setresuid's %d", ev.Syscall, d.ID)
			}
			old, now := slimCred(t, ev, 0), slimCred(t, ev, 1)
			// struct slim_cred: uid, gid, suid, sgid, euid, ... then the
			// capability sets, effective at byte 56
			if old.euid != 0 || now.euid != 65534 || now.uid != 0 || now.suid != 0 {
				t.Errorf("euid %d -> %d (uid %d, suid %d), want 0 -> 65534, uid and suid 0", old.euid, now.euid, now.uid, now.suid)
			}
			if old.capEffective == 0 || now.capEffective != 0 {
				t.Errorf("effective capabilities %#x -> %#x, want all dropped", old.capEffective, now.capEffective)
			}
		})
	}
}

type cred struct {
	uid, suid, euid uint32
	capEffective    uint64
}

// slimCred reads the fields the test checks from a struct slim_cred.
func slimCred(t *testing.T, e *Event, i int) cred {
	t.Helper()
	a := e.Arg(i)
	if a == nil || a.Kind != ArgBytes || len(a.Bytes) != 80 {
		t.Fatalf("argument %d is %+v, want the 80 bytes of struct slim_cred", i, a)
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(a.Bytes[off:]) }
	return cred{uid: u32(0), suid: u32(8), euid: u32(16), capEffective: binary.LittleEndian.Uint64(a.Bytes[56:])}
}
