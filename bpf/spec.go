package bpf

import (
	"fmt"

	"github.com/vigil-sec/vigil"
)

// Argument capture specs, one byte per syscall argument register: the
// VIGIL_SPEC_* values of c/wire.h.
const (
	specSkip         uint8 = 0
	specInt32        uint8 = 1
	specInt64        uint8 = 2
	specUint32       uint8 = 3
	specUint64       uint8 = 4
	specStr          uint8 = 5
	specStrs         uint8 = 6
	specSockaddr     uint8 = 7
	specSockaddrLenP uint8 = 8
)

// Scheduler and cgroup events, captured by their own programs.
const (
	eventSchedProcessFork = uint32(vigil.IDSchedProcessFork)
	eventSchedProcessExec = uint32(vigil.IDSchedProcessExec)
	eventSchedProcessExit = uint32(vigil.IDSchedProcessExit)
	eventCgroupMkdir      = uint32(vigil.IDCgroupMkdir)
)

// The syscalls whose records are built at entry (see c/syscalls.c).
const (
	syscallExecve   = uint32(59)
	syscallExecveat = uint32(322)
)

// Derived events: Tracee takes them from LSM hooks and kprobes; here the
// exits of the syscalls that reach those hooks produce them.
const (
	eventSecurityBprmCheck  = uint32(vigil.IDSecurityBprmCheck) // by the sched_process_exec program
	eventSecurityFileOpen   = uint32(vigil.IDSecurityFileOpen)
	eventSecuritySocketConn = uint32(vigil.IDSecuritySocketConnect)
	eventSecuritySbMount    = uint32(vigil.IDSecuritySbMount)
	eventSecurityKernelRead = uint32(vigil.IDSecurityKernelReadFile)
	eventSecurityRename     = uint32(vigil.IDSecurityInodeRename)
	eventMagicWrite         = uint32(vigil.IDMagicWrite)
	eventMemProtAlert       = uint32(vigil.IDMemProtAlert)
	eventSocketDup          = uint32(vigil.IDSocketDup)
)

// VIGIL_DERIVED_* of c/wire.h.
const (
	derivedFileOpen      uint8 = 1 << 0
	derivedSocketConnect uint8 = 1 << 1
	derivedSbMount       uint8 = 1 << 2
	derivedKernelRead    uint8 = 1 << 3
	derivedRename        uint8 = 1 << 4
	derivedMagicWrite    uint8 = 1 << 5
	derivedMemProt       uint8 = 1 << 6
	derivedSocketDup     uint8 = 1 << 7
)

// derivedSource says which syscalls produce a derived event, and the bit
// (VIGIL_DERIVED_* in c/wire.h) that asks their exit to.
type derivedSource struct {
	bit      uint8
	syscalls []uint32
}

var syscallDerived = map[uint32]derivedSource{
	// open, creat, openat, openat2
	eventSecurityFileOpen:   {bit: derivedFileOpen, syscalls: []uint32{2, 85, 257, 437}},
	eventSecuritySocketConn: {bit: derivedSocketConnect, syscalls: []uint32{42}},
	eventSecuritySbMount:    {bit: derivedSbMount, syscalls: []uint32{165}},
	// finit_module: init_module passes an image in memory, no file
	eventSecurityKernelRead: {bit: derivedKernelRead, syscalls: []uint32{313}},
	// rename, renameat, renameat2
	eventSecurityRename: {bit: derivedRename, syscalls: []uint32{82, 264, 316}},
	// write, pwrite64, writev (64-bit callers only: ia32Syscalls has no
	// twins for them)
	eventMagicWrite: {bit: derivedMagicWrite, syscalls: []uint32{1, 18, 20}},
	// mmap, mprotect
	eventMemProtAlert: {bit: derivedMemProt, syscalls: []uint32{9, 10}},
	// dup2, dup3
	eventSocketDup: {bit: derivedSocketDup, syscalls: []uint32{33, 292}},
}

// maxSyscall bounds syscall numbers: NR_SYSCALLS in c/syscalls.c.
const maxSyscall = 512

