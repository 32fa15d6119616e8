//go:build linux

// Package privilege gives up, for good, the capabilities a process no
// longer needs once its privileged set-up is done.
//
// Capabilities, the bounding set, the ambient set and no_new_privs belong
// to each thread, not to the process: every change is made on every thread
// the Go runtime runs, with syscall.AllThreadsSyscall. That works only in
// binaries without cgo (Go cannot reach threads that C code starts): ocb
// builds the collector with CGO_ENABLED=0.
package privilege

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Cap is a capability number (linux/capability.h).
type Cap uint

// The capabilities this package's users name.
const (
	DACReadSearch Cap = unix.CAP_DAC_READ_SEARCH
	SetPCap       Cap = unix.CAP_SETPCAP
	SysPtrace     Cap = unix.CAP_SYS_PTRACE
)

// Set is a set of capabilities: bit n is capability n, as in the Cap*
// lines of /proc/<pid>/status.
type Set uint64

// SetOf returns the set holding caps.
func SetOf(caps ...Cap) Set {
	var s Set
	for _, c := range caps {
		s |= 1 << c
	}
	return s
}

// Has reports whether c is in s.
func (s Set) Has(c Cap) bool { return s&(1<<c) != 0 }

// Result says what Drop did.
type Result struct {
	// Kept is what is left in the effective and permitted sets: the
	// capabilities asked to be kept that the process had.
	Kept Set
	// Bounding is whether the bounding set was reduced to Kept too, so that
	// not even an exec as root gets the others back. It needs CAP_SETPCAP.
	Bounding bool
}

var (
	// ErrCgo is returned where the binary uses cgo (see the package doc).
	ErrCgo = errors.New("capabilities are per thread and this binary uses cgo, whose threads Go cannot change (build it with CGO_ENABLED=0, as ocb does)")
	// ErrDropped is returned by a second Drop in the process.
	ErrDropped = errors.New("capabilities were already dropped in this process")
)

var (
	mu      sync.Mutex
	dropped bool
)

// Dropped reports whether Drop has taken capabilities away from this
// process.
func Dropped() bool {
	mu.Lock()
	defer mu.Unlock()
	return dropped
}

// Drop reduces the process's capabilities to keep and sets no_new_privs,
// on every thread:
//   - first, on one thread, it lowers the effective set to keep, runs verify
//     and restores the thread: if verify fails, Drop changes nothing and
//     returns its error, so a process does not give up what it still needs;
//   - then it sets no_new_privs (no exec gains privileges: set-user-id bits
//     and file capabilities are ignored), clears the ambient set, reduces
//     the bounding set to keep when it may (CAP_SETPCAP), and finally sets
//     the effective and permitted sets to keep and the inheritable set to
//     nothing.
//
// None of it can be undone. verify runs on the calling goroutine's thread
// with the reduced effective set and must not start goroutines.
func Drop(keep Set, verify func() error) (Result, error) {
	mu.Lock()
	defer mu.Unlock()
	if dropped {
		return Result{}, ErrDropped
	}
	cur, err := get()
	if err != nil {
		return Result{}, err
	}
	kept := keep & cur.permitted
	if err := onOneThread(cur, kept, verify); err != nil {
		return Result{}, err
	}
	// An error of the first call leaves the process as it was; an error of
	// a later one is unexpected (each can only succeed where the first did)
	// and reported as is.
	if err := allThreads(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1); err != nil {
		return Result{}, fmt.Errorf("setting no_new_privs: %w", err)
	}
	dropped = true
	if err := allThreads(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL); err != nil {
		return Result{}, fmt.Errorf("clearing the ambient capabilities: %w", err)
	}
	res := Result{Kept: kept, Bounding: Set(cur.effective).Has(SetPCap)}
	if res.Bounding {
		last, err := lastCap()
		if err != nil {
			return Result{}, err
		}
		for c := Cap(0); c <= last; c++ {
			if kept.Has(c) {
				continue
			}
			if err := allThreads(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c)); err != nil {
				return Result{}, fmt.Errorf("dropping capability %d from the bounding set: %w", c, err)
			}
		}
	}
	hdr, data := capsets(caps{effective: kept, permitted: kept})
	// The pointers are passed to AllThreadsSyscall itself, which keeps
	// what they point to alive and in place (go:uintptrescapes).
	_, _, errno := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	if err := threadsErr(errno); err != nil {
		return Result{}, fmt.Errorf("setting the capabilities: %w", err)
	}
	return res, nil
}

// caps are a thread's capability sets.
type caps struct {
	effective, permitted, inheritable Set
}

// capsets lays out c as capset(2) takes it: 64 bits in two halves.
func capsets(c caps) (unix.CapUserHeader, [2]unix.CapUserData) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3} // Pid 0: the calling thread
	var data [2]unix.CapUserData
	for i := range data {
		shift := 32 * i
		data[i] = unix.CapUserData{
			Effective:   uint32(c.effective >> shift),
			Permitted:   uint32(c.permitted >> shift),
			Inheritable: uint32(c.inheritable >> shift),
		}
	}
	return hdr, data
}

// get returns the calling thread's capabilities.
func get() (caps, error) {
	hdr, data := capsets(caps{})
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return caps{}, fmt.Errorf("reading the capabilities: %w", err)
	}
	var c caps
	for i := range data {
		shift := 32 * i
		c.effective |= Set(data[i].Effective) << shift
		c.permitted |= Set(data[i].Permitted) << shift
		c.inheritable |= Set(data[i].Inheritable) << shift
	}
	return c, nil
}

// set sets the calling thread's capabilities.
func set(c caps) error {
	hdr, data := capsets(c)
	return unix.Capset(&hdr, &data[0])
}

// onOneThread runs verify on a thread whose effective set is lowered to
// effective. The permitted set is untouched, so the thread can raise its
// effective set again afterwards and go back to the runtime as it was.
func onOneThread(cur caps, effective Set, verify func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		trial := cur
		trial.effective = effective
		if err := set(trial); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("lowering the capabilities of a thread: %w", err)
			return
		}
		verr := verify()
		if err := set(cur); err != nil {
			// The thread stays locked, and ends with this goroutine
			// rather than run others with fewer capabilities.
			errc <- fmt.Errorf("restoring the capabilities of a thread: %w", err)
			return
		}
		runtime.UnlockOSThread()
		if verr != nil {
			verr = fmt.Errorf("with only the capabilities to keep (%#x): %w", effective, verr)
		}
		errc <- verr
	}()
	return <-errc
}

// allThreads makes one syscall with integer arguments on every thread of
// the runtime; the arguments not given are 0, as prctl(2) requires of
// unused ones.
func allThreads(trap uintptr, args ...uintptr) error {
	var a [6]uintptr
	copy(a[:], args)
	_, _, errno := syscall.AllThreadsSyscall6(trap, a[0], a[1], a[2], a[3], a[4], a[5])
	return threadsErr(errno)
}

func threadsErr(errno syscall.Errno) error {
	switch errno {
	case 0:
		return nil
	case syscall.ENOTSUP:
		return ErrCgo
	default:
		return errno
	}
}

// lastCap is the highest capability the kernel knows: PR_CAPBSET_READ
// fails past it.
func lastCap() (Cap, error) {
	for c := Cap(0); c < 64; c++ {
		if _, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0); err != nil {
			if c == 0 {
				return 0, fmt.Errorf("reading the bounding set: %w", err)
			}
			return c - 1, nil
		}
	}
	return 63, nil
}
