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

// Scheduler events, captured by their own programs.
const (
	eventSchedProcessFork = uint32(vigil.IDSchedProcessFork)
	eventSchedProcessExec = uint32(vigil.IDSchedProcessExec)
	eventSchedProcessExit = uint32(vigil.IDSchedProcessExit)
)

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
	case eventSchedProcessFork, eventSchedProcessExec, eventSchedProcessExit:
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
