// Package argparse turns raw syscall argument values into the parsed forms
// Tracee v0.22.6 gives them (flag names joined with "|", request names,
// sockaddr maps). Signatures written for Tracee compare against exactly
// these strings, so the spelling here is part of the compatibility contract.
package argparse

import (
	"strconv"
	"strings"
)

// flag is one named bit (or bit pattern) of a flags argument.
type flag struct {
	value uint64
	name  string
}

// joinFlags names every set bit in v in table order; bits no entry names are
// appended in hex so nothing is silently dropped. A composite entry (O_SYNC
// holds O_DSYNC's bit) listed before its parts claims its bits first.
func joinFlags(v uint64, table []flag) string {
	var b strings.Builder
	rest := v
	for _, f := range table {
		if f.value != 0 && rest&f.value == f.value {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(f.name)
			rest &^= f.value
		}
	}
	if rest != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x" + strconv.FormatUint(rest, 16))
	}
	return b.String()
}

// Open flags (asm-generic/fcntl.h, x86_64 values).
var openFlags = []flag{
	{0o100, "O_CREAT"},
	{0o200, "O_EXCL"},
	{0o400, "O_NOCTTY"},
	{0o1000, "O_TRUNC"},
	{0o2000, "O_APPEND"},
	{0o4000, "O_NONBLOCK"},
	{0o4010000, "O_SYNC"},
	{0o10000, "O_DSYNC"},
	{0o20000, "FASYNC"},
	{0o40000, "O_DIRECT"},
	{0o100000, "O_LARGEFILE"},
	{0o20200000, "O_TMPFILE"},
	{0o200000, "O_DIRECTORY"},
	{0o400000, "O_NOFOLLOW"},
	{0o1000000, "O_NOATIME"},
	{0o2000000, "O_CLOEXEC"},
	{0o10000000, "O_PATH"},
}

// OpenFlags renders open(2) flags: the access mode first, then the other
// flags, e.g. "O_WRONLY|O_CREAT|O_TRUNC".
func OpenFlags(v uint64) string {
	var mode string
	switch v & 0o3 {
	case 0:
		mode = "O_RDONLY"
	case 1:
		mode = "O_WRONLY"
	case 2:
		mode = "O_RDWR"
	default:
		mode = "O_ACCMODE"
	}
	rest := v &^ 0o3
	if rest == 0 {
		return mode
	}
	return mode + "|" + joinFlags(rest, openFlags)
}

var protFlags = []flag{
	{0x1, "PROT_READ"},
	{0x2, "PROT_WRITE"},
	{0x4, "PROT_EXEC"},
	{0x8, "PROT_SEM"},
	{0x01000000, "PROT_GROWSDOWN"},
	{0x02000000, "PROT_GROWSUP"},
}

// MmapProt renders mmap/mprotect protection bits, "PROT_NONE" for zero.
func MmapProt(v uint64) string {
	if v == 0 {
		return "PROT_NONE"
	}
	return joinFlags(v, protFlags)
}

var mmapFlags = []flag{
	{0x01, "MAP_SHARED"},
	{0x02, "MAP_PRIVATE"},
	{0x03, "MAP_SHARED_VALIDATE"},
	{0x10, "MAP_FIXED"},
	{0x20, "MAP_ANONYMOUS"},
	{0x40, "MAP_32BIT"},
	{0x100, "MAP_GROWSDOWN"},
	{0x800, "MAP_DENYWRITE"},
	{0x1000, "MAP_EXECUTABLE"},
	{0x2000, "MAP_LOCKED"},
	{0x4000, "MAP_NORESERVE"},
	{0x8000, "MAP_POPULATE"},
	{0x10000, "MAP_NONBLOCK"},
	{0x20000, "MAP_STACK"},
	{0x40000, "MAP_HUGETLB"},
	{0x80000, "MAP_SYNC"},
	{0x100000, "MAP_FIXED_NOREPLACE"},
}

// MmapFlags renders mmap(2) flags. The sharing type is exclusive, so it is
// named once before the other bits.
func MmapFlags(v uint64) string {
	var kind string
	switch v & 0x3 {
	case 0x1:
		kind = "MAP_SHARED"
	case 0x2:
		kind = "MAP_PRIVATE"
	case 0x3:
		kind = "MAP_SHARED_VALIDATE"
	}
	rest := joinFlags(v&^0x3, mmapFlags[3:])
	switch {
	case kind == "":
		return rest
	case rest == "":
		return kind
	default:
		return kind + "|" + rest
	}
}

