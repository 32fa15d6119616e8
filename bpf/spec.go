package bpf

import (
	"fmt"
	"strings"

	"github.com/vigil-sec/vigil"
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

// The syscalls whose records are built at entry (see c/syscalls.c).
var (
	syscallExecve, _   = syscallNumber("execve")
	syscallExecveat, _ = syscallNumber("execveat")
)

// syscallNumber returns the x86_64 number of a syscall of the catalog.
func syscallNumber(name string) (uint32, bool) {
	d, ok := vigil.LookupEvent(name)
	if !ok || !d.Syscall {
		return 0, false
	}
	return uint32(d.ID), true
}

// maxSyscall bounds syscall numbers: NR_SYSCALLS in c/syscalls.c.
const maxSyscall = 512

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
	if strings.HasSuffix(typ, "*") {
		return specUint64, nil // any other pointer: its value
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
	for _, d := range vigil.Events() {
		if _, ok := supported(uint32(d.ID)); ok {
			ids = append(ids, uint32(d.ID))
		}
	}
	return ids
}
