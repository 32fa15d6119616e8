package kerneleventsreceiver

import "golang.org/x/sys/unix"

// The legacy syscalls the tests call directly, as a program built for
// x86_64 can; arm64 has only their *at and dup3 successors.
var (
	sysOpen   uintptr = unix.SYS_OPEN
	sysRename uintptr = unix.SYS_RENAME
	sysDup2   uintptr = unix.SYS_DUP2
)