var ptraceRequests = map[int64]string{
	0: "PTRACE_TRACEME", 1: "PTRACE_PEEKTEXT", 2: "PTRACE_PEEKDATA", 3: "PTRACE_PEEKUSER",
	4: "PTRACE_POKETEXT", 5: "PTRACE_POKEDATA", 6: "PTRACE_POKEUSER", 7: "PTRACE_CONT",
	8: "PTRACE_KILL", 9: "PTRACE_SINGLESTEP", 12: "PTRACE_GETREGS", 13: "PTRACE_SETREGS",
	14: "PTRACE_GETFPREGS", 15: "PTRACE_SETFPREGS", 16: "PTRACE_ATTACH", 17: "PTRACE_DETACH",
	18: "PTRACE_GETFPXREGS", 19: "PTRACE_SETFPXREGS", 24: "PTRACE_SYSCALL",
	0x4200: "PTRACE_SETOPTIONS", 0x4201: "PTRACE_GETEVENTMSG", 0x4202: "PTRACE_GETSIGINFO",
	0x4203: "PTRACE_SETSIGINFO", 0x4204: "PTRACE_GETREGSET", 0x4205: "PTRACE_SETREGSET",
	0x4206: "PTRACE_SEIZE", 0x4207: "PTRACE_INTERRUPT", 0x4208: "PTRACE_LISTEN",
	0x4209: "PTRACE_PEEKSIGINFO", 0x420a: "PTRACE_GETSIGMASK", 0x420b: "PTRACE_SETSIGMASK",
	0x420c: "PTRACE_SECCOMP_GET_FILTER", 0x420d: "PTRACE_SECCOMP_GET_METADATA",
	0x420e: "PTRACE_GET_SYSCALL_INFO",
}

// PtraceRequest names a ptrace(2) request, e.g. "PTRACE_TRACEME"; unknown
// requests keep their number.
func PtraceRequest(v int64) string {
	if s, ok := ptraceRequests[v]; ok {
		return s
	}
	return strconv.FormatInt(v, 10)
}

var socketDomains = map[uint64]string{
	0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 3: "AF_AX25", 4: "AF_IPX", 5: "AF_APPLETALK",
	6: "AF_NETROM", 7: "AF_BRIDGE", 8: "AF_ATMPVC", 9: "AF_X25", 10: "AF_INET6", 11: "AF_ROSE",
	12: "AF_DECnet", 13: "AF_NETBEUI", 14: "AF_SECURITY", 15: "AF_KEY", 16: "AF_NETLINK",
	17: "AF_PACKET", 18: "AF_ASH", 19: "AF_ECONET", 20: "AF_ATMSVC", 21: "AF_RDS", 22: "AF_SNA",
	23: "AF_IRDA", 24: "AF_PPPOX", 25: "AF_WANPIPE", 26: "AF_LLC", 27: "AF_IB", 28: "AF_MPLS",
	29: "AF_CAN", 30: "AF_TIPC", 31: "AF_BLUETOOTH", 32: "AF_IUCV", 33: "AF_RXRPC", 34: "AF_ISDN",
	35: "AF_PHONET", 36: "AF_IEEE802154", 37: "AF_CAIF", 38: "AF_ALG", 39: "AF_NFC", 40: "AF_VSOCK",
	41: "AF_KCM", 42: "AF_QIPCRTR", 43: "AF_SMC", 44: "AF_XDP", 45: "AF_MCTP",
}

// SocketDomain names an address family, e.g. "AF_INET".
func SocketDomain(v uint64) string {
	if s, ok := socketDomains[v]; ok {
		return s
	}
	return strconv.FormatUint(v, 10)
}

var socketTypes = map[uint64]string{
	1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET",
	6: "SOCK_DCCP", 10: "SOCK_PACKET",
}

// SocketType names a socket type with its SOCK_NONBLOCK/SOCK_CLOEXEC bits,
// e.g. "SOCK_STREAM|SOCK_CLOEXEC".
func SocketType(v uint64) string {
	const nonblock, cloexec = 0o4000, 0o2000000
	s, ok := socketTypes[v&0xf]
	if !ok {
		s = strconv.FormatUint(v&0xf, 10)
	}
	if v&nonblock != 0 {
		s += "|SOCK_NONBLOCK"
	}
	if v&cloexec != 0 {
		s += "|SOCK_CLOEXEC"
	}
	return s
}

