package bpf

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/vigil-sec/vigil/catalog"
)

// derivedSource says which syscalls produce a derived event, and the bit
// (VIGIL_DERIVED_* in c/events.h) that asks their exit to.
type derivedSource struct {
	bit      uint32
	syscalls []uint32
}

// tracepointEvent is an event with a program of its own: the tracepoint,
// and the EXEC_EMIT_* bit that asks for the event when the program emits
// several (sched_process_exec).
type tracepointEvent struct {
	tracepoint string
	emit       uint32
}

// entrySyscalls are the syscalls whose records are built at entry (see
// c/syscalls.c): execve and execveat, whose memory a successful call
// replaces, and exit and exit_group, which never return.
var entrySyscalls = syscallNumbers("execve", "execveat", "exit", "exit_group")

// syscallNumbers returns the x86_64 numbers of syscalls of the catalog.
func syscallNumbers(names ...string) []uint32 {
	out := make([]uint32, 0, len(names))
	for _, n := range names {
		if nr, ok := syscallNumber(n); ok {
			out = append(out, nr)
		}
	}
	return out
}

// syscallNumber returns the x86_64 number of a syscall of the catalog.
func syscallNumber(name string) (uint32, bool) {
	d, ok := catalog.LookupEvent(name)
	if !ok || !d.Syscall {
		return 0, false
	}
	return uint32(d.ID), true
}

// arch is the architecture whose kernel the programs run in (GOARCH
// notation): it numbers the syscalls. A variable for tests.
var arch = runtime.GOARCH

// kernelSyscall returns the number this architecture's kernel gives the
// syscall event id; ok is false when it has no such syscall.
func kernelSyscall(id uint32) (nr uint32, ok bool) {
	return catalog.SyscallNumber(arch, catalog.EventID(id))
}

// ArchLacks says why this architecture cannot provide an event, or "" when
// it can: arm64 has no open, stat, fork, ... (the generic syscall table).
// Unavailable reports the same for the events it is given.
func ArchLacks(id uint32) string {
	d, ok := catalog.LookupEventID(catalog.EventID(id))
	if !ok || !d.Syscall {
		return ""
	}
	if _, ok := kernelSyscall(id); ok {
		return ""
	}
	return fmt.Sprintf("%s has no %s syscall", arch, d.Name)
}

// maxSyscall bounds syscall numbers: NR_SYSCALLS in c/syscalls.c.
const maxSyscall = 512

// scalarSpecs says how the dispatcher captures an argument of a scalar
// type, Tracee's or the kernel's (the rows of syscalls.yaml).
var scalarSpecs = map[string]uint8{
	// 32-bit signed: low 32 bits, sign-extended
	catalog.TypeInt: specInt32, catalog.TypePidT: specInt32, "__s32": specInt32, "key_t": specInt32,
	"key_serial_t": specInt32, "clockid_t": specInt32, "timer_t": specInt32, "mqd_t": specInt32,
	"rwf_t": specInt32, "enum landlock_rule_type": specInt32,
	// 64-bit signed
	catalog.TypeLong: specInt64, catalog.TypeOffT: specInt64, "loff_t": specInt64,
	// 32-bit unsigned
	catalog.TypeUInt: specUint32, "unsigned": specUint32, catalog.TypeUIDT: specUint32, catalog.TypeGIDT: specUint32,
	catalog.TypeModeT: specUint32, "u32": specUint32, "__u32": specUint32, "qid_t": specUint32, catalog.TypeDevT: specUint32,
	// 64-bit unsigned, and the typedefs that are pointers
	catalog.TypeSizeT: specUint64, catalog.TypeULong: specUint64, catalog.TypeU64: specUint64, "__u64": specUint64,
	"aio_context_t": specUint64, "cap_user_header_t": specUint64, "cap_user_data_t": specUint64,
}

// specOfType says how the dispatcher captures an argument of a type; next
// is the type of the argument after it (a sockaddr's length).
func specOfType(typ, next string) (uint8, error) {
	if s, ok := scalarSpecs[typ]; ok {
		return s, nil
	}
	switch typ {
	case catalog.TypeStr:
		return specStr, nil
	case catalog.TypeStrArr, catalog.TypeStrArrC:
		return specStrs, nil
	case catalog.TypeSockaddr:
		switch next {
		case catalog.TypeInt:
			return specSockaddr, nil
		case catalog.TypeIntPtr:
			return specSockaddrLenP, nil
		}
		return 0, fmt.Errorf("struct sockaddr* followed by %q, not a length", next)
	}
	if strings.HasSuffix(typ, "*") {
		return specUint64, nil // any other pointer: its value
	}
	return 0, fmt.Errorf("no capture for argument type %q", typ)
}

// syscallSpec returns the capture spec of a syscall event of the catalog.
// argv and envp are left out unless asked for.
func syscallSpec(d *catalog.EventDef, captureArgv, captureEnv bool) ([6]uint8, error) {
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
func supported(id uint32) (*catalog.EventDef, bool) {
	d, ok := catalog.LookupEventID(catalog.EventID(id))
	if !ok {
		return nil, false
	}
	if _, ok := tracepointEvents[id]; ok {
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
	for _, d := range catalog.Events() {
		if _, ok := supported(uint32(d.ID)); ok {
			ids = append(ids, uint32(d.ID))
		}
	}
	return ids
}