// ia32Syscalls maps x86_64 syscall numbers to the numbers of the 32-bit
// (ia32) syscalls of the same meaning (arch/x86/entry/syscalls/syscall_32.tbl),
// which the programs report under the x86_64 number with FlagCompat. The
// 16-bit uid/gid variants count as the 32-bit ones. Left out: mmap (ia32 has
// old_mmap, which takes a struct, and mmap2, which counts pages) and accept
// (only reachable through socketcall).
var ia32Syscalls = map[uint32][]uint32{
	2: {5}, 10: {125}, 33: {63}, 41: {359}, 42: {362}, 49: {361}, 50: {363}, 59: {11}, 62: {37},
	82: {38}, 85: {8}, 87: {10}, 90: {15}, 101: {26},
	105: {23, 213}, 106: {46, 214}, 113: {70, 203}, 114: {71, 204}, 117: {164, 208}, 119: {170, 210},
	165: {21}, 166: {52}, 175: {128}, 257: {295}, 263: {301}, 264: {302}, 268: {306}, 288: {364},
	292: {330}, 310: {347}, 311: {348}, 313: {350}, 316: {353}, 319: {356}, 321: {357}, 322: {358}, 437: {437},
}

// specOfType says how the dispatcher captures an argument of a Tracee type;
// next is the type of the argument after it (a sockaddr's length).
func specOfType(typ, next string) (uint8, error) {
	switch typ {
	case vigil.TypeInt, vigil.TypePidT:
		return specInt32, nil
	case vigil.TypeLong, vigil.TypeOffT:
		return specInt64, nil
	case vigil.TypeUInt, vigil.TypeUIDT, vigil.TypeGIDT, vigil.TypeModeT:
		return specUint32, nil
	case vigil.TypeSizeT, vigil.TypeULong, vigil.TypeU64, vigil.TypePtr, vigil.TypeIntPtr,
		vigil.TypeOpenHowPtr, vigil.TypeIovecPtr, vigil.TypeBpfAttr:
		return specUint64, nil
	case vigil.TypeStr:
		return specStr, nil
	case vigil.TypeStrArr:
		return specStrs, nil
	case vigil.TypeSockaddr:
		switch next {
		case vigil.TypeInt:
			return specSockaddr, nil
		case vigil.TypeIntPtr:
			return specSockaddrLenP, nil
		}
		return 0, fmt.Errorf("struct sockaddr* followed by %q, not a length", next)
	}
	return 0, fmt.Errorf("no capture for argument type %q", typ)
}

// syscallSpec returns the capture spec of a syscall event of the catalog.
// argv and envp are left out unless asked for.
func syscallSpec(d *vigil.EventDef, captureArgv, captureEnv bool) ([6]uint8, error) {
	var spec [6]uint8
	if !d.Syscall || d.ID < 0 || d.ID >= maxSyscall {
		return spec, fmt.Errorf("%s (%d) is not a syscall the dispatcher can select", d.Name, d.ID)
	}
	if len(d.Args) > len(spec) {
		return spec, fmt.Errorf("%s has %d arguments, more than the 6 registers", d.Name, len(d.Args))
	}
	for i, a := range d.Args {
		next := ""
		if i+1 < len(d.Args) {
			next = d.Args[i+1].Type
		}
		s, err := specOfType(a.Type, next)
		if err != nil {
			return spec, fmt.Errorf("%s argument %s: %w", d.Name, a.Name, err)
		}
		if (a.Name == "argv" && !captureArgv) || (a.Name == "envp" && !captureEnv) {
			s = specSkip
		}
		spec[i] = s
	}
	return spec, nil
}

// supported reports whether the kernel side can capture an event id.
func supported(id uint32) (*vigil.EventDef, bool) {
	d, ok := vigil.LookupEventID(vigil.EventID(id))
	if !ok {
		return nil, false
	}
	switch id {
	case eventSchedProcessFork, eventSchedProcessExec, eventSchedProcessExit, eventSecurityBprmCheck, eventCgroupMkdir:
		return d, true
	}
	if _, ok := syscallDerived[id]; ok {
		return d, true
	}
	if !d.Syscall {
		return nil, false
	}
	_, err := syscallSpec(d, true, true)
	return d, err == nil
}

// SupportedEvents returns the ids of the events Load can capture, in
// increasing order.
func SupportedEvents() []uint32 {
	var ids []uint32
	for _, d := range vigil.Events() {
		if _, ok := supported(uint32(d.ID)); ok {
			ids = append(ids, uint32(d.ID))
		}
	}
	return ids
}