var bpfCommands = []string{
	"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM", "BPF_MAP_DELETE_ELEM",
	"BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN", "BPF_OBJ_GET", "BPF_PROG_ATTACH",
	"BPF_PROG_DETACH", "BPF_PROG_TEST_RUN", "BPF_PROG_GET_NEXT_ID", "BPF_MAP_GET_NEXT_ID",
	"BPF_PROG_GET_FD_BY_ID", "BPF_MAP_GET_FD_BY_ID", "BPF_OBJ_GET_INFO_BY_FD", "BPF_PROG_QUERY",
	"BPF_RAW_TRACEPOINT_OPEN", "BPF_BTF_LOAD", "BPF_BTF_GET_FD_BY_ID", "BPF_TASK_FD_QUERY",
	"BPF_MAP_LOOKUP_AND_DELETE_ELEM", "BPF_MAP_FREEZE", "BPF_BTF_GET_NEXT_ID",
	"BPF_MAP_LOOKUP_BATCH", "BPF_MAP_LOOKUP_AND_DELETE_BATCH", "BPF_MAP_UPDATE_BATCH",
	"BPF_MAP_DELETE_BATCH", "BPF_LINK_CREATE", "BPF_LINK_UPDATE", "BPF_LINK_GET_FD_BY_ID",
	"BPF_LINK_GET_NEXT_ID", "BPF_ENABLE_STATS", "BPF_ITER_CREATE", "BPF_LINK_DETACH",
	"BPF_PROG_BIND_MAP",
}

// BPFCommand names a bpf(2) command, e.g. "BPF_PROG_LOAD".
func BPFCommand(v uint64) string {
	if v < uint64(len(bpfCommands)) {
		return bpfCommands[v]
	}
	return strconv.FormatUint(v, 10)
}

var memfdFlags = []flag{
	{0x1, "MFD_CLOEXEC"},
	{0x2, "MFD_ALLOW_SEALING"},
	{0x4, "MFD_HUGETLB"},
	{0x8, "MFD_NOEXEC_SEAL"},
	{0x10, "MFD_EXEC"},
}

// MemfdFlags renders memfd_create(2) flags; zero is "0".
func MemfdFlags(v uint64) string {
	if v == 0 {
		return "0"
	}
	return joinFlags(v, memfdFlags)
}

// fileTypes are the S_IFMT values of an inode mode.
var fileTypes = map[uint64]string{
	0o140000: "S_IFSOCK", 0o120000: "S_IFLNK", 0o100000: "S_IFREG", 0o60000: "S_IFBLK",
	0o40000: "S_IFDIR", 0o20000: "S_IFCHR", 0o10000: "S_IFIFO",
}

// permissionClasses are the owner, group and other permission bits: a
// class with all three bits set is named as a whole (S_IRWXU), else bit by
// bit, as Tracee does.
var permissionClasses = [][]flag{
	{{0o700, "S_IRWXU"}, {0o400, "S_IRUSR"}, {0o200, "S_IWUSR"}, {0o100, "S_IXUSR"}},
	{{0o70, "S_IRWXG"}, {0o40, "S_IRGRP"}, {0o20, "S_IWGRP"}, {0o10, "S_IXGRP"}},
	{{0o7, "S_IRWXO"}, {0o4, "S_IROTH"}, {0o2, "S_IWOTH"}, {0o1, "S_IXOTH"}},
}

// specialModeBits are the set-user-ID, set-group-ID and sticky bits.
var specialModeBits = []flag{{0o4000, "S_ISUID"}, {0o2000, "S_ISGID"}, {0o1000, "S_ISVTX"}}

// InodeMode renders a file mode as Tracee does: the file type, then the
// permission bits of each class, e.g. "S_IFREG|S_IRWXU|S_IRGRP|S_IXGRP".
// Unlike Tracee, which drops them, the set-id and sticky bits are named
// after the type: a signature must tell a chmod that sets S_ISUID.
func InodeMode(v uint64) string {
	var parts []string
	if t, ok := fileTypes[v&0o170000]; ok {
		parts = append(parts, t)
	}
	for _, f := range specialModeBits {
		if v&f.value != 0 {
			parts = append(parts, f.name)
		}
	}
	for _, class := range permissionClasses {
		if s := joinFlags(v&class[0].value, class); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "|")
}

// kernelReadFileTypes are enum kernel_read_file_id's names as Tracee prints them.
var kernelReadFileTypes = []string{
	"unknown", "firmware", "kernel-module", "kexec-image", "kexec-initramfs",
	"security-policy", "x509-certificate",
}

// KernelReadFileType names the kind of file the kernel read, e.g. "kernel-module".
func KernelReadFileType(v uint64) string {
	if v < uint64(len(kernelReadFileTypes)) {
		return kernelReadFileTypes[v]
	}
	return strconv.FormatUint(v, 10)
}

// MemProtAlert names mem_prot_alert's alert kinds as Tracee prints them.
func MemProtAlert(v uint64) string {
	switch v {
	case 1:
		return "Mmaped region with W+E permissions!"
	case 2:
		return "Protection changed to Executable!"
	case 3:
		return "Protection changed from E to W+E!"
	case 4:
		return "Protection changed from W to E!"
	default:
		return "Unknown alert"
	}
}
